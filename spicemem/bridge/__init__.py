"""The ngspice co-simulation bridge: memristors as drop-in netlist elements.

``run_netlist(path_or_text, seed=...)`` reads a netlist with memristor lines
(see :mod:`spicemem.bridge.netlist`), runs it in ngspice with every device co-simulated,
and returns a :class:`BridgeResult`.  Importing this package loads neither ngspice, PySpice
nor Numba, and compiles nothing: the names below are loaded on first use (PEP 562), so that
the registry of device types (:mod:`spicemem.bridge.devices`, metadata only) can be read
by the CLI, the sweeps and the crossbar generator without loading the compiled code.
"""

_EXPORTS = {"BridgeInterrupted": "run", "BridgeResult": "run", "BridgeRunError": "run",
            "run_netlist": "run", "stream_index": "run", "StepControl": "stepping"}

__all__ = ["BridgeInterrupted", "BridgeResult", "BridgeRunError", "StepControl", "run_netlist",
           "stream_index"]


def __getattr__(name):
    where = _EXPORTS.get(name)
    if where == "run":
        from . import run as module
    elif where == "stepping":
        from . import stepping as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
