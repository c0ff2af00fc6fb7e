"""How the short-term plasticity of SiOxNy_Ag (Figs. 5b, 5c) depends on the series resistor.

Adapted from Figs. 5b and 5c of Wang et al., "Memristors with diffusive dynamics as synaptic
emulators for neuromorphic computing", Nat. Mater. 16, 101 (2017).  The paper gives neither
figure's compliance; this scan is how the ``ppf-tzero`` (100 MOhm) and
``frequency-switching`` (3 MOhm) experiments chose theirs, and it shows what the other
choices give.  Weight = device conductance at the end of each pulse.

* ``--figure 5b``: 8 pulses of 3 V / 1 ms separated by t_zero = 1-160 ms; per (R, t_zero)
  the late weight change, mean of ln G_n - ln G_1 over pulses 5-8, and its standard error.
* ``--figure 5c``: 2.8 V / 100 us pulses, 10 at 196 Hz, 40 at 5000 Hz, 15 at 196 Hz; per R
  the geometric-mean conductance in blocks of pulses of each phase.

It runs the standalone ``spicemem.simulate`` (the series resistor solved with eq. 3 at
every coupling step, no ngspice), which is several times cheaper than the bridge and lets
each point have 64 (5b) or 32 (5c) devices.  Output: OUT/compliance_scan_5b.json/.png or
OUT/compliance_scan_5c.json/.png.

    python examples/compliance_scan.py --figure 5b --out out [--seed 11] [--devices 64] [--quick]
    python examples/compliance_scan.py --figure 5c --out out [--seed 5] [--devices 32] [--quick]
    python examples/compliance_scan.py --figure 5b --resistance 1e8 --t-zero 1e-3 --t-zero 0.16 --devices 256
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
#: Fig. 5c: amplitude, width, phases (label, frequency, pulses), blocks of pulses per phase.
FC_AMPLITUDE, FC_WIDTH, FC_EDGE = 2.8, 100e-6, 0.5e-6
FC_PHASES = (("196 Hz", 196.0, 10), ("5000 Hz", 5000.0, 40), ("196 Hz (return)", 196.0, 15))
FC_BLOCKS = ((1, 2, 4, 7, 11), (1, 4, 9, 17, 25, 33, 41), (1, 4, 9, 16))
FC_RESISTANCES = (3e5, 1e6, 3e6, 3e7, 1e8, 3e8)


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


def _figure(size):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    ax = fig.subplots()
    return fig, ax


def _save(fig, path):
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)


def waveform_5c():
    t, v, ends = [0.0], [0.0], []
    tt = LEAD
    for _, freq, count in FC_PHASES:
        for _ in range(count):
            t += [tt, tt + FC_EDGE, tt + FC_EDGE + FC_WIDTH, tt + 2 * FC_EDGE + FC_WIDTH]
            v += [0.0, FC_AMPLITUDE, FC_AMPLITUDE, 0.0]
            ends.append(tt + FC_EDGE + FC_WIDTH - 2e-6)
            tt += 1.0 / freq
    t.append(tt)
    v.append(0.0)
    return np.array(t), np.array(v), np.array(ends)


def scan_5c(seed, devices, resistances):
    params = DiffusiveParams.from_preset("SiOxNy_Ag")
    t, v, ends = waveform_5c()
    rows = []
    for r_s in resistances:
        res = spicemem.simulate(params, t, v, realizations=devices, seed=seed, series_resistance=r_s, t_out=ends)
        lg = np.log(res.conductance).mean(axis=0)  # ln of the geometric mean, per pulse
        first = 0
        blocks = []
        for (label, _, count), edges in zip(FC_PHASES, FC_BLOCKS):
            for a, b in zip(edges[:-1], edges[1:]):
                blocks.append({"phase": label, "pulses": [a, b - 1],
                               "conductance_s": float(np.exp(lg[first + a - 1:first + b - 1].mean()))})
            first += count
        rows.append({"series_resistance_ohm": r_s, "geometric_mean_conductance_s": np.exp(lg).tolist(),
                     "blocks": blocks})
        print(f"R = {r_s:.0e} Ohm: " + "; ".join(
            f"{b['phase']} {b['pulses'][0]}-{b['pulses'][1]}: {b['conductance_s'] * 1e6:.3g} uS" for b in blocks),
            flush=True)
    return rows


def plot_5c(rows, path):
    fig, ax = _figure((7, 4))
    for r in rows:
        g = np.asarray(r["geometric_mean_conductance_s"])
        ax.semilogy(np.arange(1, g.size + 1), g, ".-", ms=3, lw=0.8, label=f"{r['series_resistance_ohm']:.0e} Ohm")
    n1, n2 = FC_PHASES[0][2], FC_PHASES[1][2]
    for x in (n1 + 0.5, n1 + n2 + 0.5):
        ax.axvline(x, color="k", lw=0.6, ls=":")
    ax.set_xlabel("pulse number (196 Hz | 5000 Hz | 196 Hz)")
    ax.set_ylabel("geometric-mean conductance (S)")
    ax.legend(title="series resistor", fontsize=7)
    ax.set_title("SiOxNy_Ag, 2.8 V/100 us pulses (cf. Wang et al. 2017, Fig. 5c)", fontsize=9)
    _save(fig, path)


def plot(rows, path):
    fig, ax = _figure((6, 4))
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
    _save(fig, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--figure", choices=("5b", "5c"), default="5b")
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", type=int, default=None, help="default 11 (5b), 5 (5c)")
    ap.add_argument("--devices", type=int, default=None, help="default 64 (5b), 32 (5c)")
    ap.add_argument("--resistance", type=float, action="append", metavar="OHM",
                    help="series resistance to scan (repeatable; default: the full list)")
    ap.add_argument("--t-zero", type=float, action="append", metavar="S",
                    help="5b only: t_zero to scan (repeatable; default 1, 5, 20, 80, 160 ms)")
    ap.add_argument("--quick", action="store_true", help="8 devices, two resistances (and two t_zero)")
    a = ap.parse_args(argv)
    seed = a.seed if a.seed is not None else (11 if a.figure == "5b" else 5)
    devices = a.devices if a.devices is not None else (64 if a.figure == "5b" else 32)
    if devices < 2:
        print(f"error: --devices must be >= 2, got {devices}", file=sys.stderr)
        return 2
    if a.quick:
        devices = 8
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"compliance_scan_{a.figure}"
    for name, values in (("--resistance", a.resistance), ("--t-zero", a.t_zero)):
        bad = [x for x in values or () if not (np.isfinite(x) and x > 0)]
        if bad:
            print(f"error: {name} must be positive, got {bad[0]!r}", file=sys.stderr)
            return 2
    if a.figure == "5b":
        rs = a.resistance or ((30e6, 100e6) if a.quick else RESISTANCES)
        tzs = a.t_zero or ((1e-3, 160e-3) if a.quick else T_ZERO)
        rows = scan(seed, devices, rs, tzs)
        pulse = {"amplitude_v": AMPLITUDE, "width_s": WIDTH, "count": PULSES}
        plot(rows, stem.with_suffix(".png"))
    else:
        rows = scan_5c(seed, devices, a.resistance or ((3e6, 1e8) if a.quick else FC_RESISTANCES))
        pulse = {"amplitude_v": FC_AMPLITUDE, "width_s": FC_WIDTH,
                 "phases": [{"label": lab, "frequency_hz": f, "count": n} for lab, f, n in FC_PHASES]}
        plot_5c(rows, stem.with_suffix(".png"))
    atomic_write_json(stem.with_suffix(".json"), {"figure": a.figure, "preset": "SiOxNy_Ag", "seed": seed,
                                                  "devices": devices, "pulse": pulse, "points": rows})
    print(f"wrote {stem}.json and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
