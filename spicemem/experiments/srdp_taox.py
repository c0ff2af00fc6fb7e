"""SRDP of the former synapse circuit with the TaOx drift device (Wang et al. 2017, Fig. 6b);
the default ``srdp`` uses the HfOx RRAM weight (docs/synapse.md)."""

from .synapse import plot_srdp as plot
from .synapse import run_srdp


def run(**kw) -> dict:
    return run_srdp(circ="taox", **kw)


DESCRIPTION = "Fig. 6b: SRDP in the former circuit (TaOx drift weight; the default srdp uses HfOx)"

__all__ = ["DESCRIPTION", "plot", "run"]
