"""The ngspice co-simulation bridge: memristors as drop-in netlist elements.

``run_netlist(path_or_text, seed=...)`` reads a netlist with memristor lines
(see :mod:`spicemem.bridge.netlist`), runs it in ngspice with every device co-simulated,
and returns a :class:`BridgeResult`.  Importing this package loads neither ngspice nor
PySpice, and compiles nothing.
"""

from .run import BridgeInterrupted, BridgeResult, BridgeRunError, run_netlist, stream_index
from .stepping import StepControl

__all__ = ["BridgeInterrupted", "BridgeResult", "BridgeRunError", "StepControl", "run_netlist",
           "stream_index"]
