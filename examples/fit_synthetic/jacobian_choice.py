"""One synthetic set of check_coverage.py fitted with each Jacobian model the engine can
take, to compare the optima they reach (docs/fit.md, "The Jacobian's local model").

    python examples/fit_synthetic/jacobian_choice.py --set 0 --out out/jacobian_choice

Modes (the last two are the engine with one choice forced, for comparison only: they
replace ``engine.local_jacobian`` in this process):

* ``chosen``: the engine as it is -- per statistic, the forward difference or the
  regression over the neighbourhood, by measured noise against curvature, and the forward
  difference tried before stopping;
* ``regression``: the regression over 3 steps for every statistic, nothing tried before
  stopping (the previous round's engine);
* ``forward``: the forward difference of the stencil only (the engine before that).

Prints and writes DIR/jacobian_choice.json: per mode the chi2 at the optimum (with the
weights the fit reports), the stopping reason, the fitted values and intervals, and the
number of evaluations.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

MODES = ("chosen", "regression", "forward")


def _forced(engine, mode):
    """A stand-in for engine.local_jacobian that always takes one model (None: the engine's)."""
    if mode == "chosen":
        return None

    def local(z, points, values, step, live=None, fd=None, **kw):
        import numpy as np

        if mode == "forward":
            return np.asarray(fd, dtype=float), ["forward difference"] * len(fd)
        jac = engine.regression_jacobian(z, points, values, step)
        if live is not None:
            jac[:, ~np.asarray(live, dtype=bool)] = 0.0
        return jac, ["linear regression"] * jac.shape[0]
    return local


def main(argv=None) -> int:
    from spicemem.fit import engine, load_fit_spec, run_fit
    from spicemem.io import atomic_write_json, ensure_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=int, default=0)
    ap.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    ap.add_argument("--out", default="out/jacobian_choice")
    a = ap.parse_args(argv)
    out = ensure_dir(a.out)
    here = Path(__file__).resolve().parent
    mods = {}
    for name in ("make_data", "check_coverage"):
        spec = importlib.util.spec_from_file_location(name, here / f"{name}.py")
        mods[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mods[name])
    truth = mods["check_coverage"].TRUTHS[a.set]
    keep_local, keep_gn = engine.local_jacobian, engine.gauss_newton
    rows = {}
    for mode in a.modes:
        d = ensure_dir(out / f"set{a.set}-{mode}")
        mods["make_data"].make(d, events=24, seed=500 + 17 * a.set, truth=truth)  # as check_coverage
        (d / "fit.toml").write_text((here / "fit.toml").read_text())
        forced = _forced(engine, mode)
        if forced is not None:
            engine.local_jacobian = forced
            # one Jacobian only: nothing tried before stopping
            engine.gauss_newton = lambda both, *args, **kw: keep_gn(lambda z: both(z)[:2], *args, **kw)
        try:
            t0 = time.perf_counter()
            rep = run_fit(load_fit_spec(d / "fit.toml"), d / "fit", workers=0, plot=False, log=lambda m: None)
        finally:
            engine.local_jacobian, engine.gauss_newton = keep_local, keep_gn
        rows[mode] = {"chi2": rep["chi2"], "dof": rep["dof"], "status": rep["status"],
                      "evaluations": rep["evaluations"]["total"], "wall_time_s": time.perf_counter() - t0,
                      "jacobian_models": rep.get("jacobian_models"),
                      "parameters": {n: {"value": p["value"], "ci95": p["ci95"], "determined": p["determined"]}
                                     for n, p in rep["parameters"].items() if n in truth}}
        print(f"set {a.set}, {mode}: chi2 {rep['chi2']:.2f} / {rep['dof']}, {rep['status']}; "
              + ", ".join(f"{n} {p['value']:.3g} [{p['ci95'][0]:.3g}, {p['ci95'][1]:.3g}] (truth {truth[n]:.3g})"
                          for n, p in rep["parameters"].items() if n in truth), flush=True)
    atomic_write_json(out / "jacobian_choice.json", {"set": a.set, "truth": truth, "modes": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
