"""Rule ndp_events: stream one run's list-mode files into per-slice spectra."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import json  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from liprobe.errors import InputError  # noqa: E402
from liprobe.io.listmode import open_listmode  # noqa: E402
from liprobe.io.runlog import rule_log  # noqa: E402
from liprobe.io.tables import read_table, write_table  # noqa: E402
from liprobe.ndp.events import accumulate_files, make_slices  # noqa: E402

with rule_log(snakemake.log[0]) as log:
    p = snakemake.params
    opts = dict(p.options)
    row = dict(p.run_sheet)
    run = p.run
    config = json.loads(json.dumps({"ndp": opts, "run": row}, default=str))
    files = list(snakemake.input.listmode)
    chunk = int(opts.get("chunk_events", 1 << 20))
    readers = [open_listmode(f, row.get("format") or "auto", chunk) for f in files]
    sheet = p.sheet_name
    if row.get("listmode_start_utc"):
        try:
            start = pd.Timestamp(row["listmode_start_utc"])
        except ValueError:
            raise InputError(
                sheet,
                "listmode_start_utc",
                "an ISO 8601 time",
                row["listmode_start_utc"],
            ) from None
        if start.tz is None:
            raise InputError(
                sheet,
                f"listmode_start_utc (run {run})",
                "a time with its zone (e.g. 2024-03-04T07:50:00+00:00)",
                row["listmode_start_utc"],
            )
        start = start.tz_convert("UTC")
    elif readers[0].info.start_utc is not None:
        start = readers[0].info.start_utc
        log.warning("%s: start time taken from the file: %s", files[0], start)
    else:
        raise InputError(
            sheet,
            f"listmode_start_utc (run {run})",
            f"a start time: format {readers[0].format} stores no absolute time",
            "empty",
        )
    span = [r.time_span() for r in readers]
    end = start + pd.Timedelta(seconds=max(s[1] for s in span) + 1e-6)
    boundaries = None
    cycles_path = snakemake.input.get("cycles")
    if cycles_path and not isinstance(cycles_path, str):
        cycles_path = cycles_path[0] if len(cycles_path) else None
    if cycles_path:
        from liprobe.echem import step_boundaries

        cycles = read_table(cycles_path)
        boundaries = step_boundaries(cycles)
        log.info("%d slice boundaries from the cycler steps", len(boundaries))
    slice_s = row.get("slice_s") or opts.get("slice_s", 1800.0)
    slices = make_slices(start, end, float(slice_s), boundaries)
    log.info("%d slices from %s to %s", len(slices), start, end)
    res = accumulate_files(
        readers,
        slices,
        start,
        n_channels=int(opts.get("n_channels", 16384)),
        disorder_tolerance_s=float(opts.get("disorder_tolerance_s", 1e-3)),
        dead_time_per_event_s=float(opts.get("dead_time_per_event_s", 0.0)),
        run=run,
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
        path = snakemake.input.get(key)
        if path and not isinstance(path, str):
            path = path[0] if len(path) else None
        if not path:
            return pd.DataFrame({"channel": [], "counts": []}), 0.0, pd.DataFrame()
        reader = open_listmode(path, "auto", chunk)
        _, t_hi = reader.time_span()
        origin = pd.Timestamp(0, tz="UTC")
        one = make_slices(
            origin, origin + pd.Timedelta(seconds=t_hi + 1e-6), slice_s=t_hi + 1.0
        )
        res_f = accumulate_files(
            [reader],
            one,
            origin,
            n_channels=int(opts.get("n_channels", 16384)),
            run=run,
        )
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
    meta = {"liprobe.ndp.start_utc": start.isoformat()}
    write_table(
        res["slices"], snakemake.output.slices, inputs=files, config=config, extra=meta
    )
    write_table(
        spectra, snakemake.output.spectra, inputs=files, config=config, extra=meta
    )
    bg_rows["live_s"] = bg_live
    write_table(bg_rows, snakemake.output.background, config=config)
    ref_rows["live_s"] = ref_live
    write_table(ref_rows, snakemake.output.reference, config=config)
    acc = pd.concat([res["accounting"], bg_acc, ref_acc], ignore_index=True)
    write_table(acc, snakemake.output.accounting, config=config)
