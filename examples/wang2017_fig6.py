"""Reproduces Fig. 6 of Wang et al. 2017: SRDP and STDP of a diffusive + drift synapse.

Z. Wang et al., "Memristors with diffusive dynamics as synaptic emulators for neuromorphic
computing", Nat. Mater. 16, 101 (2017): Fig. 6b (SRDP: the weight change of the drift
memristor after 15 pulses of 2.5 V and 40 us, against the interval t_zero) and Fig. 6c,d
(STDP: the weight change after a pre- and a post-spike, against their separation Delta t).
Both run the synapse netlists (netlists/synapse_srdp.cir, synapse_stdp.cir, one per point,
16 synapses each, repeated for 5 independent seeds) in ngspice through the spicemem bridge;
devices and protocol choices in docs/synapse.md.

Writes OUT/srdp.{png,json} and OUT/stdp.{png,json}.  Full size takes several minutes on
two cores (docs/synapse.md gives the measured times); --quick runs the reduced size the
tests use (one seed, 8 synapses).

    python examples/wang2017_fig6.py --out out [--seed 1] [--quick]
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
    extra = ["--quick"] if a.quick else []
    rc = 0
    for name in ("srdp", "stdp"):
        rc = rc or main(["experiment", name, "--out", a.out, "--seed", a.seed] + extra)
    sys.exit(rc)
