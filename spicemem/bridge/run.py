"""Run a netlist with memristors in ngspice: the public face of the bridge."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import NetlistError
from . import devices as _devices
from . import resources as _resources
from . import variability as _variability
from ._abi import fnv1a64
from .netlist import Netlist, read_netlist
from .result import BridgeInterrupted, BridgeResult, BridgeRunError
from .session import HISTORY_VALUES, Session
from .stepping import StepControl

__all__ = ["HISTORY_VALUES", "BridgeInterrupted", "BridgeResult", "BridgeRunError", "run_netlist",
           "stream_index"]

_STREAM_MASK = (1 << 62) - 1


def stream_index(key: str) -> int:
    """Random-stream index of the device with lowercase hierarchical name ``key``:
    FNV-1a 64 of the name, modulo 2**62.  A device keeps its stream when other devices are
    added, removed or reordered."""
    return fnv1a64(key) & _STREAM_MASK


def run_netlist(path_or_text, *, seed: int = 0, step: StepControl | None = None,
                frozen: bool = False, name: str | None = None, progress=False,
                max_memory: int | None = None) -> BridgeResult:
    """Run a netlist's analyses in ngspice with its memristors co-simulated.

    Parameters
    ----------
    path_or_text : str or os.PathLike
        Netlist file, or netlist text (anything containing a newline).
    seed : int
        Base seed; a device uses it unless its instance line sets ``seed=``.  Device k uses
        random stream :func:`stream_index` of its hierarchical name.
    step : StepControl, optional
        Step control (default :class:`StepControl()`).
    frozen : bool
        Keep every device at its initial state (measures the bridge's own overhead).
    name : str, optional
        Name of a netlist given as text, for messages.
    progress : bool, None or text stream
        A progress bar on stderr (simulated time / stop time, accepted steps, devices, ETA):
        False (default) none, True always, None only when stderr is a terminal; a stream
        draws on that stream.  Only a transient analysis has a bar.
    max_memory : int, optional
        Memory cap of the run, in bytes: a netlist whose estimated need exceeds it is refused
        before anything is allocated (:mod:`spicemem.bridge.resources`).  None (default):
        ``$SPICEMEM_MAX_MEMORY`` if set, else 4 GiB; 0: no cap.

    Returns
    -------
    BridgeResult

    Raises
    ------
    NetlistError
        Bad input (message: file, line, parameter), or a run that would need more memory
        than the cap.
    BridgeRunError
        ngspice failed (e.g. "timestep too small" with time and node); ``.result`` holds
        the partial result.
    BridgeInterrupted
        Ctrl-C; ``.result`` holds the partial result.
    EngineMissingError
        The ngspice library cannot be loaded.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    seed = int(seed)
    if max_memory is not None and (isinstance(max_memory, bool) or not isinstance(max_memory, int | np.integer)
                                   or max_memory < 0):
        raise ValueError(f"max_memory must be a number of bytes >= 0 (0: no cap), got {max_memory!r}")
    limit = _resources.default_limit() if max_memory is None else (int(max_memory) or None)
    step = StepControl() if step is None else step
    # the memory check runs twice: before the netlist is flattened (its devices at their
    # cards' nominal parameters: 1e6 devices would cost seconds and a GB to flatten), and with
    # each device's drawn parameters before their state is allocated
    net = read_netlist(path_or_text, name=name,
                       budget=lambda preview: _resources.check_preview(preview, limit))
    if not net.analyses:
        raise NetlistError(f"{net.source}: no analysis to run: add a .tran (or .op, .dc, .ac, ...) "
                           f"line at the top level")
    specs_by_type, device_info, scales = _device_specs(net, seed)
    _resources.check(net, specs_by_type, limit)
    net = _own_laws(net, device_info)
    from .engine import get_engine

    engine = get_engine()
    session = Session(engine, net, specs_by_type, device_info, step, frozen)
    return session.run(seed, scales, progress)


def _device_specs(net: Netlist, seed: int):
    reg = _devices.registry()
    specs_by_type: dict = {}
    info = []
    scales = []
    seen = {}
    for dev in net.devices:
        if dev.key in seen:
            raise NetlistError(f"{dev.instance.line.where}: memristor {dev.name} is defined twice "
                               f"(also at {seen[dev.key]})")
        seen[dev.key] = dev.instance.line.where
        dtype = reg[dev.model.type]
        nominal = _devices.model_params(dev.model)
        spreads = _devices.model_spreads(dev.model)
        raw = dict(dev.instance.params)
        dseed = seed
        if "seed" in raw:
            text = raw.pop("seed")
            try:
                dseed = int(text)
            except ValueError:
                raise NetlistError(f"{dev.instance.line.where}: parameter 'seed' must be a "
                                   f"non-negative integer, found {text!r}") from None
            if not 0 <= dseed < 2**63:
                raise NetlistError(f"{dev.instance.line.where}: parameter 'seed' must be in "
                                   f"[0, 2**63), found {text!r}")
        stream = stream_index(dev.key)
        params, drawn = nominal, {}
        if spreads:
            params, drawn = _devices.drawn_params(dev.model, _variability.draw(spreads, dseed, stream),
                                                  f"{dev.instance.line.where}: memristor {dev.name}")
        stuck = _variability.draw_stuck(*_devices.model_stuck(dev.model), dseed, stream)
        if stuck is not None:  # frozen in its ON / OFF state for the whole run
            raw = {k: v for k, v in raw.items() if k not in _devices.STATE_KEYS}
            raw["state"] = dtype.stuck_states[0 if stuck == "on" else 1]
        params, init = dtype.instance_params(params, raw, dev.instance.line.where)
        spec = _devices.DeviceSpec(dev.index, dev.name, params, dseed, stream, init)
        specs_by_type.setdefault(dev.model.type, []).append(spec)
        scales.append(dtype.time_scale(params))
        # the netlist's B-source multiplies by the card's nominal G_scale, unless the device
        # drew a parameter of the law: then its own line carries its own law and G_scale
        law = _devices.law_keys(dev.model, drawn)
        if law and dev.key != dev.instance.name.lower():
            raise NetlistError(
                f"{dev.instance.line.where}: memristor {dev.name}: {', '.join(law)} cannot vary "
                f"per device inside a subcircuit: the {dev.model.type} current law carries it as "
                f"a number in the subcircuit's one B-source line, which every instance shares; "
                f"place the devices at the top level (each gets its own line) or vary a "
                f"state-equation parameter")
        info.append({"name": dev.name, "type": dev.model.type, "model": dev.model.name,
                     "nodes": [dev.node_plus or "0", dev.node_minus or "0"], "seed": dseed,
                     "stream": stream, "init": dtype.init_label(init), "source": dev.source,
                     "g_scale": float(dtype.g_scale(params if law else nominal)),
                     "drawn": drawn, "stuck": stuck,
                     "v_scale": float(dtype.v_scale(params)), "where": dev.instance.line.where,
                     **({"law": _devices.law_line(dtype, dev, params)} if law else {})})
    return specs_by_type, info, scales


def _own_laws(net: Netlist, info: list) -> Netlist:
    """``net`` with the B-source line of every device that drew a law parameter replaced by
    its own (``info[k]['law']``, written by :func:`_device_specs`; same line count, so the
    line origins stay right)."""
    own = {x["law"].split(" ", 1)[0]: x["law"] for x in info if "law" in x}
    if not own:
        return net
    lines = net.text.split("\n")
    for k, ln in enumerate(lines):
        head = ln.split(" ", 1)[0].lower()
        if head in own:
            lines[k] = own.pop(head)
    if own:  # pragma: no cover - netlist._rewrite writes one line per top-level device
        raise RuntimeError(f"B-source lines not found: {sorted(own)}")
    return replace(net, text="\n".join(lines))
