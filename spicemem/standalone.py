"""The standalone simulation of any registered memristor model: :func:`simulate`.

``simulate`` and ``preset_names`` work from the device-type registry
(:mod:`spicemem.bridge.devices`), never from a model's name: every model whose
:class:`~spicemem.bridge.device_type.DeviceType` provides ``simulate`` runs here, and its
result is a :class:`~spicemem.devices.result.DeviceResult` (each model's own result class
derives from it and keeps its own fields).  The diffusive model is the default, so the
original call ``simulate(DiffusiveParams(...), t, v, realizations=..., seed=...)`` is
unchanged.  Importing this module loads the registry's metadata only: no Numba, no ngspice.
"""

from __future__ import annotations

from .bridge.device_type import DeviceType
from .bridge.devices import registry

DEFAULT_MODEL = "diffusive"


def model_names() -> list:
    """The registered models that have a standalone simulator."""
    return sorted(name for name, t in registry().items()
                  if type(t).simulate is not DeviceType.simulate)


def _type(model: str):
    reg = registry()
    key = str(model).lower()
    if key not in reg:
        raise ValueError(f"model: unknown memristor model {model!r} (known: {', '.join(sorted(reg))})")
    return reg[key]


def _type_of(params):
    for t in registry().values():
        if isinstance(params, t.params_class):
            return t
    raise ValueError(f"params: expected the parameter object of a registered model, got "
                     f"{type(params).__name__}")


def preset_names(model: str = DEFAULT_MODEL) -> list:
    """Names of a model's presets (default: the diffusive memristor's)."""
    return list(_type(model).preset_names())


def simulate(params=None, t=None, v=None, *, model: str | None = None, preset: str | None = None,
             **options):
    """Drive one or more memristors of any registered model with a voltage waveform.

    Parameters
    ----------
    params : parameter object, optional
        The model's SI parameter object (``DiffusiveParams``, ``DriftParams``,
        ``RRAMParams``, or a plugin's); it decides the model if ``model`` is not given.
        Default: the preset ``preset`` of ``model``.
    t, v : array_like
        Breakpoints of the source waveform, in s and V (piecewise linear, e.g. from
        :func:`spicemem.pulse_train`).
    model : str, optional
        The registry name of the model (``spicemem.bridge.devices.registry()``); default
        the model of ``params``, else the diffusive memristor.
    preset : str, optional
        A preset of the model (:func:`preset_names`), used when ``params`` is not given;
        default the model's ``default_preset``.
    **options
        ``realizations``, ``seed``, ``series_resistance`` (Ohm), ``t_out`` (s), ``n_out``,
        ``first_stream``, and the model's own keywords (its ``simulate_keys``: the initial
        state, e.g. ``x0`` or ``gap0``).

    Returns
    -------
    DeviceResult
        The model's own result class (``DiffusiveResult``, ``DriftResult``,
        ``RRAMResult``): ``t``, ``source_voltage``, ``voltage``, ``current``,
        ``conductance``, ``temperature`` (None: isothermal), ``state``, ``extras``.
    """
    if t is None or v is None:
        raise ValueError("simulate: the waveform t and v (s, V) are required")
    if params is None:
        dtype = _type(DEFAULT_MODEL if model is None else model)
        params = dtype.default_params(preset)
    else:
        dtype = _type_of(params) if model is None else _type(model)
        if preset is not None:
            raise ValueError("simulate: give either params or preset, not both")
        if not isinstance(params, dtype.params_class):
            raise ValueError(f"simulate: params is a {type(params).__name__}, but model "
                             f"{dtype.name!r} takes {dtype.params_class.__name__}")
    return dtype.simulate(params, t, v, **options)
