"""Simulated 6Li EXSY campaign: two samples with known exchange physics.

The simulator shares no model function with the reduction: it integrates the
exchange physics itself and synthesises the raw 2D data from it.

* ``LPSBr_LPSCl_mix`` (diffusion-limited): 6Li exchange between grains of
  phase A (Li6PS5Br, spheres of radius r, Li diffusing inside with
  D = D0 exp(-Ea / kB T), Ea = 0.27 eV, the seed's grain-boundary value) and a
  FINITE partner phase B (Li6PS5Cl) holding 55 % of the Li, treated as a
  well-stirred reservoir in contact with the sphere surfaces (no interfacial
  resistance). The spherical diffusion equation dc/dt = D (1/r^2) d/dr (r^2
  dc/dr) is discretised in finite volumes (shells refined towards the surface,
  where the early gradients are) and integrated by the method of lines
  (:func:`scipy.integrate.solve_ivp`, BDF with the sparse Jacobian); the
  reservoir's label changes by the flux through the surface divided by its Li
  content. Each site relaxes with its own R1 (one 6Li T1 of tens of seconds in
  this demo). A finite partner approaches its equilibrium faster than an
  infinite sink (Crank, The Mathematics of Diffusion, 2nd ed. (1975), sect.
  6.3.4), so these data also test a fit's infinite-sink assumption.
* ``two_site_mix`` (rate-limited): a synthetic sample whose exchange is limited
  by a two-site rate (an interfacial barrier), k_AB = k0 exp(-Ea / kB T) with
  Ea = 0.30 eV and detailed balance k_AB pA = k_BA pB, site R1 of their own. The
  Bloch-McConnell rate equations dM/dt = -L M are integrated numerically
  (:func:`scipy.integrate.solve_ivp`, DOP853), not evaluated in closed form.
  Its two shifts are placed inside the demo's spectral window; they are not
  literature values of any compound.

Peak XY is the magnetisation that started on site X (F1) and is found on site Y
(F2) after the mixing time; a Curie (1/T) magnetisation. Each experiment is a
States-TPPI (FnMODE 5) ``noesyph``-type ``ser``: hypercomplex t1 pairs (cosine,
sine rows) with every other pair negated, Lorentzian lines, complex Gaussian
noise, the digital-filter delay of GRPDLY points and int32 storage scaled by
2^NC, written with :func:`liprobe.simulate.bruker.write_experiment`. The truth
(D per temperature, Ea, D0, radius, populations, T1; for the two-site sample
k_AB, k_BA per temperature and Ea(k_AB)) is written to ``exsy_truth.json``
beside the folders; the reduction never reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.integrate import solve_ivp

from liprobe.simulate.bruker import (
    default_acqus,
    default_procs,
    delay_fid,
    write_experiment,
)
from liprobe.simulate.common import nmr_row

KB_EV = 8.617333262e-5  # Boltzmann constant, eV/K (CODATA 2018)
SAMPLE = "LPSBr_LPSCl_mix"
BF1_MHZ = 73.6
SITE_PPM = {"A": 1.85, "B": 0.95}  # A: Li6PS5Br, B: Li6PS5Cl
REGION_NAMES = {"A": "Li6PS5Br", "B": "Li6PS5Cl"}
TEMPERATURES_K = (298.0, 323.0, 348.0, 373.0)
MIXING_TIMES_S = tuple(float(x) for x in np.geomspace(1e-3, 10.0, 8))
EA_EV = 0.27
D0_M2_PER_S = 5.0e-10
RADIUS_UM = 1.5
P_A = 0.45  # Li fraction in the spheres; the finite partner holds 1 - P_A
# the rate-limited (two-site) sample
TWO_SITE_SAMPLE = "two_site_mix"
TWO_SITE_PPM = {"A": 2.05, "B": 0.75}
TWO_SITE_REGION_NAMES = {"A": "site_A", "B": "site_B"}
TWO_SITE_EA_EV = 0.30
TWO_SITE_K_AB_298K = 0.4  # 1/s
TWO_SITE_P_A = 0.4
TWO_SITE_T1_298K = {"A": 30.0, "B": 50.0}  # s
GRPDLY = 67.9852447509766

PULSE_PROGRAM = """# 1 "noesyph"
;noesyph
;avance-version
;2D homonuclear correlation via dipolar coupling
;dipolar coupling may be due to noe or chemical exchange.
;phase sensitive
;
;$CLASS=HighRes
;$DIM=2D
;$TYPE=
;$SUBTYPE=
;$COMMENT=

