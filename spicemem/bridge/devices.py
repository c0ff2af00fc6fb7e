"""The memristor types the bridge knows: one :class:`DeviceType` entry each.

A device type provides

* ``make_params(raw, where)``: the ``.model`` card's ``key=value`` strings -> an SI
  parameter object (a frozen dataclass of :mod:`spicemem.devices`);
* ``instance_params(params, raw, where)``: the instance line's overrides -> (params, init);
* ``g_scale(params)``: the conductance unit of the external source, in S (the model's
  maximum conductance, so that the source value is of order one);
* ``time_scale(params)``: the device's fastest physical time scale, in s (the default
  step cap is a fraction of it, see :mod:`spicemem.bridge.stepping`);
* ``v_scale(params)``: the voltage below which the device barely responds, in V (the step
  control weighs conductance changes by min(1, |V|/v_scale));
* ``allocate(specs)``: the state arrays of a group of devices with the same model and a
  *block* (an int64 array of addresses and scales, layout ``B_*`` below) that its compiled
  group kernel reads;
* ``kernel()``: the address of that kernel, a Numba ``@cfunc`` with the signature
  :data:`spicemem.bridge.callbacks.GROUP_KERNEL_SIG`: advance every device of the block
  from t0 to t1 (s) with its voltage linear between ``v0`` and ``v1`` (V), then write its
  conductance (S) and temperature (K);
* ``expression(a, b, ctrl, params, g_scale)`` (optional): the B-source current expression
  of a device whose current is not linear in its voltage (the drift model); ``None`` gives
  the linear ``V(a,b)*V(ctrl)*g_scale``;
* ``current(params, v, g)`` (optional, with ``expression``): the device current (A) from
  its voltage (V) and recorded conductance (S), for the results.

Adding a type is one entry in :func:`registry` plus its kernel adapter.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from ..errors import NetlistError
from . import variability as _variability
from .spicenum import spice_number

# -- block layout (int64 slots; float slots share the memory) ---------------------------------------
B_N = 0  # devices in the group
B_INDEX = 1  # int64[n]: global device index of each group member
B_V0 = 2  # float64[D] global: voltage at t0, V
B_V1 = 3  # float64[D] global: voltage at t1, V
B_G = 4  # float64[D] global: conductance out, S
B_TEMP = 5  # float64[D] global: temperature out, K
B_FSTATE = 6  # float64[n, nf]
B_NF = 7
B_ISTATE = 8  # int64[n, ni]
B_NI = 9
B_RNG = 10  # uint64[n, 4]
B_P = 11  # float64[n, np]: per-device parameter vector
B_NP = 12
B_TABLE = 13  # float64[nt]: shared table
B_NT = 14
B_SCRATCH = 15  # float64[16]
B_NDEV = 16  # D, the length of the global arrays
B_TSCALE = 20  # s per unit of time
B_VSCALE = 21  # V per unit of voltage
B_GSCALE = 22  # S per unit of conductance
B_KSCALE = 23  # K per unit of temperature
B_DT = 24  # internal step, in units of time
B_INV_DX = 25
B_AUX = 17  # int64[AUX_SLOTS] of the hybrid integrator (0 for pure Langevin groups)
BLOCK_SLOTS = 32

# -- auxiliary block of the hybrid (hopping) diffusive kernel -------------------------------------
A_COUNTS = 0  # int64[n, kmax]: basin occupations
A_MODES = 1  # int64[n, 2]: regime and landscape index
A_HC = 2  # float64[N_HYBRID]: hybrid control
A_NV = 3  # hop-table dimensions: voltages, temperatures, basins, quadrature points
A_NT = 4
A_KMAX = 5
A_NG = 6
A_TABLES = 8  # 16 addresses: the hop-table tuple in the order of spicemem.kernels.hopping.T_*
AUX_SLOTS = 24


@dataclass(frozen=True)
class DeviceSpec:
    """One flattened device, as handed to ``allocate``."""

    index: int  # global index
    name: str
    params: Any  # SI parameter object, instance overrides applied
    seed: int
    stream: int
    init: str  # initial state keyword


@dataclass
class Group:
    """State of a group of devices sharing one model (kept alive for the run)."""

    type: str
    indices: np.ndarray  # int64[n]
    block: np.ndarray  # int64[BLOCK_SLOTS]
    kernel: int  # address
    g0: np.ndarray  # S, initial conductance
    temp0: np.ndarray  # K, initial temperature
    arrays: dict = field(default_factory=dict)

    def bind(self, v0, v1, g, temp):
        """Point the block at the run's global arrays."""
        b = self.block
        b[B_V0], b[B_V1] = v0.ctypes.data, v1.ctypes.data
        b[B_G], b[B_TEMP] = g.ctypes.data, temp.ctypes.data
        b[B_NDEV] = g.shape[0]


