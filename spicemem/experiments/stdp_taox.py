"""STDP of the former synapse circuit with the TaOx drift device (Wang et al. 2017, Fig. 6d);
the default ``stdp`` uses the HfOx RRAM weight (docs/synapse.md)."""

from .synapse import plot_stdp as plot
from .synapse import run_stdp


def run(**kw) -> dict:
    return run_stdp(circ="taox", **kw)


DESCRIPTION = "Fig. 6d: STDP in the former circuit (TaOx drift weight; the default stdp uses HfOx)"

__all__ = ["DESCRIPTION", "plot", "run"]