"d0=3u"
"in0=inf1"
"acqt0=-p1*2/3.1416"

1 ze
2 d1
3 p1 ph1
  d0
  p1 ph2
  d8
  p1 ph3
  go=2 ph31
  d1 mc #0 to 2 F1PH(ip1, id0)
exit

ph1=0 2
ph2=0 0 0 0 0 0 0 0 2 2 2 2 2 2 2 2
ph3=0 0 2 2 1 1 3 3
ph31=0 2 2 0 1 3 3 1 2 0 0 2 3 1 1 3

;pl1 : f1 channel - power level for pulse (default)
;p1 : f1 channel -  90 degree high power pulse
;d0 : incremented delay (2D)                         [3 usec]
;d1 : relaxation delay; 1-5 * T1
;d8 : mixing time
;inf1: 1/SW = 2 * DW
;in0: 1/(1 * SW) = DW
;nd0: 1
;ns: 8 * n
;FnMODE: States-TPPI, TPPI, States or QSEQ
"""


def _regions(sample: str, site_ppm: dict, names: dict) -> list[dict]:
    rows = []
    for site in ("A", "B"):
        c = site_ppm[site]
        rows.append(
            {
                "sample": sample,
                "region": names[site],
                "ppm_min": round(c - 0.35, 3),
                "ppm_max": round(c + 0.35, 3),
            }
        )
    return rows


def demo_exsy_regions() -> list[dict]:
    """Regions-sheet rows of the diffusion-limited sample: two sites, +-0.35 ppm."""
    return _regions(SAMPLE, SITE_PPM, REGION_NAMES)


def two_site_regions() -> list[dict]:
    """Regions-sheet rows of the rate-limited (two-site) sample."""
    return _regions(TWO_SITE_SAMPLE, TWO_SITE_PPM, TWO_SITE_REGION_NAMES)


def true_D(temperature_K: float) -> float:
    """D (m^2/s) of the demo at a temperature: D0 exp(-Ea / kB T)."""
    return D0_M2_PER_S * np.exp(-EA_EV / (KB_EV * temperature_K))


def true_T1(temperature_K: float) -> float:
    """6Li T1 (s) of the demo: 40 s at 298 K, shortening on heating."""
    return 40.0 * np.exp(-1200.0 * (1.0 / 298.0 - 1.0 / temperature_K))


def true_k_AB(temperature_K: float) -> float:
    """k_AB (1/s) of the two-site sample: Arrhenius with Ea = 0.30 eV."""
    return TWO_SITE_K_AB_298K * np.exp(
        -TWO_SITE_EA_EV / KB_EV * (1.0 / temperature_K - 1.0 / 298.0)
    )


def _sphere_shells(radius_m: float, n_shells: int) -> np.ndarray:
    """Shell edges from the centre to the surface, finest at the surface.

    Depths below the surface grow geometrically from 1e-6 r, so that the
    sqrt(D t) boundary layer of the shortest mixing times spans several shells.
    """
    depth = np.concatenate([[0.0], np.geomspace(1e-6, 1.0, n_shells)]) * radius_m
    return np.sort(radius_m - depth)


def sphere_exchange_matrix(
    D: float,
    radius_m: float,
    partner_ratio: float,
    R1_A: float,
    R1_B: float,
    n_shells: int = 160,
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Finite-volume operator of labelled-Li exchange sphere <-> finite partner.

    State: the label fraction c_i of each of ``n_shells`` shells of a sphere of
    ``radius_m`` (phase A), then that of the partner c_B (phase B, well
    stirred). Flux between neighbouring shells through the face at r:
    D 4 pi r^2 (c_i - c_j) / (distance between the shell midpoints); the
    outermost shell meets the partner at the surface (c = c_B there, the half
    shell to the surface as distance). ``partner_ratio`` is the partner's Li
    content over the sphere's (pB / pA): the partner's label changes by the
    surface flux divided by its Li content. Each phase relaxes with its R1.
    Returns ``(K, weights)`` with dy/dt = K y and ``weights`` the Li fraction
    of each shell within the sphere (summing to 1).
    """
    edges = _sphere_shells(radius_m, n_shells)
    volume = (edges[1:] ** 3 - edges[:-1] ** 3) / 3.0  # per 4 pi
    mid = 0.5 * (edges[1:] + edges[:-1])
    n = n_shells
    g = np.empty(n)  # conductance through the outer face of each shell
    g[:-1] = D * edges[1:-1] ** 2 / np.diff(mid)
    g[-1] = D * radius_m**2 / (radius_m - mid[-1])
    partner_volume = partner_ratio * radius_m**3 / 3.0
    capacity = np.concatenate([volume, [partner_volume]])
    left = np.arange(n)  # face i joins node i and node i + 1 (node n: partner)
    right = left + 1
    rows = np.concatenate([left, left, right, right, np.arange(n + 1)])
    cols = np.concatenate([left, right, right, left, np.arange(n + 1)])
    vals = np.concatenate(
        [
            -g / capacity[left],
            g / capacity[left],
            -g / capacity[right],
            g / capacity[right],
            np.r_[np.full(n, -R1_A), -R1_B],
        ]
    )
    K = sparse.csr_matrix((vals, (rows, cols)), shape=(n + 1, n + 1))
    return K, volume / volume.sum()


