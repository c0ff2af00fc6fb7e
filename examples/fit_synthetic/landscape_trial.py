"""Recovery of a landscape parameter (pin_period_ratio), one synthetic set
at reduced size (16 events at 300 and 380 K, 16 devices), in process (docs/fit.md: why
landscape parameters are not offered).  The spec refuses pin_period_ratio, so this trial adds it
to the fittable names for its own run only.  Run: python examples/fit_synthetic/landscape_trial.py OUTDIR"""
import sys
import time
from pathlib import Path
from spicemem.devices.diffusive import DiffusiveParams
from spicemem.fit import load_fit_spec, run_fit
from spicemem.fit import spec as fit_spec
fit_spec.FITTABLE_BY_DEVICE["diffusive"] += ("pin_period_ratio",)  # this trial only
fit_spec.LANDSCAPE = ()  # (the spec refuses landscape parameters with the reason)
from spicemem.fit.model import relaxation_times
truth = {"pin_period_ratio": 0.20}
params = DiffusiveParams.from_preset("SiOxNy_Ag", **truth)
rows = ["temperature_k,relaxation_s"]
for j, (t, rec) in enumerate(((300.0, 2.0), (380.0, 0.15))):
    tau = relaxation_times(params, t, rec, 16, 7700 + j)
    rows += [f"{t:g},{float(x)!r}" for x in tau]
d = Path(sys.argv[1]); d.mkdir(parents=True, exist_ok=True)
(d / "r.csv").write_text("\n".join(rows) + "\n")
(d / "fit.toml").write_text('[fit]\npreset = "SiOxNy_Ag"\nname = "mine"\nseed = 11\ndevices = 16\nmax_evaluations = 40\n\n'
    '[parameters]\npin_period_ratio = { min = 0.12, max = 0.24 }\n\n'
    '[[data]]\nkind = "relaxation"\nfile = "r.csv"\n')
t0 = time.time()
rep = run_fit(load_fit_spec(d / "fit.toml"), d / "out", workers=0, plot=True)
print(f"wall {time.time()-t0:.0f}s chi2 {rep['chi2']:.2f} evals {rep['evaluations']['total']} {rep['status']}")
for n, v in truth.items():
    p = rep["parameters"][n]
    print(n, "truth", v, "fit", p["value"], "ci", p["ci95"], "inside", p["ci95"][0] <= v <= p["ci95"][1], "GN", p.get("gauss_newton_ci95"), p["determined"], p["note"])
print("observations", [(o["label"], round(o["pull"], 2), o.get("model_sigma"), o.get("model_scatter")) for o in rep["observations"]])
