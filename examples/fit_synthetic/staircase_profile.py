"""Why the profile interval of a deterministic staircase statistic is wider than one stair
(issue 18 A item 3): the registry recovery test's drift (TaOx sigma_p) or RRAM (f_min) fit,
then the exact chi2 on a dense grid of the parameter (one parameter: the profile *is*
chi2), with the fit's own weights.  Printed: the reported interval, the exact 95 % set
{chi2 <= min + 3.84} and its hull, and the grid's statistic (one line per point).

Run: PYTHONPATH=. python examples/fit_synthetic/staircase_profile.py drift|rram OUTDIR [--points 41]
"""
import argparse
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from test_fit_protocols import _write_loops  # noqa: E402  (the test's own data writer)

from spicemem.bridge.devices import registry  # noqa: E402
from spicemem.fit import load_fit_spec, protocols as pr, run_fit  # noqa: E402
from spicemem.fit.model import simulate_statistics  # noqa: E402
from spicemem.fit.engine import problem_dict  # noqa: E402

CASES = {  # as tests/test_fit_protocols.py::test_iv_loop_recovery_drift_and_rram_through_the_registry
    "drift": ("TaOx", "sigma_p", 3.2e-5, 4.6e-5, (2e-5, 8e-5),
              dict(series_ohm=100.0, sweep_rate_v_per_s=100.0, step_v=0.05, v_max=2.0, v_min=-2.0)),
    "rram": ("stanford_hfox", "f_min", 1.26e9, 1.12e9, (1.0e9, 1.38e9),
             dict(series_ohm=2000.0, sweep_rate_v_per_s=100.0, step_v=0.05, v_max=2.2, v_min=-2.2)),
}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("device", choices=sorted(CASES))
    ap.add_argument("out")
    ap.add_argument("--points", type=int, default=41)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")  # the drift model's rate-ceiling notes, one per run
    preset, name, truth, start, bounds, proto = CASES[args.device]
    d = Path(args.out)
    d.mkdir(parents=True, exist_ok=True)
    p = dict(type="iv_loop", compliance_a=None, temperature_k=None, cycles=2, pause_s=1e-3, **proto)
    base = registry()[args.device].params_class.from_preset(preset)
    vs, cyc, cur = pr.simulate_loop_curves(args.device, base.replace(**{name: truth}), p, 1, 3)
    _write_loops(d / "iv.csv", vs, cyc, cur, 2)
    (d / "fit.toml").write_text(
        f'[fit]\ndevice = "{args.device}"\npreset = "{preset}"\nseed = 2\ndevices = 1\nmax_evaluations = 14\n'
        f'[parameters]\n{name} = {{ min = {bounds[0]!r}, max = {bounds[1]!r}, start = {start!r} }}\n'
        f'[[data]]\nkind = "iv_loop"\nfile = "iv.csv"\nseries_ohm = {proto["series_ohm"]!r}\n'
        f'sweep_rate_v_per_s = {proto["sweep_rate_v_per_s"]!r}\ncycles = 2\npause_s = 1e-3\n'
        f'statistics = ["threshold_voltage"]\n')
    spec = load_fit_spec(d / "fit.toml")
    rep = run_fit(spec, d / "out", workers=0, plot=False, log=lambda m: None)
    par = rep["parameters"][name]
    ob = rep["observations"]
    print(f"fit: {name} {par['value']:.4g} [{par['ci95'][0]:.4g}, {par['ci95'][1]:.4g}] "
          f"(ratio {par['ci95'][1] / par['ci95'][0]:.3f}); Gauss-Newton {par.get('gauss_newton_ci95')}; "
          f"shift {par.get('profile_shift')}; surface {par.get('profile_surface')}; chi2 {rep['chi2']:.3g}")
    problem = json.loads(json.dumps(problem_dict(spec, rep["seed"])))
    sig = np.array([o.get("weight_sigma") or math.hypot(o["data_sigma"], o["model_sigma"]) for o in ob])
    data = np.array([o["data"] for o in ob])
    grid = np.exp(np.linspace(math.log(bounds[0]), math.log(bounds[1]), args.points))
    chi = []
    for x in grid:
        st = simulate_statistics(problem, [float(x)])
        m = np.array([st[f"o{j}"] for j in range(len(ob))])
        chi.append(float(np.sum(((m - data) / sig) ** 2)))
        print(f"  {name} {x:.5g}  statistics {np.round(m, 4).tolist()}  chi2 {chi[-1]:.3f}")
    chi = np.array(chi)
    inside = grid[chi <= chi.min() + 1.959963984540054 ** 2]
    print(f"exact (grid) 95 % set: {inside.min():.4g} .. {inside.max():.4g} (ratio {inside.max() / inside.min():.3f}; "
          f"grid spacing x{grid[1] / grid[0]:.4f}); weights {sig.tolist()}; data {data.tolist()}")


if __name__ == "__main__":
    main()