@dataclass(frozen=True)
class DeviceType:
    name: str
    summary: str
    make_params: Callable[[dict, str], Any]
    instance_params: Callable[[Any, dict, str], tuple]
    g_scale: Callable[[Any], float]
    time_scale: Callable[[Any], float]
    v_scale: Callable[[Any], float]
    allocate: Callable[[list], list]
    kernel: Callable[[], int]
    available: bool = True
    expression: Callable[..., str] | None = None
    current: Callable[..., Any] | None = None
    # (params, temperature (D, K) in K, names) -> records of devices that left the model's
    # stated validity range (and one ValidityWarning if any)
    validity: Callable[..., list] | None = None


# -- diffusive ----------------------------------------------------------------------------------
_DIFFUSIVE_INIT = ("off", "on")


def model_number(key, value, where):
    """A ``.model``/instance parameter value as a number, or a NetlistError naming it."""
    try:
        return spice_number(value)
    except ValueError:
        raise NetlistError(f"{where}: parameter {key!r}: expected a number, found {value!r}") from None


def _diffusive_params(raw: dict, where: str):
    from ..devices.diffusive import DiffusiveParams, preset_names

    raw = {k: v.strip("\"'") for k, v in raw.items()}
    preset = raw.pop("preset", None)
    user_file = raw.pop("presets", None)
    kinds = {f.name: type(f.default) for f in dataclasses.fields(DiffusiveParams)}
    kinds.update(heating_ratio=float, theta_ambient=float)
    values = {}
    for key, value in raw.items():
        if key == "temp":
            values["t_ambient"] = model_number(key, value, where)
            continue
        if key not in kinds:
            raise NetlistError(f"{where}: unknown parameter {key!r} for a diffusive memristor "
                               f"(known: preset, temp, {', '.join(sorted(kinds))})")
        if kinds[key] is str:
            values[key] = value.lower()
        elif kinds[key] is int:
            x = model_number(key, value, where)
            values[key] = int(x) if math.isfinite(x) and x == int(x) else x
        else:
            values[key] = model_number(key, value, where)
    try:
        if user_file is not None:
            return _user_preset(DiffusiveParams, preset, user_file, values, where)
        if preset is None:
            return DiffusiveParams.from_mapping(values)
        if preset.lower() not in {p.lower() for p in preset_names()}:
            raise NetlistError(f"{where}: unknown preset {preset!r} for a diffusive memristor "
                               f"(known: {', '.join(preset_names())})")
        name = next(p for p in preset_names() if p.lower() == preset.lower())
        return DiffusiveParams.from_preset(name, **values)
    except ValueError as exc:
        raise NetlistError(f"{where}: {exc}") from None


def _user_preset(cls, preset, user_file: str, values: dict, where: str):
    """``.model ... (preset=NAME presets=FILE)``: NAME from a user preset file (e.g. the
    ``fitted.toml`` of ``spicemem fit``).  A netlist is untrusted: FILE must be a relative
    path inside the netlist's directory (no absolute path, no ``..``, no ``~``), a regular
    file of at most 1 MiB, and is parsed as TOML data only
    (:func:`spicemem.devices.presets.load_file`); it never reaches ngspice."""
    from pathlib import Path, PurePath

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
    try:
        return cls.from_preset(preset, presets=target, **values)
    except ValueError as exc:
        raise NetlistError(f"{where}: {exc}") from None


