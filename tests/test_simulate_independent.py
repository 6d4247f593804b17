"""The simulators are independent of the reduction they validate.

* Import graph: nothing reachable from the NMR simulators (``NMR_SIMULATORS``
  below), the NDP simulator (``simulate.ndp`` with its stopping, cells and cycler
  modules) or the demo builder (``simulate.demo``) imports the reduction packages
  in ``FORBIDDEN`` (at module level or inside functions); file writers of the
  shared ``liprobe.io`` layer are allowed.
* The EXSY simulator's own physics against textbook solutions computed here:
  Crank's sphere in an infinite sink and in a well-stirred finite bath (The
  Mathematics of Diffusion, 2nd ed. (1975), eqs. 6.20 and 6.30), and the
  two-site Bloch-McConnell solution as a matrix exponential.
* The PFG simulator's random walkers against the Stejskal-Tanner attenuation
  written out here (rectangular and half-sine gradients).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.optimize import brentq

from liprobe.simulate.exsy import (
    MIXING_TIMES_S,
    RADIUS_UM,
    diffusion_peak_volumes,
    true_D,
    two_site_peak_volumes,
)

from conftest import REPO

SCRIPTS = REPO / "workflow_scripts"
NMR_SIMULATORS = (
    "liprobe.simulate.nmr",
    "liprobe.simulate.exsy",
    "liprobe.simulate.pfg",
    "liprobe.simulate.bruker",
    "liprobe.simulate.linewidth",
    "liprobe.simulate.operando_nmr",
    "liprobe.simulate.hybrid",
    "liprobe.simulate.cp",
)
NDP_SIMULATOR = ("liprobe.simulate.ndp",)
DEMO_BUILDER = ("liprobe.simulate.demo",)
FORBIDDEN = (
    "liprobe.nmr",
    "liprobe.relaxation",
    "liprobe.exsy",
    "liprobe.ndp",
    "liprobe.linewidth",
    "liprobe.lineshape",
    "liprobe.operando",
    "liprobe.accounting",
    "liprobe.cp",
    "liprobe.pfg",
)


def _module_file(module: str, root: Path) -> Path | None:
    base = root.joinpath(*module.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _imports(path: Path, module: str) -> set[str]:
    """Every liprobe module ``path`` imports, anywhere in its body."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.add(name)
            # "from liprobe.simulate import bruker" imports a submodule
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "liprobe" or m.startswith("liprobe.")}


def import_closure(start: tuple[str, ...], root: Path) -> dict[str, str]:
    """Module -> the module that first imported it, over the liprobe import graph.

    Importing ``a.b.c`` also runs the ``__init__`` of ``a`` and ``a.b``.
    """
    seen: dict[str, str] = {m: "" for m in start}
    todo = list(start)
    while todo:
        module = todo.pop()
        path = _module_file(module, root)
        if path is None:
            continue
        for name in _imports(path, module):
            parts = name.split(".")
            for k in range(1, len(parts) + 1):
                parent = ".".join(parts[:k])
                if parent not in seen and _module_file(parent, root) is not None:
                    seen[parent] = module
                    todo.append(parent)
    return seen


def _forbidden(closure: dict[str, str]) -> dict[str, str]:
    return {
        m: by
        for m, by in closure.items()
        if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
    }


def test_nmr_simulators_import_no_reduction_code():
    closure = import_closure(NMR_SIMULATORS, SCRIPTS)
    # the walk follows the simulators' imports (their package, the Bruker
    # writer imported by both simulators) ...
    assert closure["liprobe.simulate"] in NMR_SIMULATORS
    assert "liprobe" in closure
    # ... and none of the reduction
    assert _forbidden(closure) == {}


def test_ndp_simulator_imports_no_reduction_code():
    closure = import_closure(NDP_SIMULATOR, SCRIPTS)
    # its own stopping, the cells' truth, the cycler writer (imported inside
    # a function) and the list-mode writer of the io layer are reached ...
    for module in (
        "liprobe.simulate.stopping",
        "liprobe.simulate.cells",
        "liprobe.simulate.cycler",
        "liprobe.io.listmode",
    ):
        assert module in closure, module
    # ... and none of the reduction, not its stopping tables
    assert _forbidden(closure) == {}
    assert not any(m.startswith("liprobe.steps") for m in closure)


