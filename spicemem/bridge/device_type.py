"""The interface of a memristor model in the bridge: :class:`DeviceType`.

A model is a plugin: one module (``bridge/devices_<name>.py``) defines a subclass of
:class:`DeviceType` and one instance of it, and one line of
:mod:`spicemem.bridge.devices` registers that instance (a model outside spicemem calls
:func:`spicemem.bridge.devices.register`).  The netlist reader, the bridge session, the
crossbar generator, the CLI and the sweeps ask the registry, never a model's name.

A device type provides (SI units at every method's boundary):

* the ``.model`` card's parameters -> an SI parameter object (:meth:`DeviceType.make_params`;
  the default reads the fields of :attr:`DeviceType.params_class` and its presets);
* an instance line's overrides -> (parameter object, initial state)
  (:meth:`DeviceType.instance_params`); the initial state is a typed value of the model's
  choosing, handed back to its own :meth:`DeviceType.allocate`;
* its scales: ``g_scale`` (S: the external source carries G / g_scale, of order one),
  ``time_scale`` (s: the default step cap is a fraction of it) and ``v_scale`` (V: below it
  the device barely responds);
* ``allocate(specs)``: the state of a group of devices -- a :class:`Group` holding the arrays,
  a *block* (layout :data:`spicemem.bridge.layout.BLOCK`) and the address of the compiled
  group kernel (signature :data:`spicemem.bridge.callbacks.GROUP_KERNEL_SIG`) that
  advances every device of the block from t0 to t1 with its voltage linear in between and
  writes its conductance (S) and temperature (K);
* optionally ``expression`` and ``current``: the B-source current law of a device whose
  current is not linear in its voltage, and the same law in numpy for the results;
* optionally ``validity``: records of devices that left the model's validity range;
* optionally ``memory``: how the crossbar generator writes the model as a memory cell
  (:class:`MemoryCell`);
* optionally ``simulate``: the model's standalone simulator (no ngspice) under a
  piecewise-linear source, returning a :class:`spicemem.devices.result.DeviceResult`
  (``spicemem.simulate(model=...)`` and the sweep ``device`` target call it);
* ``default_preset`` (the preset of ``spicemem.simulate(model=NAME)`` without one),
  ``law_keys`` (parameters written into the shared B-source law) and ``stuck_states`` (the
  ``state=`` values of a device stuck ON / OFF).

This module imports no model and no compiled code: the plugins import it, the registry
imports the plugins.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import NetlistError
from .layout import B_G, B_INDEX, B_N, B_NDEV, B_TEMP, B_V0, B_V1, BLOCK
from .spicenum import spice_number


def model_number(key, value, where):
    """A ``.model``/instance parameter value as a number, or a NetlistError naming it."""
    try:
        return spice_number(value)
    except ValueError:
        raise NetlistError(f"{where}: parameter {key!r}: expected a number, found {value!r}") from None


#: Bytes a device holds by default (:meth:`DeviceType.memory_bytes`).
DEVICE_BYTES = 1024

_BOOL = {"1": True, "0": False, "true": True, "false": False, "on": True, "off": False,
         "yes": True, "no": False}


@dataclass(frozen=True)
class DeviceSpec:
    """One flattened device, as handed to ``allocate``."""

    index: int  # global index
    name: str
    params: Any  # SI parameter object, instance overrides applied
    seed: int
    stream: int
    init: Any  # the initial state, as the type's instance_params returned it


@dataclass
class Group:
    """State of a group of devices sharing one model (kept alive for the run).

    ``arrays`` keeps every array the block points to alive; ``report`` (optional) returns
    the group's diagnostics for ``BridgeResult.extra`` after the run.
    """

    type: str
    indices: np.ndarray  # int64[n]
    block: np.ndarray  # int64[BLOCK_SLOTS]
    kernel: int  # address
    g0: np.ndarray  # S, initial conductance
    temp0: np.ndarray  # K, initial temperature
    arrays: dict = field(default_factory=dict)
    report: Callable[[], dict] | None = None

    def bind(self, v0, v1, g, temp):
        """Point the block at the run's global arrays."""
        b = self.block
        b[B_V0], b[B_V1] = v0.ctypes.data, v1.ctypes.data
        b[B_G], b[B_TEMP] = g.ctypes.data, temp.ctypes.data
        b[B_NDEV] = g.shape[0]


def new_block(index: np.ndarray) -> np.ndarray:
    """A zeroed block (:data:`spicemem.bridge.layout.BLOCK`) with the group's size and the
    address of its index array set; fill the rest through ``BLOCK.record(block)``."""
    block = BLOCK.zeros()
    block[B_N] = index.shape[0]
    block[B_INDEX] = index.ctypes.data
    return block


