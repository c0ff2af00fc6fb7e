"""One pulse through an ensemble of diffusive memristors: G/G_max and temperature.

Adapted from Fig. 4a of Wang et al., Nat. Mater. 16, 101 (2017).  Writes
OUT/single-pulse.png and OUT/single-pulse.json (30 realizations; --quick for 8).

    python examples/single_pulse.py --out out [--seed 1] [--quick]
"""

import argparse
import sys

from spicemem.cli import main

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    sys.exit(main(["experiment", "single-pulse", "--out", a.out, "--seed", a.seed]
                  + (["--quick"] if a.quick else [])))