def test_demo_builder_imports_no_reduction_code():
    closure = import_closure(DEMO_BUILDER, SCRIPTS)
    for module in (*NMR_SIMULATORS, *NDP_SIMULATOR):
        assert module in closure, module
    assert _forbidden(closure) == {}


def test_demo_ndp_sheet_is_a_valid_user_sheet():
    """The demo writes the sheet a user would: columns of the sheet format,
    its required ones among them (not the reduction's own column list)."""
    import yaml

    from liprobe.simulate.demo import NDP_SHEET_COLUMNS

    schema = yaml.safe_load((REPO / "config/schemas/ndp.schema.yaml").read_text())
    assert set(NDP_SHEET_COLUMNS) <= set(schema["properties"])
    assert set(schema["required"]) <= set(NDP_SHEET_COLUMNS)


def test_import_walk_finds_a_reduction_import(tmp_path):
    """The walk itself catches imports inside functions and through packages."""
    pkg = tmp_path / "liprobe"
    (pkg / "simulate").mkdir(parents=True)
    (pkg / "exsy").mkdir()
    for folder in (pkg, pkg / "simulate", pkg / "exsy"):
        (folder / "__init__.py").write_text("")
    (pkg / "exsy" / "models.py").write_text("X = 1\n")
    (pkg / "simulate" / "helper.py").write_text(
        "def f():\n    from liprobe.exsy import models\n    return models.X\n"
    )
    (pkg / "simulate" / "sim.py").write_text("from . import helper\n")
    closure = import_closure(("liprobe.simulate.sim",), tmp_path)
    bad = _forbidden(closure)
    assert bad == {"liprobe.exsy": "liprobe.simulate.helper"} or set(bad) == {
        "liprobe.exsy",
        "liprobe.exsy.models",
    }


def _crank_infinite_sink(t, D, a, n_terms=4000):
    """Fraction exchanged by a sphere in an infinite sink (Crank eq. 6.20)."""
    n = np.arange(1, n_terms + 1)
    t = np.asarray(t, dtype=float)[:, None]
    series = np.exp(-D * n**2 * np.pi**2 * t / a**2) / n**2
    return 1.0 - 6.0 / np.pi**2 * series.sum(axis=1)


def _crank_finite_bath(t, D, a, alpha, n_roots=400):
    """Sphere in a well-stirred bath of alpha times its capacity (Crank eq.
    6.30): the sphere's loss as a fraction of its final loss. q_n are the
    positive roots of tan q = 3 q / (3 + alpha q^2), one in (n pi, (n + 1/2) pi).
    """

    def f(q):
        return np.tan(q) - 3 * q / (3 + alpha * q * q)

    q = np.array(
        [
            brentq(f, n * np.pi + 1e-12, (n + 0.5) * np.pi - 1e-9)
            for n in range(1, n_roots + 1)
        ]
    )
    weight = 6 * alpha * (alpha + 1) / (9 + 9 * alpha + q**2 * alpha**2)
    t = np.asarray(t, dtype=float)[:, None]
    return 1.0 - (weight * np.exp(-D * q**2 * t / a**2)).sum(axis=1)


@pytest.fixture(scope="module")
def sphere():
    return float(true_D(298.0)), RADIUS_UM * 1e-6, np.array(MIXING_TIMES_S)


def test_sphere_with_a_finite_partner_follows_crank(sphere):
    D, r, tm = sphere
    pA = 0.45
    vol = diffusion_peak_volumes(tm, D, r, pA, 0.0, 0.0)
    # label leaves A until both phases hold the fraction pA: final loss pB
    lost = (pA - vol["AA"]) / pA / (1 - pA)
    expected = _crank_finite_bath(tm, D, r, (1 - pA) / pA)
    np.testing.assert_allclose(lost, expected, rtol=2e-3)
    # conservation without relaxation, and detailed balance
    np.testing.assert_allclose(vol["AA"] + vol["AB"], pA, rtol=1e-8)
    np.testing.assert_allclose(vol["BA"] + vol["BB"], 1 - pA, rtol=1e-8)
    np.testing.assert_allclose(vol["AB"], vol["BA"], rtol=1e-6)


