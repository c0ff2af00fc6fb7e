"""STDP of the diffusive + drift synapse (Wang et al. 2017, Fig. 6c,d); the protocol, the
devices and the analysis live in :mod:`spicemem.experiments.synapse`."""

from .synapse import plot_stdp as plot
from .synapse import run_stdp as run

DESCRIPTION = "Fig. 6d: STDP, weight change vs Delta t (diffusive + HfOx RRAM synapse in ngspice)"

__all__ = ["DESCRIPTION", "plot", "run"]
