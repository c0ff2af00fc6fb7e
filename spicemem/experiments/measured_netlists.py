"""The committed netlists of the six measured-device experiments (Figs. 1b, 1c, 3a, 3b, 5b,
5c of Wang et al. 2017), written at full size.  Its own module: the experiments build on
:mod:`spicemem.experiments.measured`, and this gathers them, so imports point one way."""

from __future__ import annotations

from pathlib import Path

from ..io import atomic_write_text
from . import arrhenius, delay_relaxation, fast_switching, frequency_switching, iv_loop, ppf_tzero
from .measured import NETLIST_DIR


def write_netlists(directory=None) -> list[Path]:
    """Write every experiment's full-size netlist to ``directory`` (default ``netlists/``)."""
    directory = Path(directory) if directory is not None else NETLIST_DIR
    out = []
    for module in (iv_loop, fast_switching, delay_relaxation, arrhenius, ppf_tzero, frequency_switching):
        for fname, text in module.netlists().items():
            out.append(atomic_write_text(directory / fname, text))
    return out