def test_sphere_with_a_huge_partner_is_the_infinite_sink(sphere):
    D, r, tm = sphere
    pA = 1e-4
    vol = diffusion_peak_volumes(tm, D, r, pA, 0.0, 0.0)
    F = 1.0 - vol["AA"] / pA
    np.testing.assert_allclose(F, _crank_infinite_sink(tm, D, r), rtol=2e-3)
    # a finite partner equilibrates faster than the sink at early times, by
    # about 1 / pB: the effect a fit assuming an infinite sink would miss
    finite = diffusion_peak_volumes(tm, D, r, 0.45, 0.0, 0.0)
    early = (0.45 - finite["AA"][0]) / 0.45
    assert early == pytest.approx(F[0], rel=0.02)
    assert (0.45 - finite["AA"][0]) / 0.45 / 0.55 > 1.7 * F[0]


def test_site_relaxation_multiplies_the_exchange(sphere):
    D, r, tm = sphere
    bare = diffusion_peak_volumes(tm, D, r, 0.45, 0.0, 0.0, m0=2.0)
    relaxed = diffusion_peak_volumes(tm, D, r, 0.45, 0.05, 0.05, m0=2.0)
    for peak in bare:
        np.testing.assert_allclose(
            relaxed[peak], bare[peak] * np.exp(-0.05 * tm), rtol=1e-5
        )
    # unequal R1: the slower-relaxing site keeps more magnetisation
    uneven = diffusion_peak_volumes(tm, D, r, 0.45, 0.05, 0.01)
    assert uneven["BB"][-1] > relaxed["BB"][-1] / 2.0


def test_two_site_integration_matches_the_matrix_exponential():
    tm = np.array(MIXING_TIMES_S)
    k_AB, pA = 0.7, 0.35
    k_BA = k_AB * pA / (1 - pA)
    R1A, R1B = 1 / 20.0, 1 / 45.0
    vol = two_site_peak_volumes(tm, k_AB, k_BA, R1A, R1B, pA, 1 - pA)
    L = np.array([[R1A + k_AB, -k_BA], [-k_AB, R1B + k_BA]])
    for i, t in enumerate(tm):
        m = expm(-L * t) @ np.diag([pA, 1 - pA])
        got = np.array([[vol["AA"][i], vol["BA"][i]], [vol["AB"][i], vol["BB"][i]]])
        np.testing.assert_allclose(got, m, rtol=1e-8, atol=1e-12)
    # unsorted mixing times come back in their order
    shuffled = tm[::-1]
    back = two_site_peak_volumes(shuffled, k_AB, k_BA, R1A, R1B, pA, 1 - pA)
    np.testing.assert_allclose(back["AB"], vol["AB"][::-1], rtol=1e-9)


@pytest.mark.parametrize("shape", ["rectangular", "sine"])
def test_pfg_walkers_follow_stejskal_tanner(shape):
    """Free walkers: the echo from their phases is the Stejskal-Tanner
    attenuation exp(-(gamma G delta_eff)^2 (Delta - delta/c) D), delta_eff =
    delta (c = 3) for rectangles and 2 delta / pi (c = 4) for half sines, within
    the walkers' sampling error."""
    from liprobe.simulate.pfg import (
        GAMMA_LI7_HZ_PER_T,
        echo_attenuation,
        walker_phases,
    )

    rng = np.random.default_rng(11)
    D, delta, big_delta, n = 2.0e-12, 4e-3, 0.3, 100_000
    phi = walker_phases(np.full(n, D), delta, big_delta, shape, rng)
    gamma = 2 * np.pi * GAMMA_LI7_HZ_PER_T
    eff, c = (delta, 3.0) if shape == "rectangular" else (2 * delta / np.pi, 4.0)
    g_T_per_m = np.linspace(0.0, 10.0, 11)
    expected = np.exp(-((gamma * g_T_per_m * eff) ** 2) * (big_delta - delta / c) * D)
    simulated = echo_attenuation(phi, g_T_per_m * 100.0)
    # the sampling error of a mean of cosines: sqrt((1 + E(2G) - 2 E(G)^2) / 2n)
    e2 = np.exp(-((gamma * 2 * g_T_per_m * eff) ** 2) * (big_delta - delta / c) * D)
    sigma = np.sqrt(np.clip(1 + e2 - 2 * expected**2, 1e-12, None) / (2 * n))
    z = (simulated - expected) / np.maximum(sigma, 1e-6)
    assert expected.min() < 0.05  # the range reaches strong attenuation
    assert np.abs(z).max() < 4.5, z
