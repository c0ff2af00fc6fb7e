"""Reproduces Fig. 4 of Wang et al. 2017 (and Supp. Fig. 7c) with the calibrated preset.

Z. Wang et al., "Memristors with diffusive dynamics as synaptic emulators for neuromorphic
computing", Nat. Mater. 16, 101 (2017): Fig. 4a (one pulse: delayed switching and
relaxation), its inset (relaxation time against temperature), Fig. 4b (short frequent
pulses: facilitation, then depression) and Supp. Fig. 7c (high-voltage pulses at low
frequency: depression from the first pulse).  Parameters: preset ``wang2017_fig4``
(docs/calibration.md).

Writes OUT/NAME.png and OUT/NAME.json for NAME in fig4a, fig4a-tau, fig4b and
ppd-low-frequency, and OUT/wang2017_fig4.json: the headline numbers beside the paper's.
Full size (30 realizations, as the paper) takes a few minutes on two cores; --quick runs
the reduced size the tests use.

    python examples/wang2017_fig4.py --out out [--seed 1] [--quick] [--only fig4b]
"""

import argparse
import json
import sys
from pathlib import Path

from spicemem.cli import main
from spicemem.io import atomic_write_json

NAMES = ("fig4a", "fig4a-tau", "fig4b", "ppd-low-frequency")


def summary(out: Path) -> dict:
    """The numbers the paper states, beside ours (None where an experiment was not run)."""

    def load(name):
        path = out / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else None

    a, tau, b, ppd = (load(n) for n in NAMES)
    rows = {}
    if a:
        rows["fig4a"] = {"delay": a["delay"], "g_peak": a["g_peak"],
                         "relaxation_time_mean_curve": a["relaxation_time"],
                         "relaxation_time_median": a["relaxation_time_median"],
                         "paper": "delayed switch-on, relaxation over 10-20/kappa (Methods)"}
    if tau:
        rows["fig4a-tau"] = {"A": tau["A"], "B": tau["B"], "A_stderr": tau["A_stderr"],
                             "B_stderr": tau["B_stderr"], "tau_range": [min(tau["tau"]), max(tau["tau"])],
                             "v_th_measured": tau["v_th_measured"], "paper": {"A": 0.1, "B": 1.0}}
    if b:
        g = b["g_after_pulse"]
        rows["fig4b"] = {"g_after_pulse_4": g[3], "g_after_pulse_7": g[6], "peak_pulse": b["peak_pulse"],
                         "g_peak": b["g_peak"], "g_final": b["g_final"],
                         "left_cluster_fraction": [b["left_cluster_fraction_initial"],
                                                   b["left_cluster_fraction_after_pulse"][-1]],
                         "paper": {"g_after_pulse_4": 0.25, "g_after_pulse_7": 0.75}}
    if ppd:
        rows["ppd-low-frequency"] = {"g_after_pulse": ppd["g_after_pulse"],
                                     "paper": "G decreases from the first pulse (no facilitation)"}
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=NAMES, action="append", help="run only these (repeatable)")
    args = ap.parse_args()
    for name in args.only or NAMES:
        argv = ["experiment", name, "--out", args.out, "--seed", args.seed]
        rc = main(argv + (["--quick"] if args.quick else []))
        if rc:
            sys.exit(rc)
    path = atomic_write_json(Path(args.out) / "wang2017_fig4.json", summary(Path(args.out)))
    print(f"wrote {path}")