@dataclass(frozen=True)
class MemoryCell:
    """How the crossbar generator writes a model as the memory element of a cell.

    Attributes
    ----------
    model : str
        Default ``key=value`` text of the ``.model mem <type> (...)`` card.
    state_key : str
        Instance keyword of the initial state (e.g. ``x0``).
    lrs, hrs : float
        Default values of that keyword for an LRS and an HRS cell (the keyword's unit).
    unit : str
        The unit of the state, for help texts ("" for dimensionless).
    low, high : float
        The range of an initial state (:meth:`check_state`); ``low_open``: ``low`` itself is
        excluded.
    aliases : tuple of str
        Only the two memories the crossbar had before any registered type could be one:
        the names of their own ``Crossbar`` keywords (model card, LRS state, HRS state),
        kept for backward compatibility.  A new type declares none: ``memory_model``,
        ``memory_lrs`` and ``memory_hrs`` serve every type.
    """

    model: str
    state_key: str
    lrs: float
    hrs: float
    unit: str = ""
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    aliases: tuple = ()

    def check_state(self, name: str, value) -> float:
        """An initial state as a float, or a ValueError naming ``name`` and the value."""
        from ..devices import params as _v

        if self.low_open and self.low == 0.0 and self.high == math.inf:
            return _v.check_positive(name, value)
        x = _v.check_finite(name, value)
        if not (self.low < x if self.low_open else self.low <= x) or not x <= self.high:
            left = "(" if self.low_open else "["
            raise ValueError(f"parameter {name!r} must lie in {left}{self.low:g}, {self.high:g}], "
                             f"got {x!r}")
        return x


class DeviceType:
    """Base class of a memristor model in the bridge (see the module docstring).

    Class attributes a plugin sets: ``name`` (the ``.model`` type, lowercase), ``summary``
    (one line), ``noun`` (``"a drift memristor"``, for messages), ``params_class`` (the
    frozen SI parameter dataclass, with ``from_mapping``, ``from_preset`` and ``replace``),
    ``temp_field`` (the field the ``temp`` key sets, or None), ``extra_fields``
    ({key: type} of ``.model`` keys that are not dataclass fields), ``memory``
    (:class:`MemoryCell` or None), ``variable`` (random ``.model`` parameters allowed),
    ``law_keys`` (those written into the B-source current law as numbers: a top-level device
    that draws one gets its own B-source line; inside a subcircuit, whose one body every
    instance shares, they cannot vary), ``stuck_states`` (the instance
    ``state=`` values of a device stuck ON / OFF, or None: no stuck devices),
    ``default_preset`` and ``simulate_keys`` ({keyword: description} of the model's own
    keywords of :meth:`simulate`, e.g. its initial state).
    """

    name: str = ""
    summary: str = ""
    noun: str = ""
    params_class: Any = None
    temp_field: str | None = None
    extra_fields: dict = {}
    memory: MemoryCell | None = None
    variable: bool = False
    law_keys: frozenset = frozenset()
    stuck_states: tuple | None = None
    default_preset: str | None = None
    simulate_keys: dict = {}
    available: bool = True
    #: Optional hooks (None: not provided); plugins define them as methods.
    expression: Callable[..., str] | None = None
    current: Callable[..., Any] | None = None
    validity: Callable[..., list] | None = None

    # -- parameters ----------------------------------------------------------------------------
    def preset_names(self) -> list:
        """Names of the model's presets."""
        return []

    def make_params(self, raw: dict, where: str):
        """``.model`` key=value strings -> the SI parameter object (NetlistError naming
        ``where`` and the key on bad input)."""
        raw = {k: v.strip("\"'") for k, v in raw.items()}
        preset = raw.pop("preset", None)
        user_file = raw.pop("presets", None)
        kinds = {f.name: type(f.default) for f in dataclasses.fields(self.params_class)}
        kinds.update(self.extra_fields)
        values = {}
        for key, value in raw.items():
            if key == "temp" and self.temp_field is not None:
                values[self.temp_field] = model_number(key, value, where)
                continue
            if key not in kinds:
                known = "preset, temp" if self.temp_field is not None else "preset"
                raise NetlistError(f"{where}: unknown parameter {key!r} for {self.noun} "
                                   f"(known: {known}, {', '.join(sorted(kinds))})")
            kind = kinds[key]
            if kind is str:
                values[key] = value.lower()
            elif kind is bool:
                flag = _BOOL.get(value.lower())
                if flag is None:
                    raise NetlistError(f"{where}: parameter {key!r} must be 1, 0, true or false, "
                                       f"found {value!r}")
                values[key] = flag
            elif kind is int:
                x = model_number(key, value, where)
                values[key] = int(x) if math.isfinite(x) and x == int(x) else x
            else:
                values[key] = model_number(key, value, where)
        try:
            if user_file is not None:
                return _user_preset(self, preset, user_file, values, where)
            if preset is None:
                return self.params_class.from_mapping(values)
            names = self.preset_names()
            match = [p for p in names if p.lower() == preset.lower()]
            if not match:
                raise NetlistError(f"{where}: unknown preset {preset!r} for {self.noun} "
                                   f"(known: {', '.join(names)})")
            return self.params_class.from_preset(match[0], **values)
        except ValueError as exc:
            raise NetlistError(f"{where}: {exc}") from None

    def instance_params(self, params, raw: dict, where: str) -> tuple:
        """Instance keys (``seed`` removed) -> (params, initial state)."""
        raise NotImplementedError

    def default_params(self, preset: str | None = None):
        """The SI parameter object of ``preset`` (default :attr:`default_preset`; the
        parameter class's defaults if neither); ValueError naming an unknown preset."""
        name = self.default_preset if preset is None else preset
        if name is None:
            return self.params_class.from_mapping({})
        names = self.preset_names()
        match = [p for p in names if p.lower() == str(name).lower()]
        if not match:
            raise ValueError(f"unknown preset {name!r} for {self.noun} (known: {', '.join(names)})")
        return self.params_class.from_preset(match[0])

    def simulate(self, params, t, v, *, realizations: int = 1, seed: int = 0,
                 series_resistance: float = 0.0, t_out=None, n_out: int = 1001,
                 first_stream: int = 0, **options):
        """The standalone simulation of ``realizations`` devices (no ngspice) driven by the
        piecewise-linear source (``t`` in s, ``v`` in V) through ``series_resistance``
        (Ohm); realization r draws from random stream ``first_stream + r`` of ``seed``.
        ``options`` are the model's own keywords (:attr:`simulate_keys`).  Returns a
        :class:`spicemem.devices.result.DeviceResult`."""
        raise NotImplementedError(f"{self.noun} has no standalone simulator")

    def init_label(self, init) -> str:
        """The initial state as the run's device record shows it (``BridgeResult.devices``)."""
        return str(init)

    # -- scales --------------------------------------------------------------------------------
    def g_scale(self, params) -> float:
        """The conductance unit of the external source, in S."""
        raise NotImplementedError

    def time_scale(self, params) -> float:
        """The device's fastest physical time scale, in s (inf: none)."""
        return math.inf

    def v_scale(self, params) -> float:
        """The voltage below which the device barely responds, in V."""
        raise NotImplementedError

    # -- state ---------------------------------------------------------------------------------
    def allocate(self, specs: list) -> list:
        """[:class:`Group`] holding the state of the devices ``specs`` (DeviceSpec)."""
        raise NotImplementedError

    def memory_bytes(self, specs: list) -> int:
        """Bytes that :meth:`allocate` will hold for ``specs``, estimated before allocating
        (arithmetic only: :mod:`spicemem.bridge.resources` refuses a run that would exceed
        the memory cap).  The default, :data:`DEVICE_BYTES` a device, covers a type that keeps
        a few dozen numbers per device (drift: 190 B, RRAM: 280 B a device, measured at 100
        devices); a type that holds more (the diffusive type's particles) says so."""
        return DEVICE_BYTES * len(specs)

    def __repr__(self) -> str:
        return f"<DeviceType {self.name!r}>"


