"""SRDP of the diffusive + drift synapse (Wang et al. 2017, Fig. 6b); the protocol, the
devices and the analysis live in :mod:`spicemem.experiments.synapse`."""

from .synapse import plot_srdp as plot
from .synapse import run_srdp as run

DESCRIPTION = "Fig. 6b: SRDP, weight change vs t_zero (diffusive + HfOx RRAM synapse in ngspice)"

__all__ = ["DESCRIPTION", "plot", "run"]