def _diffusive_instance(params, raw: dict, where: str):
    init = "off"
    for key, value in raw.items():
        if key == "temp":
            try:
                params = params.replace(t_ambient=model_number(key, value, where))
            except ValueError as exc:
                raise NetlistError(f"{where}: {exc}") from None
        elif key == "state":
            init = value.lower()
            if init not in _DIFFUSIVE_INIT:
                raise NetlistError(f"{where}: parameter 'state' must be one of "
                                   f"{', '.join(_DIFFUSIVE_INIT)}, found {value!r}")
        else:
            raise NetlistError(f"{where}: unknown instance parameter {key!r} "
                               f"(known: seed, temp, state)")
    return params, init


def _diffusive_allocate(specs: list) -> list:
    """One group per distinct parameter object (same table, step and particle count)."""
    from ..devices.ensemble import initial_state
    from ..kernels.diffusive import N_PARAMS, P_RSERIES, P_THETA0, resistance

    by_model: dict = {}
    for spec in specs:
        core_key = dataclasses.replace(spec.params, t_ambient=300.0)
        by_model.setdefault(core_key, []).append(spec)
    groups = []
    for members in by_model.values():
        params0 = members[0].params
        core = params0.core
        sc = params0.scales
        n = len(members)
        npart = params0.n_particles
        fstate = np.zeros((n, npart + 1))
        istate = np.zeros((n, npart + 1), dtype=np.int64)
        rng = np.zeros((n, 4), dtype=np.uint64)
        pvec = np.zeros((n, N_PARAMS))
        g0 = np.zeros(n)
        temp0 = np.zeros(n)
        for j, spec in enumerate(members):
            x, st = initial_state(spec.params, 1, spec.seed, first_stream=spec.stream)
            if spec.init == "on":
                x[0] = np.linspace(-1.0, 1.0, npart + 2)[1:-1]
            fstate[j, :npart] = x[0]
            fstate[j, npart] = spec.params.theta_ambient
            order = np.argsort(x[0]).astype(np.int64)
            istate[j, :npart] = order
            rng[j] = st[0]
            p = core.p.copy()
            p[P_THETA0] = spec.params.theta_ambient
            p[P_RSERIES] = 0.0  # ngspice solves the circuit
            pvec[j] = p
            g0[j] = sc.conductance / resistance(x[0].copy(), order.copy(), p[0])
            temp0[j] = spec.params.t_ambient
        table = np.ascontiguousarray(core.table, dtype=np.float64)
        scratch = np.zeros(16)
        index = np.array([s.index for s in members], dtype=np.int64)
        block = np.zeros(BLOCK_SLOTS, dtype=np.int64)
        bf = block.view(np.float64)
        keep = {}
        if params0.integrator == "hybrid":
            keep = _hybrid_aux(core, n, fstate, block)
            fstate = keep.pop("fstate")
        block[B_N] = n
        block[B_INDEX] = index.ctypes.data
        block[B_FSTATE], block[B_NF] = fstate.ctypes.data, fstate.shape[1]
        block[B_ISTATE], block[B_NI] = istate.ctypes.data, npart + 1
        block[B_RNG] = rng.ctypes.data
        block[B_P], block[B_NP] = pvec.ctypes.data, N_PARAMS
        block[B_TABLE], block[B_NT] = table.ctypes.data, table.shape[0]
        block[B_SCRATCH] = scratch.ctypes.data
        bf[B_TSCALE] = sc.time
        bf[B_VSCALE] = sc.voltage
        bf[B_GSCALE] = sc.conductance
        bf[B_KSCALE] = sc.temperature
        bf[B_DT] = core.dt
        bf[B_INV_DX] = core.inv_dx
        kernel = _diffusive_hybrid_kernel() if keep else _diffusive_kernel()
        groups.append(Group("diffusive", index, block, kernel, g0, temp0,
                            {"fstate": fstate, "istate": istate, "rng": rng, "p": pvec,
                             "table": table, "scratch": scratch, "index": index,
                             "n_particles": npart, **keep}))
    return groups


