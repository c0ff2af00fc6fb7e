"""PPF recovery on synthetic data (docs/fit.md, "PPF: what it identifies"): the ratio alone
leaves w_pin not determined; with the first pulse's weight the fit recovers it.  The same
steps as ``tests/test_fit_protocols.py::test_ppf_ratio_alone_leaves_w_pin_not_determined_and_the_first_weight_holds_the_truth``
(whose set is ``--truth 0.25 --data-seed 991``).

    python examples/fit_wang2017/ppf_recovery.py --out /tmp/ppf --truth 0.28 --data-seed 992
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", type=float, default=0.25, help="w_pin of the data, eV")
    ap.add_argument("--data-seed", type=int, default=991)
    ap.add_argument("--data-devices", type=int, default=64)
    ap.add_argument("--devices", type=int, default=32, help="simulated devices of the fit")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    from spicemem.devices.diffusive import DiffusiveParams
    from spicemem.fit import load_fit_spec, run_fit
    from spicemem.fit import protocols as pr
    from spicemem.fit.spec import ln_median_and_se

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    proto = {"type": "ppf", "amplitude": 3.0, "width": 1e-3, "series_ohm": 1e8, "temperature_k": None,
             "intervals": [1e-3]}
    p = DiffusiveParams.from_preset("SiOxNy_Ag").replace(w_pin=a.truth)
    lg1, lg2 = pr.ppf_conductances(p, proto, 0, a.data_devices, a.data_seed)
    r, rse = pr.ppf_ratio(lg1, lg2)
    m1, s1 = map(float, ln_median_and_se(np.exp(lg1)))
    print(f"data: ratio {r:.3f} +- {rse:.3f}, first weight {math.exp(m1):.3g} S (SE {s1:.3f} in ln)", flush=True)
    head = (f'[fit]\npreset = "SiOxNy_Ag"\nseed = 4\ndevices = {a.devices}\nmax_evaluations = 12\n'
            f'[parameters]\nw_pin = {{ min = 0.22, max = 0.32, start = 0.29 }}\n'
            f'[[data]]\nkind = "summary"\nstatistic = "ppf_ratio"\namplitude_v = 3.0\nwidth_s = 1e-3\n'
            f'series_ohm = 1e8\nintervals_s = [1e-3]\nvalues = [{r!r}]\nuncertainties = [{rse!r}]\n')
    g1 = math.exp(m1)
    for name, extra in (("ratio", ""), ("first_weight", f"first_weight_s = {g1!r}\nfirst_weight_uncertainty_s = "
                                                       f"{g1 * s1!r}\n")):
        sub = out / name
        sub.mkdir(exist_ok=True)
        (sub / "fit.toml").write_text(head + extra)
        t = time.time()
        rep = run_fit(load_fit_spec(sub / "fit.toml"), sub / "out", workers=0, plot=False, log=lambda m: None)
        q = rep["parameters"]["w_pin"]
        print(f"{name}: w_pin {q['value']:.4f} [{q['ci95'][0]:.4f}, {q['ci95'][1]:.4f}] determined {q['determined']} "
              f"{q['why_not']}; chi2 {rep['chi2']:.2f}, {rep['evaluations']['total']} evaluations, "
              f"{time.time() - t:.0f} s", flush=True)


if __name__ == "__main__":
    main()
