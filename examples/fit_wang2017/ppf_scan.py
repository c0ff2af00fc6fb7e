"""What does a paired-pulse (PPF) measurement identify?  Scan every fittable parameter of
SiOxNy_Ag around the preset, with many devices per point on the hybrid fast path, and
compare candidate statistics of G2/G1 (docs/fit.md, "PPF: what it identifies").

Protocol: the fit's ``ppf_ratio`` kind (:func:`spicemem.fit.protocols.ppf_conductances`):
two 3 V / 1 ms pulses behind 100 MOhm (the ``ppf_tzero`` experiment, Fig. 5b of Wang et al.
2017), the second ``interval`` after the end of the first; G_n is the device conductance at
the end of pulse n.  Every point uses the same seed (common random numbers: device r sees
stream r whatever the parameters).

Per point, per interval, the per-device (ln G1, ln G2) are stored; then, per statistic,

* its value from all devices,
* its standard error at the fit's size (``--fit-devices``, default 32; bootstrap of that
  many devices drawn from the pool),
* its slope per unit change of the parameter's fit coordinate (ln p; w_pin in eV), a
  central difference at +-``--step`` with a paired bootstrap standard error,
* z = slope x (one coordinate step of 0.1) / SE: how many standard errors a 10 % change
  (0.027 eV for w_pin) moves the statistic at the fit's size.

Run (quick: 128 devices, intervals 1 and 20 ms)::

    python examples/fit_wang2017/ppf_scan.py --devices 512 --out docs/fit/ppf_scan.json
    python examples/fit_wang2017/ppf_scan.py --quick
"""

from __future__ import annotations

import argparse
import json
import math
import time
import warnings

import numpy as np

PARAMS = ("tau_thermal", "w_pin", "r_tunnel", "g_thermal", "v_threshold")
PROTO = {"type": "ppf", "amplitude": 3.0, "width": 1e-3, "series_ohm": 100e6, "temperature_k": None}


def statistics(lg1, lg2) -> dict:
    """Candidate PPF statistics of per-device ln G1, ln G2 (arrays over devices)."""
    from spicemem.fit.spec import ln_median_and_se

    d = lg2 - lg1
    return {
        "ln_ratio_geo": float(np.mean(d)),                       # the kind's statistic before
        "ln_ratio_median": float(np.median(lg2) - np.median(lg1)),
        "ln_ratio_mean": float(math.log(np.mean(np.exp(lg2)) / np.mean(np.exp(lg1)))),
        "median_of_ln_ratio": float(np.median(d)),
        "ln_ratio_iqm": ln_median_and_se(np.exp(lg2))[0] - ln_median_and_se(np.exp(lg1))[0],
        # not a ratio: the first pulse's weight itself (interquartile mean of ln G1, G in S)
        "ln_g1_iqm": ln_median_and_se(np.exp(lg1))[0],
    }


def run_point(params, intervals, devices, seed):
    from spicemem.fit.protocols import ppf_conductances

    out = []
    for gap in intervals:
        lg1, lg2 = ppf_conductances(params, dict(PROTO, intervals=[gap]), 0, devices, seed)
        out.append((lg1.tolist(), lg2.tolist()))
    return out


def analyse(points, intervals, fit_devices, step, params=PARAMS, boot=400, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    base = points["base"]
    n = len(base[0][0])
    table = {}
    for k, gap in enumerate(intervals):
        lg1, lg2 = (np.array(a) for a in base[k])
        names = list(statistics(lg1, lg2))
        idx = rng.integers(0, n, size=(boot, fit_devices))
        se = {s: float(np.std([statistics(lg1[i], lg2[i])[s] for i in idx], ddof=1)) for s in names}
        for pname in params:
            lo, hi = (tuple(np.array(a) for a in points[f"{pname}-"][k]),
                      tuple(np.array(a) for a in points[f"{pname}+"][k]))
            bidx = rng.integers(0, n, size=(boot, n))
            for s in names:
                slope = (statistics(*hi)[s] - statistics(*lo)[s]) / (2 * step)
                bs = [(statistics(hi[0][i], hi[1][i])[s] - statistics(lo[0][i], lo[1][i])[s]) / (2 * step)
                      for i in bidx[: boot // 4]]
                row = table.setdefault(f"{gap:g}", {}).setdefault(s, {"value": statistics(lg1, lg2)[s],
                                                                     f"se_at_{fit_devices}": se[s]})
                row[pname] = {"slope": slope, "slope_se": float(np.std(bs, ddof=1)),
                              "z_per_0.1": 0.1 * slope / se[s] if se[s] > 0 else math.inf}
    return table


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=512)
    ap.add_argument("--fit-devices", type=int, default=32)
    ap.add_argument("--intervals", type=float, nargs="+", default=[1e-3, 5e-3, 20e-3, 80e-3, 160e-3])
    ap.add_argument("--step", type=float, default=0.15, help="half step in the fit coordinate (ln p)")
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--params", nargs="+", default=list(PARAMS), choices=PARAMS)
    ap.add_argument("--reanalyse", default=None, help="a JSON written by --out: recompute the table only")
    ap.add_argument("--quick", action="store_true", help="128 devices, intervals 1 and 20 ms")
    ap.add_argument("--out", default=None, help="JSON of the per-device data and the table")
    a = ap.parse_args(argv)
    if a.quick:
        a.devices, a.intervals = 128, [1e-3, 20e-3]
    warnings.simplefilter("ignore")
    from spicemem.devices.diffusive import DiffusiveParams

    p0 = DiffusiveParams.from_preset("SiOxNy_Ag")
    t0 = time.time()
    if a.reanalyse:
        old = json.loads(open(a.reanalyse).read())
        a.intervals, a.params, points = old["args"]["intervals"], old["args"]["params"], old["points"]
        a.step = old["args"]["step"]
    else:
        points = {"base": run_point(p0, a.intervals, a.devices, a.seed)}
    for pname in ([] if a.reanalyse else a.params):
        v = getattr(p0, pname)
        for sign in (-1, 1):
            # w_pin: its fit coordinate is linear (w/w0), so +-step of w0, as the others' ln
            nv = v * (1 + sign * a.step) if pname == "w_pin" else v * math.exp(sign * a.step)
            points[f"{pname}{'+' if sign > 0 else '-'}"] = run_point(p0.replace(**{pname: nv}), a.intervals,
                                                                   a.devices, a.seed)
        print(f"{pname} done, {time.time() - t0:.0f} s", flush=True)
    table = analyse(points, a.intervals, a.fit_devices, a.step, a.params)
    for gap, stats in table.items():
        print(f"interval {gap} s")
        for s, row in stats.items():
            zs = "  ".join(f"{p} {row[p]['slope']:+.2f}+-{row[p]['slope_se']:.2f} (z {row[p]['z_per_0.1']:+.2f})"
                           for p in a.params)
            print(f"  {s:20s} {row['value']:+.3f} se{a.fit_devices} {row[f'se_at_{a.fit_devices}']:.3f} | {zs}")
    if a.out and not a.reanalyse:
        from spicemem.io import atomic_write_json

        atomic_write_json(a.out, {"args": vars(a), "wall_s": time.time() - t0, "table": table, "points": points})
    print(f"wall {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
