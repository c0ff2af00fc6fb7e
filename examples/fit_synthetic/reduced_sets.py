"""The reduced coverage test's four sets exactly as tests/test_fit.py runs them, printed.
Run from the repository root: python examples/fit_synthetic/reduced_sets.py"""
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, "tests")
from test_fit import _synthetic
from spicemem.fit import load_fit_spec, run_fit
truths = [{"tau_thermal": 3.5e-6, "w_pin": 0.30}, {"tau_thermal": 1.2e-6, "w_pin": 0.25},
          {"tau_thermal": 6.0e-6, "w_pin": 0.28}, {"tau_thermal": 0.8e-6, "w_pin": 0.33}]
two = 'tau_thermal = { min = 2e-7, max = 2e-5 }\nw_pin = { min = 0.18, max = 0.45 }'
tmp = Path(tempfile.mkdtemp())
t00 = time.time()
for k, truth in enumerate(truths):
    t0 = time.time()
    d = _synthetic(tmp, k, truth, events=16, fitted=None if k == 0 else two)
    rep = run_fit(load_fit_spec(d / "fit.toml"), d / "out", workers=0, plot=False, log=lambda m: None)
    print(f"set {k} chi2 {rep['chi2']:.2f} evals {rep['evaluations']['total']} wall {time.time()-t0:.0f}s {rep['status']}")
    for n, v in truth.items():
        p = rep["parameters"][n]
        print(f"  {n} truth {v:.3g} fit {p['value']:.3g} ci [{p['ci95'][0]:.3g}, {p['ci95'][1]:.3g}] inside {p['ci95'][0] <= v <= p['ci95'][1]}"
              f" GN [{p['gauss_newton_ci95'][0]:.3g}, {p['gauss_newton_ci95'][1]:.3g}] GN-inside {p['gauss_newton_ci95'][0] <= v <= p['gauss_newton_ci95'][1]} det {p['determined']} note {p['note'][-60:]!r}")
    if k == 0:
        print("  r_tunnel", rep["parameters"]["r_tunnel"]["determined"], rep["parameters"]["r_tunnel"]["why_not"])
print(f"total {time.time()-t00:.0f}s")
