"""The SRDP and STDP tables of docs/synapse.md and the README from the experiments' JSON.

    python examples/synapse_tables.py docs/synapse/hfox

Prints the markdown rows of the SRDP table (t_zero), the STDP table (Delta t) and the
table of STDP graded by the diffusive conductance at the second spike (G_max = 1 mS).
Percentages: a mean that rounds to zero prints unsigned ("0.0").
"""

import json
import sys
from pathlib import Path

import numpy as np

G_MAX = 1e-3  # S, the synapse's diffusive device (docs/synapse.md)
BINS = [(0.0, 0.3), (0.3, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0)]


def pct(x: float, digits: int = 1) -> str:
    s = f"{100 * x:+.{digits}f}"
    return s[1:] if float(s) == 0.0 else s


def span(lo: float, hi: float, digits: int = 1, zero: str = "0") -> str:
    a, b = pct(lo, digits), pct(hi, digits)
    return zero if float(a) == 0.0 and float(b) == 0.0 else f"{a} ... {b}"


def row(name, cells) -> str:
    return f"| {name} | " + " | ".join(cells) + " |"


def common(d: dict, points) -> list:
    w = [np.asarray(r) for r in d["weight_change_realizations"]]
    sm = [np.asarray(s) for s in d["weight_change_seed_means"]]
    return [
        row("weight change (%), mean", [pct(m) for m in d["weight_change"]]),
        row(f"s.e. over {len(sm[0])} seeds (%)", [f"{100 * e:.1f}" for e in d["weight_change_stderr"]]),
        row(f"s.e. over {len(w[0])} synapses (%)",
            [f"{100 * e:.1f}" for e in d["weight_change_stderr_synapses"]]),
        row("seed means (%), min ... max", [span(s.min(), s.max()) for s in sm]),
    ]


def srdp(d: dict) -> list:
    w = [np.asarray(r) for r in d["weight_change_realizations"]]
    n = len(w[0])
    out = [row("t_zero (ms)", [f"{1e3 * t:g}" for t in d["t_zero"]])]
    out += common(d, d["t_zero"])
    out.append(row("synapses with change > 5 %", [f"{int((x > 0.05).sum())}/{n}" for x in w]))
    out.append(row("per synapse, min ... max (%)", [span(x.min(), x.max(), 0) for x in w]))
    out.append("README: " + " | ".join(f"{pct(m)} ± {100 * e:.1f}"
                                       for m, e in zip(d["weight_change"], d["weight_change_stderr"])))
    return out


def stdp(d: dict) -> list:
    w = [np.asarray(r) for r in d["weight_change_realizations"]]
    g = [np.asarray(r) for r in d["diffusive_g_at_second_spike_s"]]
    n = len(w[0])
    out = [row("Delta t (ms)", [f"{1e3 * t:+g}" if t > 0 else f"{1e3 * t:g}" for t in d["delta_t"]])]
    out += common(d, d["delta_t"])
    out.append(row("synapses with abs(change) > 5 %", [f"{int((abs(x) > 0.05).sum())}/{n}" for x in w]))
    out.append(row("per synapse, most extreme (%)", [pct(x[np.argmax(abs(x))], 0) for x in w]))
    out.append(row("G_diff at the second spike (mS)", [f"{1e3 * np.median(x):.2f}" for x in g]))
    out.append("README: " + " | ".join(f"{pct(m)} ± {100 * e:.1f}"
                                       for m, e in zip(d["weight_change"], d["weight_change_stderr"])))
    # graded by G_diff at the second spike, pre first (Delta t > 0) and post first (< 0)
    dt = np.asarray(d["delta_t"])
    out.append(row("G_diff / G_max", [f"< {BINS[0][1]}"] + [f"{a}-{b}" for a, b in BINS[1:]]))
    for label, sel in (("pre first (SET)", dt > 0), ("post first (RESET)", dt < 0)):
        ww = np.concatenate([w[k] for k in np.flatnonzero(sel)])
        gg = np.concatenate([g[k] for k in np.flatnonzero(sel)]) / G_MAX
        cells = []
        for q, (a, b) in enumerate(BINS):
            m = (gg >= a) & (gg < b) if q < len(BINS) - 1 else (gg >= a)
            c = int(m.sum())
            count = f"n = {c}" if q == 0 else f"{c}"
            if c == 0:
                cells.append(f"- ({c})")
            elif float(pct(ww[m].mean(), 0)) == 0.0:
                cells.append(f"0 ({count})")
            else:
                p10, p90 = np.percentile(ww[m], [10, 90])
                cells.append(f"{pct(ww[m].mean(), 0)} % ({pct(p10, 0)} ... {pct(p90, 0)}; {count})")
        out.append(row(label, cells))
    return out


def main(folder: str) -> None:
    folder = Path(folder)
    for line in srdp(json.loads((folder / "srdp.json").read_text())):
        print(line)
    print()
    for line in stdp(json.loads((folder / "stdp.json").read_text())):
        print(line)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/synapse/hfox")