def _user_preset(dtype, preset, user_file: str, values: dict, where: str):
    """``.model ... (preset=NAME presets=FILE)``: NAME from a user preset file (e.g. the
    ``fitted.toml`` of ``spicemem fit``).  A netlist is untrusted: FILE must be a relative
    path inside the netlist's directory (no absolute path, no ``..``, no ``~``), a regular
    file of at most 1 MiB, and is parsed as TOML data only
    (:func:`spicemem.devices.presets.load_file`); it never reaches ngspice."""
    import inspect
    from pathlib import Path, PurePath

    if "presets" not in inspect.signature(dtype.params_class.from_preset).parameters:
        raise NetlistError(f"{where}: 'presets' (a user preset file) is not supported for "
                           f"{dtype.noun}")
    if preset is None:
        raise NetlistError(f"{where}: 'presets' needs 'preset' (the name of a preset in {user_file!r})")
    rel = PurePath(user_file)
    if rel.is_absolute() or ".." in rel.parts or user_file.startswith("~") or not rel.parts:
        raise NetlistError(f"{where}: refused: presets={user_file!r}: give a relative path inside "
                           f"the netlist's directory (no absolute path, '..' or '~')")
    fname = where.rsplit(":", 1)[0]
    base = Path(fname).resolve().parent if Path(fname).is_file() else Path.cwd()
    target = (base / rel).resolve()
    if base.resolve() not in target.parents:  # a symbolic link out of the directory
        raise NetlistError(f"{where}: refused: presets={user_file!r} leads out of the netlist's directory")
    return dtype.params_class.from_preset(preset, presets=target, **values)