def diffusion_peak_volumes(
    mixing_times_s,
    D: float,
    radius_m: float,
    pA: float,
    R1_A: float,
    R1_B: float,
    m0: float = 1.0,
    n_shells: int = 160,
) -> dict[str, np.ndarray]:
    """Peak volumes of exchange limited by diffusion in spheres (phase A, Li
    fraction ``pA``) with a finite, well-stirred partner (phase B, 1 - pA).

    The finite-volume system of :func:`sphere_exchange_matrix` is integrated
    from a label on A only (peaks AA, AB) and on B only (BA, BB); volumes are
    ``m0`` times the Li fraction of the site times its label fraction.
    """
    tm = np.asarray(mixing_times_s, dtype=float)
    pB = 1.0 - pA
    K, weights = sphere_exchange_matrix(D, radius_m, pB / pA, R1_A, R1_B, n_shells)
    n = weights.size
    order = np.argsort(tm)
    # both starts integrated at once: label on A only, then on B only
    both = sparse.block_diag([K, K], format="csr")
    y0 = np.zeros(2 * (n + 1))
    y0[:n] = 1.0
    y0[2 * n + 1] = 1.0
    sol = solve_ivp(
        lambda _t, y: both @ y,
        (0.0, float(tm.max())),
        y0,
        method="BDF",
        jac=both,
        t_eval=tm[order],
        rtol=1e-7,
        atol=1e-11,
    )
    if not sol.success or not np.isfinite(sol.y).all():
        raise RuntimeError(f"sphere exchange integration failed: {sol.message}")
    y = np.empty_like(sol.y)
    y[:, order] = sol.y
    from_A, from_B = y[: n + 1], y[n + 1 :]
    out = {
        "AA": m0 * pA * (weights @ from_A[:n]),
        "AB": m0 * pB * from_A[n],
        "BA": m0 * pA * (weights @ from_B[:n]),
        "BB": m0 * pB * from_B[n],
    }
    return {peak: out[peak] for peak in ("AA", "AB", "BA", "BB")}


def two_site_peak_volumes(
    mixing_times_s,
    k_AB: float,
    k_BA: float,
    R1_A: float,
    R1_B: float,
    MA0: float,
    MB0: float,
) -> dict[str, np.ndarray]:
    """Peak volumes of two-site exchange with relaxation, integrated numerically.

    dMA/dt = -(R1_A + k_AB) MA + k_BA MB,  dMB/dt = k_AB MA - (R1_B + k_BA) MB
    (Bloch-McConnell for z magnetisation), from (MA0, 0) for AA, AB and from
    (0, MB0) for BA, BB.
    """
    tm = np.asarray(mixing_times_s, dtype=float)
    order = np.argsort(tm)
    rate = np.array([[-(R1_A + k_AB), k_BA], [k_AB, -(R1_B + k_BA)]])
    out: dict[str, np.ndarray] = {}
    for y0, (on_A, on_B) in (((MA0, 0.0), ("AA", "AB")), ((0.0, MB0), ("BA", "BB"))):
        sol = solve_ivp(
            lambda _t, y: rate @ y,
            (0.0, float(tm.max())),
            np.array(y0, dtype=float),
            method="DOP853",
            t_eval=tm[order],
            rtol=1e-11,
            atol=1e-14 * max(MA0, MB0),
        )
        if not sol.success:
            raise RuntimeError(f"two-site integration failed: {sol.message}")
        y = np.empty((2, tm.size))
        y[:, order] = sol.y
        out[on_A], out[on_B] = y[0], y[1]
    return {peak: out[peak] for peak in ("AA", "AB", "BA", "BB")}


