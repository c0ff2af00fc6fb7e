"""Reproduces the measured-device figures of Wang et al. 2017 with the material presets.

Adapted from Figs. 1b, 1c, 3a, 3b, 5b and 5c of Wang et al., "Memristors with diffusive
dynamics as synaptic emulators for neuromorphic computing", Nat. Mater. 16, 101 (2017).
Every figure is a netlist run through ngspice with the bridge (the netlists are in
netlists/); each writes OUT/NAME.png and OUT/NAME.json:

=====================  ==================================================  ===============
NAME                   reproduces                                          full size
=====================  ==================================================  ===============
iv-loop                Fig. 1b: I-V loops under compliance, 3 presets      ~10 min
fast-switching         Fig. 1c: 500 ns/1.5 V pulses and reads at 600 K     ~1 min
delay-relaxation       Fig. 3a: delay under 0.75 V/5 ms, relaxation        ~4 min
arrhenius              Fig. 3b: relaxation vs temperature, E_a             ~15 min
ppf-tzero              Fig. 5b: weight change vs pulse number and t_zero   ~25 min
frequency-switching    Fig. 5c: 196 Hz / 5000 Hz / 196 Hz pulse trains    ~3 min
=====================  ==================================================  ===============

(wall times on two shared cores; ``--quick`` runs each in well under a minute.)

    python examples/wang2017_measured.py --out out [--seed 7] [--quick] [NAME ...]

docs/presets.md gives each result beside the paper's numbers.
"""

import argparse
import sys

from spicemem.cli import main

FIGURES = ("iv-loop", "fast-switching", "delay-relaxation", "arrhenius", "ppf-tzero", "frequency-switching")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help=f"figures to run (default: all of {', '.join(FIGURES)})")
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", default="7")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    unknown = sorted(set(a.names) - set(FIGURES))
    if unknown:
        ap.error(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(FIGURES)}")
    code = 0
    for name in a.names or FIGURES:
        code |= main(["experiment", name, "--out", a.out, "--seed", a.seed] + (["--quick"] if a.quick else []))
    sys.exit(code)
