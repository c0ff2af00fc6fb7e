"""How noisy is one evaluation's simulation standard error, and does it decorrelate between
the points a fit evaluates?  (docs/fit.md, "The simulation's standard error, pooled".)

For each of ``--seeds`` independent seeds (the fit's common-random-number seed ``crn``, from
``--first``) and each parameter point, one ensemble of ``--devices`` devices gives a
statistic's value and its standard-error estimate (Tukey-McLaughlin, as the fit uses).  Printed
per point: the sd of the value over seeds (the independent reference for the SE), the mean
and rms of the SE estimates, the estimate's relative sd, and the correlation of ln SE between
points within a seed (under common random numbers, 1 means the points share one estimate and
pooling them gains nothing; 0 means pooling k of them divides the variance of se^2 by k).

    python examples/fit_wang2017/se_noise.py ppf --seeds 40
    python examples/fit_wang2017/se_noise.py relaxation --seeds 60
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

#: PPF (the test's protocol): w_pin points (eV) one finite-difference step (0.029 eV) apart.
PPF_POINTS = [0.22, 0.25, 0.29, 0.32]
#: Relaxation (examples/fit_synthetic): (tau_thermal s, w_pin eV, r_tunnel Ohm): the truth,
#: w_pin x 1.1, tau_thermal x 1.105 (one step each) and the start.
RELAX_POINTS = [[3.5e-6, 0.30, 15.0], [3.5e-6, 0.33, 15.0], [3.5e-6 * 1.105, 0.30, 15.0], [2e-6, 0.27, 15.0]]


def ppf(seed: int, devices: int) -> tuple:
    from spicemem.devices.diffusive import DiffusiveParams
    from spicemem.fit import protocols as pr
    from spicemem.fit.model import protocol_seed
    from spicemem.fit.spec import ln_median_and_se

    proto = {"type": "ppf", "amplitude": 3.0, "width": 1e-3, "series_ohm": 1e8, "temperature_k": None,
             "intervals": [1e-3]}
    base = DiffusiveParams.from_preset("SiOxNy_Ag")
    v, s = [], []
    for w in PPF_POINTS:
        lg1, _ = pr.ppf_conductances(base.replace(w_pin=w), proto, 0, devices, protocol_seed(seed, 0))
        m, se = ln_median_and_se(np.exp(lg1))
        v.append([m])
        s.append([se])
    return v, s, ["ln G1 (IQM)"]


def relaxation(seed: int, devices: int) -> tuple:
    from spicemem.fit import load_fit_spec
    from spicemem.fit.engine import problem_dict
    from spicemem.fit.model import simulate_statistics

    spec = load_fit_spec(Path(__file__).parents[1] / "fit_synthetic" / "fit.toml")
    problem = problem_dict(spec, seed)
    problem["devices"] = devices
    n = len(problem["observations"])
    v, s = [], []
    for x in RELAX_POINTS:
        st = simulate_statistics(problem, x)
        v.append([st[f"o{j}"] for j in range(n)])
        s.append([st[f"o{j}_se"] for j in range(n)])
    return v, s, [o.label for o in spec.observations]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["ppf", "relaxation"])
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--first", type=int, default=None, help="first seed (default: 0 for ppf, 1000 for relaxation)")
    ap.add_argument("--devices", type=int, default=16)
    ap.add_argument("--out", help="JSON of the per-seed values and SEs")
    a = ap.parse_args(argv)
    first = a.first if a.first is not None else (0 if a.what == "ppf" else 1000)
    run, points = (ppf, PPF_POINTS) if a.what == "ppf" else (relaxation, RELAX_POINTS)
    c0 = time.process_time()
    got = [run(first + k, a.devices) for k in range(a.seeds)]
    v = np.array([g[0] for g in got])  # seed, point, statistic
    s = np.array([g[1] for g in got])
    labels = got[0][2]
    print(f"{a.what}: {a.seeds} seeds from {first}, {a.devices} devices, {time.process_time() - c0:.0f} s CPU")
    for j, lab in enumerate(labels):
        print(f"{lab}:")
        for p, pt in enumerate(points):
            sd = v[:, p, j].std(ddof=1)
            se = s[:, p, j]
            print(f"  {pt}: sd over seeds {sd:.3f}; SE mean {se.mean():.3f}, rms {np.sqrt(np.mean(se**2)):.3f} "
                  f"(rms/sd {np.sqrt(np.mean(se**2)) / sd:.2f}); SE relative sd {se.std(ddof=1) / se.mean():.2f}, "
                  f"se^2 relative sd {(se**2).std(ddof=1) / np.mean(se**2):.2f}, range {se.min():.3f}-{se.max():.3f}")
        c = np.corrcoef(np.log(s[:, :, j].T))
        print("  corr of ln SE between points:", np.round(c[np.triu_indices(len(points), 1)], 2).tolist())
    if a.out:
        Path(a.out).write_text(json.dumps({"what": a.what, "first": first, "devices": a.devices, "points": points,
                                           "labels": labels, "values": v.tolist(), "se": s.tolist()}))


if __name__ == "__main__":
    main()
