"""Speed of the bridge's rest cap, side by side with a cap held at all times.

The Fig. 5b netlist (SiOxNy_Ag, 3 V / 1 ms pulses behind 100 MOhm, t_zero between them)
runs twice with the same seed:

* ``capped``: the way these netlists ran before the rest cap, TMAX = 0.25 us on the
  ``.tran`` line, so every step of the pauses is 0.25 us;
* ``rest``: the committed form, ``.tran 10u ...`` without TMAX: under bias the preset's
  feedback_time/2 = 0.25 us caps the steps, at rest ngspice's TSTEP does.

Prints one JSON line: accepted steps and wall time of each, their ratio, and the weight
change over the second half of the train (mean of ln G_n - ln G_1 per device, with its
standard error) for each, which must agree within their noise (different step partitions
take different random paths).

Run: python bench/rest_cap.py [--devices 16] [--t-zero 0.02] [--pulses 8] [--seed 11]
"""

from __future__ import annotations

import argparse
import json
import re
import time

import numpy as np

from spicemem.bridge import run_netlist
from spicemem.experiments import ppf_tzero


def measure(text, seed, pulses, t_zero):
    t0 = time.perf_counter()
    res = run_netlist(text, seed=seed)
    wall = time.perf_counter() - t0
    lg = np.log(ppf_tzero.weights(res, ppf_tzero.pulse_list(t_zero, pulses)))
    d = lg[:, pulses // 2:].mean(axis=1) - lg[:, 0]
    return {"accepted_steps": res.steps["accepted"], "wall_s": round(wall, 2),
            "late_ln_change": round(float(d.mean()), 3),
            "late_ln_change_se": round(float(d.std(ddof=1) / np.sqrt(d.size)), 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=16)
    ap.add_argument("--t-zero", type=float, default=0.02)
    ap.add_argument("--pulses", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    rest = ppf_tzero.netlist(t_zero=a.t_zero, devices=a.devices, pulses=a.pulses)
    capped = re.sub(r"^\.tran (\S+) (\S+)$", r".tran \1 \2 0 2.5e-07", rest, flags=re.M)
    assert capped != rest
    out = {"devices": a.devices, "t_zero_s": a.t_zero, "pulses": a.pulses, "seed": a.seed,
           "capped": measure(capped, a.seed, a.pulses, a.t_zero),
           "rest": measure(rest, a.seed, a.pulses, a.t_zero)}
    out["step_ratio"] = round(out["capped"]["accepted_steps"] / out["rest"]["accepted_steps"], 2)
    out["wall_ratio"] = round(out["capped"]["wall_s"] / out["rest"]["wall_s"], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