def _hybrid_aux(core, n: int, fstate: np.ndarray, block: np.ndarray) -> dict:
    """State of the hybrid integrator for a group; returns the arrays to keep alive.

    The hybrid keeps a continuous device clock (in units of 1/kappa) in an extra column of
    the float state, because a hopping device does not advance on the Langevin step grid.
    """
    from ..kernels.hopping import MODE_LANGEVIN

    tab = core.hop_tables
    kmax = tab[4].shape[1]
    counts = np.zeros((n, kmax), dtype=np.int64)
    modes = np.zeros((n, 2), dtype=np.int64)
    modes[:, 0] = MODE_LANGEVIN
    hc = np.ascontiguousarray(core.hybrid_control, dtype=np.float64)
    fs = np.zeros((n, fstate.shape[1] + 1))
    fs[:, :-1] = fstate
    aux = np.zeros(AUX_SLOTS, dtype=np.int64)
    aux[A_COUNTS], aux[A_MODES], aux[A_HC] = counts.ctypes.data, modes.ctypes.data, hc.ctypes.data
    aux[A_NV], aux[A_NT], aux[A_KMAX], aux[A_NG] = tab[0].size, tab[1].size, kmax, tab[13].size
    tables = [np.ascontiguousarray(a) for a in tab]
    for q, a in enumerate(tables):
        aux[A_TABLES + q] = a.ctypes.data
    block[B_AUX] = aux.ctypes.data
    return {"fstate": fs, "counts": counts, "modes": modes, "hc": hc, "aux": aux, "tables": tables}


def _diffusive_validity(params, temperature_k, names) -> list:
    from ..devices.validity import check_diffusive

    return check_diffusive(params, temperature_k, names, what="device")


def _diffusive_hybrid_kernel() -> int:
    from .kernels import diffusive_hybrid_group

    return diffusive_hybrid_group.address


def _diffusive_kernel() -> int:
    from .kernels import diffusive_group

    return diffusive_group.address


def _drift_type() -> DeviceType:
    from . import devices_drift as d

    return DeviceType(
        name="drift",
        summary="TaOx drift memristor (Strachan et al. 2013): non-volatile, deterministic",
        make_params=d.make_params,
        instance_params=d.instance_params,
        g_scale=d.g_scale,
        time_scale=d.time_scale,
        v_scale=d.v_scale,
        allocate=d.allocate,
        kernel=d.kernel,
        expression=d.expression,
        current=d.current,
    )


def _rram_type() -> DeviceType:
    from . import devices_rram  # an import cycle like drift's, until the device-type interface

    return devices_rram.device_type()


@lru_cache(maxsize=1)
def _registry() -> dict:
    return {
        "diffusive": DeviceType(
            name="diffusive",
            summary="Ag nanoparticles in an oxide (Wang et al. 2017): volatile, stochastic",
            make_params=_diffusive_params,
            instance_params=_diffusive_instance,
            g_scale=lambda p: p.g_max,
            time_scale=lambda p: p.tau_thermal if p.feedback_time is None else p.feedback_time,
            v_scale=lambda p: p.v_threshold,
            allocate=_diffusive_allocate,
            kernel=_diffusive_kernel,
            validity=_diffusive_validity,
        ),
        "drift": _drift_type(),
        "rram": _rram_type(),
    }


def registry() -> dict:
    """Memristor types by (lowercase) name."""
    return _registry()


#: Device types whose ``.model`` parameters may vary per instance (variability.py).
VARIABLE_TYPES = frozenset({"diffusive"})


@lru_cache(maxsize=256)
def _model_params_cached(type_name: str, items: tuple, where: str):
    return registry()[type_name].make_params(dict(items), where)


def model_params(card):
    """The SI parameter object of a memristor ``.model`` card (cached per card text), with
    every random parameter at its nominal value (:mod:`spicemem.bridge.variability`)."""
    nominal, _ = _variability.split(card.params, card.line.where)
    return _model_params_cached(card.type, tuple(sorted(nominal.items())), card.line.where)


def model_spreads(card) -> dict:
    """The random parameters of a ``.model`` card, {key: Spread} (empty without any)."""
    _, spreads = _variability.split(card.params, card.line.where)
    if spreads and card.type not in VARIABLE_TYPES:
        raise NetlistError(f"{card.line.where}: model {card.name!r}: random parameters "
                           f"({', '.join(sorted(spreads))}) are supported for "
                           f"{', '.join(sorted(VARIABLE_TYPES))} devices (a {card.type} device's "
                           f"current law is written into the netlist, which its instances share)")
    return spreads


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
