"""Rule ndp_events: stream one run's list-mode files into per-slice spectra."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.listmode import open_listmode
from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table, write_table
from liprobe.ndp.events import (
    accumulate_files,
    check_histogram_size,
    file_layout,
    make_slices,
    robust_time_span,
    slice_count,
)
from liprobe.ndp.sheet import run_setting, run_start_times
from liprobe.options import NdpOptions
from liprobe.progress import Progress
from liprobe.steps.job import Job


def require_events(reader, path: str, role: str) -> None:
    """An :class:`InputError` for a list-mode file whose header or index says it
    holds no event (a run cannot be sliced, nor a live time measured, on none).
    Formats that do not state their count up front are not read twice for it."""
    if reader.info.n_events == 0:
        raise InputError(
            path,
            "events",
            f"at least one event in the {role} list-mode file",
            "0 events",
        )


def run(job: Job) -> None:
    """stream one run's list-mode files into per-slice spectra."""
    with rule_log(job.log[0]) as log:
        p = job.params
        opts = NdpOptions.from_params(p.options, "ndp")
        run, row, config = run_setting(p)
        files = list(job.input.listmode)
        chunk = int(opts.chunk_events)
        readers = [
            open_listmode(f, row.get("format") or "auto", chunk_events=chunk)
            for f in files
        ]
        for path, reader in zip(files, readers, strict=True):
            require_events(reader, path, "signal")
        sheet = p.sheet_name
        start, starts_s = run_start_times(
            row.get("listmode_start_utc"),
            [r.info.start_utc for r in readers],
            sheet,
            run,
        )
        if row.get("listmode_start_utc"):
            start_source = "sheet listmode_start_utc"
        elif start is not None:
            if readers[0].info.extra.get("start_is_local_time"):
                # ORTEC stores the acquisition computer's clock, zone unknown
                start_source = (
                    "file header: local time of the acquisition computer, "
                    "zone unknown, read as UTC (set listmode_start_utc)"
                )
            else:
                start_source = "file header (UTC)"
            log.warning(
                "%s: start time taken from the %s: %s", files[0], start_source, start
            )
        if start is None:
            raise InputError(
                sheet,
                f"listmode_start_utc (run {run})",
                f"a start time: format {readers[0].format} stores no absolute time",
                "empty",
            )
        if not row.get("listmode_start_utc"):
            log.warning("%s: start time taken from the file: %s", files[0], start)
        # each file on the run's clock: continuing tags, restarts, gaps
        layout = file_layout(
            readers,
            disorder_tolerance_s=float(opts.disorder_tolerance_s),
            max_time_jump_s=float(opts.max_time_jump_s),
            starts_s=starts_s,
        )
        for lay in layout:
            log.info(
                "%s: acquisition %.6g to %.6g s after the start (offset %.6g s)",
                lay["file"],
                lay["start_s"],
                lay["end_s"],
                lay["offset_s"],
            )
            if lay["n_bad"]:
                log.warning(
                    "%s: %d event times out of order (timestamp_disorder); "
                    "its span ends at its last usable time",
                    lay["file"],
                    lay["n_bad"],
                )
        span_end_s = max(lay["end_s"] for lay in layout)
        end = start + pd.Timedelta(seconds=span_end_s + 1e-6)
        boundaries = None
        cycles_path = job.input.get("cycles")
        if cycles_path and not isinstance(cycles_path, str):
            cycles_path = cycles_path[0] if len(cycles_path) else None
        if cycles_path:
            from liprobe.echem import step_boundaries

            cycles = read_table(cycles_path)
            boundaries = step_boundaries(cycles)
            log.info("%d slice boundaries from the cycler steps", len(boundaries))
            if boundaries and (boundaries[0] >= end or boundaries[-1] <= start):
                # e.g. a start time typed a year off: no step inside the run
                raise InputError(
                    sheet,
                    f"listmode_start_utc (run {run})",
                    "a list-mode run overlapping its cycler steps "
                    f"({boundaries[0]} to {boundaries[-1]}, {cycles_path})",
                    f"a run from {start} to {end} ({start_source})",
                )
        slice_s = row.get("slice_s") or opts.slice_s
        # the histogram ceiling before anything of that size is built
        check_histogram_size(
            slice_count(span_end_s, float(slice_s), len(boundaries or [])),
            int(opts.n_channels),
            int(opts.max_histogram_bytes),
            f"{sheet} (run {run}, slice_s {slice_s})",
        )
        slices = make_slices(start, end, float(slice_s), boundaries)
        log.info("%d slices from %s to %s", len(slices), start, end)
        # the signal, background and reference files: one set of event options
        accumulate = partial(
            accumulate_files,
            n_channels=int(opts.n_channels),
            disorder_tolerance_s=float(opts.disorder_tolerance_s),
            dead_time_per_event_s=float(opts.dead_time_per_event_s),
            max_time_jump_s=float(opts.max_time_jump_s),
            max_disorder_fraction=float(opts.max_disorder_fraction),
            max_histogram_bytes=int(opts.max_histogram_bytes),
            calibrated_channel_keV=float(opts.calibrated_channel_keV),
            run=run,
        )
        # beam monitor: the sheet's column for this run, else the config's
        monitor = row.get("monitor_channel")
        if monitor is None:
            monitor = opts.monitor_channel
        elif not (
            isinstance(monitor, int | float)
            and float(monitor).is_integer()
            and monitor >= 0
        ):
            raise InputError(
                sheet,
                f"monitor_channel (run {run})",
                "a digitiser channel number >= 0 (channel + 1000 x board)",
                monitor,
            )
        if monitor is not None:
            monitor = int(monitor)
            log.info("monitor normalisation: channel %d", monitor)
        known = [r.info.n_events for r in readers]
        progress = Progress(
            log,
            f"run {run}: events",
            sum(known) if all(n is not None for n in known) else None,
            unit="events",
        )
        res = accumulate(
            readers,
            slices,
            start,
            layout=layout,
            monitor_channel=monitor,
            progress=progress.advance,
        )
        progress.done()
        if res["energy_kind"] == "keV":
            log.info(
                "calibrated energies only: channel = floor(E / %g keV)",
                float(opts.calibrated_channel_keV),
            )
        for _, r in res["accounting"].iterrows():
            log.info("%s %s: %d", r["file"], r["reason"], r["n_events"])
        hist = res["hist"]
        k, ch = np.nonzero(hist)
        spectra = pd.DataFrame(
            {
                "slice": res["slices"]["slice"].to_numpy()[k],
                "channel": ch,
                "counts": hist[k, ch],
            }
        )

        def whole_file(key):
            """Spectrum (channel, counts), live time and accounting of a whole file."""
            path = job.input.get(key)
            if path and not isinstance(path, str):
                path = path[0] if len(path) else None
            if not path:
                return pd.DataFrame({"channel": [], "counts": []}), 0.0, pd.DataFrame()
            reader = open_listmode(path, "auto", chunk_events=chunk)
            require_events(reader, path, key)
            _, t_hi, _ = robust_time_span(
                reader,
                disorder_tolerance_s=float(opts.disorder_tolerance_s),
                max_time_jump_s=float(opts.max_time_jump_s),
            )
            origin = pd.Timestamp(0, tz="UTC")
            one = make_slices(
                origin, origin + pd.Timedelta(seconds=t_hi + 1e-6), slice_s=t_hi + 1.0
            )
            res_f = accumulate([reader], one, origin)
            live = float(res_f["slices"]["live_s"].sum())
            h = res_f["hist"].sum(axis=0)
            nz = np.flatnonzero(h)
            acc_f = res_f["accounting"]
            acc_f["run"] = run
            # events of a background or reference file that reach its spectrum are
            # accepted into that spectrum
            acc_f.loc[acc_f["reason"] == "in_slices", "reason"] = "accepted"
            log.info("%s %s: live %.1f s", key, path, live)
            return pd.DataFrame({"channel": nz, "counts": h[nz]}), live, acc_f

        bg_rows, bg_live, bg_acc = whole_file("background")
        ref_rows, ref_live, ref_acc = whole_file("reference")
        meta = {
            "liprobe.ndp.start_utc": start.isoformat(),
            "liprobe.ndp.energy_kind": res["energy_kind"],
            "liprobe.ndp.start_source": start_source,
        }
        res["slices"]["start_time_source"] = start_source
        write_table(
            res["slices"], job.output.slices, inputs=files, config=config, extra=meta
        )
        write_table(
            spectra, job.output.spectra, inputs=files, config=config, extra=meta
        )
        bg_rows["live_s"] = bg_live
        write_table(bg_rows, job.output.background, config=config)
        ref_rows["live_s"] = ref_live
        write_table(ref_rows, job.output.reference, config=config)
        acc = pd.concat([res["accounting"], bg_acc, ref_acc], ignore_index=True)
        write_table(acc, job.output.accounting, config=config)
