"""Crossbar arrays: netlist generator, direct DC solution, and reads through ngspice.

``Crossbar`` describes an R x C array of ``1R`` or ``1S1R`` cells (a diffusive selector in
series with a memory element), its line resistances, drivers and sense amplifier, the
biasing of the unselected lines (floating, V/2, V/3) and one pulse on one cell;
``netlist_text``/``write_netlist`` write it for ngspice (``spicemem run``), ``solve_dc``
solves the same network directly.  See ``docs/crossbar.md``.
"""

from .netlist import netlist_text, write_netlist
from .nodal import DCSolution, solve_dc
from .spec import (DRIFT_MODEL, HRS, LRS, SELECTOR_MODEL, Crossbar, Pulse, bias_levels,
                   worst_case_pattern)

__all__ = ["DCSolution", "DRIFT_MODEL", "HRS", "LRS", "SELECTOR_MODEL", "Crossbar", "Pulse",
           "bias_levels", "netlist_text", "solve_dc", "worst_case_pattern", "write_netlist"]
