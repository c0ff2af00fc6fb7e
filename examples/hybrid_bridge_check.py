"""netlists/single_device.cir through the ngspice bridge, hybrid vs pure Langevin (issue 14).

30 runs per integrator on different seeds (hybrid 1-30, Langevin 1001-1030); per run the
time-averaged G/G_max over the top of the 2.5 V pulse and the delay to G >= 0.1 G_max.
Prints the means +- SE, their difference in SE and the delay KS p.

    python examples/hybrid_bridge_check.py      # from the repository root
"""
import warnings

import numpy as np
from scipy import stats
from spicemem.bridge import run_netlist
from spicemem.devices.diffusive import DiffusiveParams
base = open("netlists/single_device.cir").read()
gmax = DiffusiveParams.from_preset("wang2017_paper", friction_ratio=10, heating_ratio=20, theta_ambient=0.35).g_max
out = {}
for integ in ("hybrid", "langevin"):
    text = base.replace("theta_ambient=0.35)", f"theta_ambient=0.35 integrator={integ})").replace("seed=7", "")
    gs, ds = [], []
    for s in range(1, 31):
        seed = s if integ == "hybrid" else 1000 + s
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = run_netlist(text, seed=seed, name="single")
        v = r.vectors["v(in)"]; g = r.device_conductance[0] / gmax
        on = v > 2.499
        # time-weighted average over the pulse top
        t = r.time[on]; gg = g[on]
        gs.append(np.trapezoid(gg, t) / (t[-1] - t[0]))
        above = np.nonzero((g >= 0.1) & (r.time >= 1e-6))[0]
        ds.append(r.time[above[0]] - 1e-6 if above.size else np.inf)
    out[integ] = (np.array(gs), np.array(ds))
    print(integ, "G", np.mean(gs), "+-", np.std(gs, ddof=1) / np.sqrt(30), flush=True)
(gh, dh), (gl, dl) = out["hybrid"], out["langevin"]
se = np.hypot(gh.std(ddof=1), gl.std(ddof=1)) / np.sqrt(30)
print("z", (gh.mean() - gl.mean()) / se, "delay KS p", stats.ks_2samp(dh, dl).pvalue, "median delay", np.median(dh), np.median(dl))
