"""The registry of memristor types: the one place that lists the models the bridge knows.

Each model is a plugin module defining a :class:`~spicemem.bridge.device_type.DeviceType`
(see that module for the interface); the line below that registers it is the only place
its name appears outside its own module.  A model defined elsewhere (a user's, or a
test's) is added with :func:`register` and is then known to the netlist reader, the
bridge, the crossbar generator and the CLI like the built-in ones.
"""

from __future__ import annotations

from functools import lru_cache

from ..errors import NetlistError
from . import devices_diffusive, devices_drift, devices_rram
from . import variability as _variability
from .device_type import DeviceSpec, DeviceType, Group, MemoryCell, model_number

__all__ = ["DeviceSpec", "DeviceType", "Group", "MemoryCell", "model_number", "register",
           "registry", "unregister", "memory_types", "variable_types"]

_REGISTRY: dict = {}


def register(device_type: DeviceType, *, replace: bool = False) -> DeviceType:
    """Add a memristor type (an instance of a :class:`DeviceType` subclass); returns it.

    Raises ValueError if the name is taken (unless ``replace``) or not a lowercase
    identifier."""
    name = device_type.name
    if not isinstance(device_type, DeviceType):
        raise ValueError(f"register: expected a DeviceType instance, got {type(device_type).__name__}")
    if not (isinstance(name, str) and name.isidentifier() and name == name.lower()):
        raise ValueError(f"register: a device type's name must be a lowercase identifier, got {name!r}")
    if name in _REGISTRY and not replace:
        raise ValueError(f"register: a device type {name!r} is already registered")
    _REGISTRY[name] = device_type
    _model_params_cached.cache_clear()
    return device_type


def unregister(name: str) -> None:
    """Remove a memristor type added by :func:`register`."""
    _REGISTRY.pop(name, None)
    _model_params_cached.cache_clear()


def registry() -> dict:
    """Memristor types by (lowercase) name."""
    return _REGISTRY


def memory_types() -> dict:
    """The types that can be the memory element of a crossbar cell, {name: MemoryCell}."""
    return {name: t.memory for name, t in _REGISTRY.items() if t.memory is not None}


def variable_types() -> list:
    """Types whose ``.model`` parameters may vary per instance (``DeviceType.variable``;
    :mod:`spicemem.bridge.variability`)."""
    return sorted(name for name, t in _REGISTRY.items() if t.variable)


def stuck_types() -> dict:
    """{name: (state ON, state OFF)}: the instance ``state=`` of a device stuck ON / OFF, for
    the types that have stuck devices (``DeviceType.stuck_states``; variability.py)."""
    return {name: t.stuck_states for name, t in _REGISTRY.items() if t.stuck_states is not None}


#: Instance keys that a stuck device's state replaces.
STATE_KEYS = ("state", "x0", "gap0")


@lru_cache(maxsize=256)
def _model_params_cached(type_name: str, items: tuple, where: str):
    return _REGISTRY[type_name].make_params(dict(items), where)


def model_params(card):
    """The SI parameter object of a memristor ``.model`` card (cached per card text), with
    every random parameter at its nominal value (:mod:`spicemem.bridge.variability`)."""
    nominal, _ = _variability.split(card.params, card.line.where)
    return _model_params_cached(card.type, tuple(sorted(nominal.items())), card.line.where)


def model_spreads(card) -> dict:
    """The random parameters of a ``.model`` card, {key: Spread} (empty without any)."""
    _, spreads = _variability.split(card.params, card.line.where)
    if spreads and not _REGISTRY[card.type].variable:
        raise NetlistError(f"{card.line.where}: model {card.name!r}: random parameters "
                           f"({', '.join(sorted(spreads))}) are supported for "
                           f"{', '.join(variable_types())} devices")
    return spreads


def law_keys(card, drawn: dict) -> list:
    """The drawn parameters of a device that its B-source law carries as numbers
    (``DeviceType.law_keys``)."""
    return sorted(set(drawn) & _REGISTRY[card.type].law_keys)


def law_line(dtype, dev, params) -> str:
    """The B-source line of a top-level device with its own parameters in its law (the
    line netlist._rewrite writes, with this device's G_scale)."""
    nm = dev.instance.name.lower()
    a, b = dev.instance.node_plus.lower(), dev.instance.node_minus.lower()
    return f"bsm_{nm} {a} {b} I={dtype.expression(a, b, f'smg_{nm}', params, float(dtype.g_scale(params)))}"


def model_stuck(card) -> tuple:
    """(P(stuck ON), P(stuck OFF)) of a memristor ``.model`` card (0, 0 without them)."""
    p = _variability.stuck_probabilities(card.params, card.line.where)
    if any(p) and _REGISTRY[card.type].stuck_states is None:
        raise NetlistError(f"{card.line.where}: model {card.name!r}: stuck_on/stuck_off are "
                           f"supported for {', '.join(sorted(stuck_types()))} devices")
    return p


def drawn_params(card, drawn: dict, where: str):
    """(the parameter object of a card with one device's drawn values in place of its random
    parameters, the values applied: integer parameters rounded); NetlistError naming the
    device's values."""
    nominal, _ = _variability.split(card.params, card.line.where)
    base = model_params(card)
    applied = {k: float(round(v)) if isinstance(getattr(base, k, None), int) else v
               for k, v in drawn.items()}
    raw = {**nominal, **{k: repr(v) for k, v in applied.items()}}
    try:
        return registry()[card.type].make_params(raw, card.line.where), applied
    except NetlistError as exc:
        values = ", ".join(f"{k}={v:.6g}" for k, v in applied.items())
        raise NetlistError(f"{where}: drawn {values}: {exc}") from None


# -- the built-in models: one line each ----------------------------------------------------------
register(devices_diffusive.TYPE)
register(devices_drift.TYPE)
register(devices_rram.TYPE)
