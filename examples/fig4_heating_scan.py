"""Fig. 4a inset B and Fig. 4b G4/G7 of wang2017_fig4 at another heating ratio c, per seed
(a data point for recalibrating the preset; issue 14).  One JSON line per seed.

    python examples/fig4_heating_scan.py 20 1 2 3 4 5      # c = 20, seeds 1-5
"""
import json
import sys
import warnings
from spicemem.experiments import fig4, fig4a_tau, fig4b
c = float(sys.argv[1]); seeds = [int(s) for s in sys.argv[2:]]
orig = fig4.params
fig4.params = lambda **kw: orig(**{"heating_ratio": c, **kw})
for s in seeds:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = fig4a_tau.run(seed=s)
        b = fig4b.run(seed=s)
    print(json.dumps({"c": c, "seed": s, "B": a["B"], "A": a["A"], "B_boot": a["B_bootstrap_se"],
                      "G4": float(b["g_after_pulse"][3]), "G7": float(b["g_after_pulse"][6]), "peak": b["g_peak"]}), flush=True)
