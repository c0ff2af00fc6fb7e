"""Fig. 1c of Wang et al. (2017) on the fit's pulse protocol, with more devices and a longer
record than the fit uses: 1.5 V / 500 ns behind 1 MOhm at 600 K, the 0.2 V read held after
the pulse; how many devices switch within the pulse, and how fast the switched ones relax
(docs/fit.md, "The paper's device").

    python examples/fit_wang2017/fig1c_check.py --tau-thermal 2e-6 --w-pin 0.27        # hand-made
    python examples/fit_wang2017/fig1c_check.py --tau-thermal 6.936e-7 --w-pin 0.27356  # fitted
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tau-thermal", type=float, default=2e-6)
    ap.add_argument("--w-pin", type=float, default=0.27)
    ap.add_argument("--devices", type=int, default=64)
    ap.add_argument("--record", type=float, default=4e-4, help="s after the pulse")
    ap.add_argument("--seed", type=int, default=12345)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    from spicemem.devices.diffusive import DiffusiveParams
    from spicemem.fit import protocols as pr

    p = DiffusiveParams.from_preset("SiOxNy_Ag").replace(tau_thermal=a.tau_thermal, w_pin=a.w_pin)
    proto = {"type": "pulse", "series_ohm": 1e6, "amplitude": 1.5, "width": 5e-7, "read": 0.2,
             "record": a.record, "temperature_k": 600.0}
    t0 = time.time()
    ev = pr.simulate_pulses(p, proto, a.devices, a.seed)
    dl = np.array([e["delay"] for e in ev])
    rl = np.array([e["relaxation"] for e in ev if math.isfinite(e["delay"])])
    print(f"tau_thermal {a.tau_thermal:g} s, w_pin {a.w_pin:g} eV: switched within 500 ns {np.isfinite(dl).sum()}"
          f"/{a.devices}, delay median {np.nanmedian(dl):.3g} s; relaxation of the switched: median "
          f"{np.median(rl):.3g} s, within 5 us {(rl <= 5e-6).sum()}/{rl.size}, still ON at the end "
          f"{np.isinf(rl).sum()}; {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
