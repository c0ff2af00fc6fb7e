"""The validity-map table of docs/fast_path.md from the maps' JSON files.

    python examples/hybrid_map_table.py docs/hybrid_map fig4-r2 measured-r2 paper-r2

One row per map (cells, tests, smallest p, Holm and Benjamini-Hochberg rejections at 0.05
over the four p-values of every cell, the G difference in standard errors) and a last row
with Holm and BH over all maps together.
"""

import json
import sys
from pathlib import Path

import numpy as np

KEYS = ("p_g", "p_delay", "p_relax", "p_gend")


def holm(ps, alpha=0.05) -> int:
    ps = np.sort(np.asarray(ps))
    m = len(ps)
    for k, p in enumerate(ps):
        if p > alpha / (m - k):
            return k
    return m


def bh(ps, alpha=0.05) -> int:
    ps = np.sort(np.asarray(ps))
    m = len(ps)
    ok = [k for k in range(m) if ps[k] <= alpha * (k + 1) / m]
    return max(ok) + 1 if ok else 0


def main(folder, tags) -> None:
    allp = []
    for tag in tags:
        d = json.loads((Path(folder) / f"hybrid-map-{tag}.json").read_text())
        cells = d["cells"]
        ps = [c[k] for c in cells for k in KEYS]
        allp += ps
        z = np.array([c["g_z"] for c in cells])
        z = z[np.isfinite(z)]
        groups: dict = {}
        for c in cells:
            groups.setdefault((c["preset"], c["protocol"]), []).append(c["theta"])
        cov = "; ".join(f"{p} {pr}: {len(t)} cells, k_B T0/w_p {min(t):.2f}-{max(t):.2f}"
                        for (p, pr), t in groups.items())
        print(f"| {tag} | {d['cells_run']} of {d['cells_in_grid']} x {cells[0]['realizations']} ({cov}) "
              f"| {len(ps)} | {min(ps):.2g} | {holm(ps)} / {bh(ps)} | {z.mean():+.2f}, "
              f"{z.std(ddof=1):.2f}, {np.abs(z).max():.1f} | "
              f"{100 * np.mean([c['p_g'] < 0.05 for c in cells]):.1f} % |")
    print(f"| all together | | {len(allp)} | {min(allp):.2g} | {holm(allp)} / {bh(allp)} | | |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