def simulate_ser(
    volumes: dict[str, float],
    *,
    sw2_Hz: float,
    sw1_Hz: float,
    td2: int,
    td1: int,
    nu_Hz: dict[str, float],
    t2_s: float,
    noise: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """States-TPPI hypercomplex FIDs (td1 rows of td2 / 2 complex points).

    Row 2j holds cos(2 pi nu_X t1) and row 2j + 1 sin(2 pi nu_X t1) modulation of
    the t2 signal of site Y for each peak XY, t1 = j / SW1, and both rows of
    every odd pair are negated (States-TPPI). Lines are Lorentzian with T2 in
    both dimensions.
    """
    n2 = td2 // 2
    n_pairs = td1 // 2
    t2 = np.arange(n2) / sw2_Hz
    t1 = np.arange(n_pairs) / sw1_Hz
    decay1 = np.exp(-t1 / t2_s)
    out = np.zeros((2 * n_pairs, n2), dtype=complex)
    for peak, vol in volumes.items():
        x, y = peak[0], peak[1]
        s2 = np.exp(2j * np.pi * nu_Hz[y] * t2 - t2 / t2_s)
        cos1 = np.cos(2 * np.pi * nu_Hz[x] * t1) * decay1
        sin1 = np.sin(2 * np.pi * nu_Hz[x] * t1) * decay1
        out[0::2] += vol * np.outer(cos1, s2)
        out[1::2] += vol * np.outer(sin1, s2)
    sign = (-1.0) ** np.arange(n_pairs)
    out[0::2] *= sign[:, None]
    out[1::2] *= sign[:, None]
    out = delay_fid(out, GRPDLY)
    out += noise * (
        rng.standard_normal(out.shape) + 1j * rng.standard_normal(out.shape)
    )
    return out


def exchange_acqus(
    *,
    o1_Hz: float,
    sw_Hz: float,
    ns: int,
    rg: float,
    temperature_K: float,
    mixing_time_s: float,
    pulprog: str,
) -> dict[str, object]:
    """acqus of a 6Li exchange experiment: D1 5 s, the mixing time in D8, P1
    4 us and the digital filter's :data:`GRPDLY`."""
    delays = [0.0] * 16
    delays[1] = 5.0
    delays[8] = float(mixing_time_s)
    return default_acqus(
        nucleus="6Li",
        bf1_MHz=BF1_MHZ,
        o1_Hz=o1_Hz,
        sw_Hz=sw_Hz,
        ns=ns,
        rg=rg,
        temperature_K=temperature_K,
        grpdly=GRPDLY,
        pulprog=pulprog,
        d=delays,
        p=[0.0, 4.0],
    )


def _exsy_procs(si: int, sw_Hz: float, o1_Hz: float) -> dict[str, object]:
    """procs (or proc2s) of one EXSY dimension: sine-squared window, SSB 2."""
    procs = default_procs(
        si=si,
        sw_Hz=sw_Hz,
        sf_MHz=BF1_MHZ,
        offset_ppm=(o1_Hz + sw_Hz / 2) / BF1_MHZ,
        lb_Hz=0.0,
    )
    procs.update(WDW=4, SSB=2.0)
    return procs


def write_exsy_series(
    dataset: Path,
    rng: np.random.Generator,
    *,
    sample: str,
    series: str,
    temperature_K: float,
    mixing_times_s: tuple[float, ...],
    volumes: dict[str, np.ndarray],
    nu_Hz: dict[str, float],
    o1_Hz: float,
    sw2_Hz: float,
    sw1_Hz: float,
    td2: int,
    td1: int,
    t2_s: float,
    ns: int,
    rg: float,
    snr: float,
) -> list[dict]:
    """Write one 2D EXSY series: one ``noesyph`` experiment per mixing time in
    ``dataset/<10 + index>``.

    ``volumes`` holds the normalised volumes per peak (arrays over
    ``mixing_times_s``); they are scaled by NS, RG and 1e3 like a
    spectrometer's stored numbers. ``snr`` is the ratio of a unit volume's
    amplitude to the noise of one point in one scan (the stored noise grows as
    sqrt(NS)). Returns the nmr sheet rows.
    """
    noise = 1.0 / snr * np.sqrt(ns) * rg * 1e3
    T = temperature_K
    rows = []
    for im, tm in enumerate(mixing_times_s):
        vols = {k: float(v[im]) * ns * rg * 1e3 for k, v in volumes.items()}
        ser = simulate_ser(
            vols,
            sw2_Hz=sw2_Hz,
            sw1_Hz=sw1_Hz,
            td2=td2,
            td1=td1,
            nu_Hz=nu_Hz,
            t2_s=t2_s,
            noise=noise,
            rng=rng,
        )
        acqus = exchange_acqus(
            o1_Hz=o1_Hz,
            sw_Hz=sw2_Hz,
            ns=ns,
            rg=rg,
            temperature_K=T,
            mixing_time_s=tm,
            pulprog="noesyph",
        )
        acqu2s = {
            "TD": td1,
            "FnMODE": 5,
            "SW_h": sw1_Hz,
            "SW": sw1_Hz / BF1_MHZ,
            "SFO1": BF1_MHZ + o1_Hz * 1e-6,
            "BF1": BF1_MHZ,
            "O1": o1_Hz,
            "NUC1": "6Li",
            "IN_F": [1e6 / sw1_Hz] + [0.0] * 7,
        }
        procs = _exsy_procs(2 * td2, sw2_Hz, o1_Hz)
        proc2s = _exsy_procs(4 * td1, sw1_Hz, o1_Hz)
        proc2s["MC2"] = 4
        folder = dataset / str(10 + im)
        write_experiment(
            folder,
            ser,
            acqus,
            acqu2s=acqu2s,
            pulse_program=PULSE_PROGRAM,
            title=f"6Li EXSY {sample} {T:.0f} K d8 = {tm:g} s",
            procs=procs,
            proc2s=proc2s,
        )
        name = f"{series}_tm{im:02d}"
        row = nmr_row(name, sample, folder, "exsy", series=series, temperature_K=T)
        rows.append(row)
    return rows


def _write_campaign(
    outdir: str | Path,
    seed: int,
    truth: dict,
    per_temperature,
    *,
    site_ppm: dict[str, float],
    folder_prefix: str,
    temperatures_K: tuple[float, ...],
    mixing_times_s: tuple[float, ...],
    td2: int,
    td1: int,
    snr: float,
    particle_radius_um: float | None,
) -> list[dict]:
    """Write one EXSY series per temperature of the sample ``truth["sample"]``.

    ``per_temperature(T)`` returns the truth of the series at ``T`` (added to
    ``truth["series"]`` after its temperature) and the normalised peak volumes
    over ``mixing_times_s`` (total 1 at zero mixing time before the Curie
    factor). Folders ``<folder_prefix>_<T>K/<expno>``, a 10 ppm by 4 ppm
    window centred between the sites. Returns the nmr sheet rows.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sample = truth["sample"]
    center_ppm = 0.5 * (site_ppm["A"] + site_ppm["B"])
    rg_values = (64.0, 90.5, 128.0, 181.0, 203.0, 256.0)
    rows = []
    for index, T in enumerate(temperatures_K):
        series_truth, volumes = per_temperature(T)
        series = f"{sample}_{int(round(T))}K"
        truth["series"][series] = {"temperature_K": T, **series_truth}
        series_rows = write_exsy_series(
            outdir / f"{folder_prefix}_{int(round(T))}K",
            rng,
            sample=sample,
            series=series,
            temperature_K=T,
            mixing_times_s=mixing_times_s,
            volumes=volumes,
            nu_Hz={k: (v - center_ppm) * BF1_MHZ for k, v in site_ppm.items()},
            o1_Hz=center_ppm * BF1_MHZ,
            sw2_Hz=10.0 * BF1_MHZ,  # 10 ppm
            sw1_Hz=4.0 * BF1_MHZ,  # 4 ppm
            td2=td2,
            td1=td1,
            t2_s=0.15,
            ns=16,
            rg=rg_values[index % len(rg_values)],
            snr=snr,
        )
        if particle_radius_um is not None:
            for row in series_rows:
                row["particle_radius_um"] = particle_radius_um
        rows += series_rows
    return rows


def write_demo_exsy(
    outdir: str | Path,
    seed: int = 0,
    *,
    temperatures_K: tuple[float, ...] = TEMPERATURES_K,
    mixing_times_s: tuple[float, ...] = MIXING_TIMES_S,
    td2: int = 256,
    td1: int = 64,
    snr: float = 50.0,
) -> dict:
    """Write the diffusion-limited 6Li EXSY campaign under ``outdir``.

    One dataset folder per temperature (``exsy_<T>K/<expno>``, expno 10, 11, ...
    one per mixing time). ``snr`` is the ratio of the total t=0 signal amplitude
    to the per-point noise of the FID. Returns ``{"nmr": [...], "regions":
    [...], "truth": {...}}``: the ``nmr`` sheet rows (experiment, sample, path,
    kind, series, temperature_K, particle_radius_um), the ``regions`` sheet rows
    (:func:`demo_exsy_regions`) and the truth also written to
    ``exsy_truth.json``.
    """
    truth = {
        "sample": SAMPLE,
        "Ea_eV": EA_EV,
        "D0_m2_per_s": D0_M2_PER_S,
        "particle_radius_um": RADIUS_UM,
        "pA": P_A,
        "pB": 1.0 - P_A,
        "partner": "finite well-stirred phase holding pB of the Li",
        "site_ppm": SITE_PPM,
        "regions": demo_exsy_regions(),
        "series": {},
    }

    def per_temperature(T: float) -> tuple[dict, dict[str, np.ndarray]]:
        D = float(true_D(T))
        T1 = float(true_T1(T))
        series_truth = {
            "D_m2_per_s": D,
            "T1_s": T1,
            # Crank's infinite-sink half time, a scale of the exchange
            "exchange_half_time_s": 0.0305465 * (RADIUS_UM * 1e-6) ** 2 / D,
        }
        volumes = diffusion_peak_volumes(
            mixing_times_s, D, RADIUS_UM * 1e-6, P_A, 1.0 / T1, 1.0 / T1, 298.0 / T
        )
        return series_truth, volumes

    rows = _write_campaign(
        outdir,
        seed,
        truth,
        per_temperature,
        site_ppm=SITE_PPM,
        folder_prefix="exsy",
        temperatures_K=temperatures_K,
        mixing_times_s=mixing_times_s,
        td2=td2,
        td1=td1,
        snr=snr,
        particle_radius_um=RADIUS_UM,
    )
    (Path(outdir) / "exsy_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return {"nmr": rows, "regions": demo_exsy_regions(), "truth": truth}


def write_demo_exsy_two_site(
    outdir: str | Path,
    seed: int = 0,
    *,
    temperatures_K: tuple[float, ...] = TEMPERATURES_K,
    mixing_times_s: tuple[float, ...] = MIXING_TIMES_S,
    td2: int = 256,
    td1: int = 64,
    snr: float = 50.0,
) -> dict:
    """Write the rate-limited (two-site) 6Li EXSY campaign under ``outdir``.

    Folders ``two_site_<T>K/<expno>``; the same acquisition as
    :func:`write_demo_exsy`. The sample has no particle radius (its exchange is
    not limited by diffusion). Returns ``{"nmr", "regions", "truth"}`` and
    writes the truth to ``exsy_two_site_truth.json``.
    """
    pA = TWO_SITE_P_A
    pB = 1.0 - pA
    truth = {
        "sample": TWO_SITE_SAMPLE,
        "Ea_k_AB_eV": TWO_SITE_EA_EV,
        "k_AB_298K_per_s": TWO_SITE_K_AB_298K,
        "pA": pA,
        "site_ppm": TWO_SITE_PPM,
        "regions": two_site_regions(),
        "series": {},
    }

    def per_temperature(T: float) -> tuple[dict, dict[str, np.ndarray]]:
        k_AB = float(true_k_AB(T))
        k_BA = k_AB * pA / pB  # detailed balance
        shorten = np.exp(-1200.0 * (1.0 / 298.0 - 1.0 / T))
        T1 = {site: float(t1 * shorten) for site, t1 in TWO_SITE_T1_298K.items()}
        series_truth = {
            "k_AB_per_s": k_AB,
            "k_BA_per_s": k_BA,
            "T1_A_s": T1["A"],
            "T1_B_s": T1["B"],
        }
        m0 = 298.0 / T  # Curie law
        volumes = two_site_peak_volumes(
            mixing_times_s, k_AB, k_BA, 1 / T1["A"], 1 / T1["B"], m0 * pA, m0 * pB
        )
        return series_truth, volumes

    rows = _write_campaign(
        outdir,
        seed,
        truth,
        per_temperature,
        site_ppm=TWO_SITE_PPM,
        folder_prefix="two_site",
        temperatures_K=temperatures_K,
        mixing_times_s=mixing_times_s,
        td2=td2,
        td1=td1,
        snr=snr,
        particle_radius_um=None,
    )
    path = Path(outdir) / "exsy_two_site_truth.json"
    path.write_text(json.dumps(truth, indent=2) + "\n")
    return {"nmr": rows, "regions": two_site_regions(), "truth": truth}
