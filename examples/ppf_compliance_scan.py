"""How Fig. 5b's paired-pulse plasticity of SiOxNy_Ag depends on the series resistance.

Adapted from Fig. 5b of Wang et al., "Memristors with diffusive dynamics as synaptic
emulators for neuromorphic computing", Nat. Mater. 16, 101 (2017): 8 pulses of 3 V / 1 ms
separated by t_zero, weight = device conductance at the end of each pulse, weight change of
the geometric mean against pulse 1.  The paper does not give the compliance of Fig. 5b;
this scan is how the ``ppf-tzero`` experiment's 100 MOhm was chosen, and it shows what the
other choices give.

It runs the standalone ``spicemem.simulate`` (the series resistor solved with eq. 3 at
every coupling step, no ngspice), which is ~10x cheaper than the bridge and lets each point
have 64 devices.  Output: OUT/ppf_compliance_scan.json and .png, with the late weight change
(mean of ln G_n - ln G_1 over pulses 5-8) and its standard error per (R, t_zero).

    python examples/ppf_compliance_scan.py --out out [--seed 11] [--devices 64] [--quick]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

import spicemem
from spicemem.devices.diffusive import DiffusiveParams
from spicemem.io import atomic_savefig, atomic_write_json

AMPLITUDE, WIDTH, EDGE, LEAD, PULSES = 3.0, 1e-3, 1e-6, 0.1e-3, 8
RESISTANCES = (3e6, 30e6, 100e6, 300e6)
T_ZERO = (1e-3, 5e-3, 20e-3, 80e-3, 160e-3)


def waveform(t_zero):
    t, v, ends = [0.0], [0.0], []
    for k in range(PULSES):
        t0 = LEAD + k * (WIDTH + 2 * EDGE + t_zero)
        t += [t0, t0 + EDGE, t0 + EDGE + WIDTH, t0 + 2 * EDGE + WIDTH]
        v += [0.0, AMPLITUDE, AMPLITUDE, 0.0]
        ends.append(t0 + EDGE + WIDTH - 2e-6)
    t.append(t[-1] + 1e-4)
    v.append(0.0)
    return np.array(t), np.array(v), np.array(ends)


def scan(seed, devices, resistances, t_zeros):
    params = DiffusiveParams.from_preset("SiOxNy_Ag")
    rows = []
    for r_s in resistances:
        for tz in t_zeros:
            t, v, ends = waveform(tz)
            res = spicemem.simulate(params, t, v, realizations=devices, seed=seed,
                                    series_resistance=r_s, t_out=ends)
            lg = np.log(res.conductance)
            d = lg - lg[:, :1]
            late = d[:, PULSES // 2:].mean(axis=1)
            rows.append({
                "series_resistance_ohm": r_s, "t_zero_s": tz,
                "first_pulse_conductance_s": float(np.exp(lg[:, 0].mean())),
                "weight_change_percent": (100 * (np.exp(d.mean(axis=0)) - 1)).tolist(),
                "late_ln_change": float(late.mean()),
                "late_ln_change_se": float(late.std(ddof=1) / np.sqrt(devices)),
                "late_weight_change_percent": float(100 * (np.exp(late.mean()) - 1)),
            })
            print(f"R = {r_s:.0e} Ohm, t_zero = {tz * 1e3:g} ms: late change "
                  f"{rows[-1]['late_weight_change_percent']:+.0f} % "
                  f"(ln {late.mean():+.2f} +- {rows[-1]['late_ln_change_se']:.2f})", flush=True)
    return rows


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for r_s in sorted({r["series_resistance_ohm"] for r in rows}):
        sel = [r for r in rows if r["series_resistance_ohm"] == r_s]
        tz = np.array([r["t_zero_s"] for r in sel]) * 1e3
        y = np.array([r["late_ln_change"] for r in sel])
        e = np.array([r["late_ln_change_se"] for r in sel])
        ax.errorbar(tz, 100 * (np.exp(y) - 1), yerr=100 * np.exp(y) * 2 * e, fmt="o-", ms=3, capsize=2,
                    label=f"{r_s / 1e6:g} MOhm")
    ax.set_xscale("log")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("t_zero (ms)")
    ax.set_ylabel("weight change, pulses 5-8 (%) +- 2 SE")
    ax.legend(title="series resistor", fontsize=8)
    ax.set_title("SiOxNy_Ag, 3 V/1 ms pulses (cf. Wang et al. 2017, Fig. 5b)", fontsize=9)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--devices", type=int, default=64)
    ap.add_argument("--quick", action="store_true", help="8 devices, two resistances, two t_zero")
    a = ap.parse_args(argv)
    if a.devices < 2:
        print(f"error: --devices must be >= 2, got {a.devices}", file=sys.stderr)
        return 2
    devices = 8 if a.quick else a.devices
    rs = (30e6, 100e6) if a.quick else RESISTANCES
    tzs = (1e-3, 160e-3) if a.quick else T_ZERO
    rows = scan(a.seed, devices, rs, tzs)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "ppf_compliance_scan.json",
                      {"preset": "SiOxNy_Ag", "seed": a.seed, "devices": devices,
                       "pulse": {"amplitude_v": AMPLITUDE, "width_s": WIDTH, "count": PULSES}, "points": rows})
    plot(rows, out / "ppf_compliance_scan.png")
    print(f"wrote {out / 'ppf_compliance_scan.json'} and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
