"""The Stanford/PKU metal-oxide RRAM as a bridge device type (the ``rram`` registry entry:
:data:`TYPE`).

Netlist syntax::

    .model mem rram (preset=stanford_hfox [field=value ...])
    N1 te be mem [seed=INT] [temp=K] [gap0=METRES | state=lrs|hrs]

``.model`` keys are ``preset`` (a name of :func:`spicemem.devices.rram.preset_names`),
``temp`` (the ambient temperature T0, in K) and any field of
:class:`spicemem.devices.rram.RRAMParams` in SI (``i0`` in A, ``g0``/``a0``/``tox``/gaps in m,
``v0`` in V, ``vel0`` in m/s, ``ea`` in eV, ``r_th`` in K/W, ``f_min`` in V/m,
``delta_gap0`` in m/s, ``noise_interval`` in s; ``variation=1|0|true|false`` switches the
cycle-to-cycle variation on).  Without ``preset`` the fields not given keep the
``RRAMParams`` defaults (the same numbers as ``stanford_hfox``).  Instance keys: ``temp``
(T0 of this device), ``state=lrs`` (gap g_min) or ``state=hrs`` (gap g_max), or ``gap0=``
a gap in m inside [g_min, g_max]; default the model's ``gap_ini``.  ``n+`` is the top
electrode: V(n+, n-) > 0 shrinks the gap (SET).

What ngspice gets
-----------------
The current is not linear in the voltage, I = I0 exp(-g/g0) sinh(V/V0) (Jiang 2016,
eq. 6), so the device supplies its own B-source expression (:func:`expression`).  The
external source holds the gap, as the zero-bias conductance G0 = I0 exp(-g/g0) / V0 in
units of its largest value G_scale = I0 exp(-g_min/g0) / V0::

    V(smg) = G0 / G_scale = exp(-(g - g_min)/g0)    (1 at g_min, 2.5e-3 at g_max for the preset)
    I      = (G_scale V0) V(smg) sinh(V(n+,n-)/V0)  = I0 exp(-g/g0) sinh(V/V0)   exactly.

Why G0 and not the gap in metres: a node voltage of 1e-9 is below ngspice's absolute
tolerance ``vntol`` (1 uV) and would be solved to noise (NGSPICE_NOTES.md); a value of
order one is not.  Why G0 and not g/g0: the bridge's rate control measures
|ln(G_n+1/G_n)| of what the kernels commit (see :mod:`spicemem.bridge.stepping`), which
for G0 is |dg|/g0, exactly the relative change of the device current at any voltage, and
the recorded ``g(NAME)`` stays a conductance in S like every other device's.  The gap is
``g_min - g0 ln(G0/G_scale)`` (:func:`gap`).

The bridge records for an RRAM device: ``g(NAME)`` = G0 (S); ``temp(NAME)`` = the filament
temperature of eq. 5, T0 + |V I| R_th (K), at each accepted point; ``BridgeResult.current``
the law above.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import NetlistError
from .device_type import DeviceType, Group, MemoryCell, model_number, new_block
from .layout import BLOCK

#: Step-cap time scale of an RRAM device, in s: none (as for the drift model, the rate has
#: no intrinsic time constant -- it is 0 below the F_min threshold and spans decades above;
#: the kernel's own step request bounds the splitting error, see kernels_rram).
TIME_SCALE = math.inf
#: Coupling tolerance c of the RRAM kernel's step request (the largest change of the
#: log-rate that a step may leave unseen by the circuit).  Read when a run allocates
#: devices.  The circuit lags the device by a step, which biases the log-rate by ~c over
#: a whole switching event: measured (tests/test_bridge_rram.py), RESET -3 V through
#: 100 Ohm reaches 1 nm 13.5 % late with the drift model's c = 0.2 (163 points) and 3.6 %
#: late with 0.05 (433 points); SET 2 V through 2 kOhm stops 20 pm resp. 8 pm below the
#: reference's compliance gap.  0.05 costs a few hundred points per switching event.
COUPLING_TOL = 0.05

_STATES = ("lrs", "hrs")


def instance_params(params, raw: dict, where: str):
    """Instance keys -> (params with ``gap_ini`` = the device's initial gap, init label)."""
    changes = {}
    init = "gap_ini"
    given = []
    for key, value in raw.items():
        if key == "temp":
            changes["t_ambient"] = model_number(key, value, where)
        elif key == "state":
            s = value.lower()
            if s not in _STATES:
                raise NetlistError(f"{where}: parameter 'state' of an rram memristor must be one "
                                   f"of {', '.join(_STATES)}, found {value!r}")
            changes["gap_ini"] = params.g_min if s == "lrs" else params.g_max
            init = s
            given.append(key)
        elif key == "gap0":
            g = model_number(key, value, where)
            if not (math.isfinite(g) and params.g_min <= g <= params.g_max):
                raise NetlistError(f"{where}: parameter 'gap0' must lie in [g_min, g_max] = "
                                   f"[{params.g_min!r}, {params.g_max!r}] m, found {value!r}")
            changes["gap_ini"] = g
            init = f"gap0={g!r}"
            given.append(key)
        else:
            raise NetlistError(f"{where}: unknown instance parameter {key!r} for an rram "
                               f"memristor (known: seed, temp, state, gap0)")
    if len(given) > 1:
        raise NetlistError(f"{where}: give either 'state' or 'gap0', not both")
    if changes:
        try:
            params = params.replace(**changes)
        except ValueError as exc:
            raise NetlistError(f"{where}: {exc}") from None
    return params, init


def g_scale(params) -> float:
    """G0 at g_min, I0 exp(-g_min/g0) / V0, in S: the source carries G0 / g_scale."""
    return params.i0 * math.exp(-params.g_min / params.g0) / params.v0


def time_scale(params) -> float:
    return TIME_SCALE


def v_scale(params) -> float:
    """V0, in V: below it the device is ohmic and its current small (the rate control
    weighs conductance changes by min(1, |V|/V0))."""
    return params.v0


def conductance(params, gap):
    """Zero-bias conductance G0 = I0 exp(-g/g0) / V0 in S of gaps in m."""
    return params.i0 * np.exp(-np.asarray(gap, dtype=float) / params.g0) / params.v0


def gap(params, g):
    """The gap in m from the recorded zero-bias conductance ``g`` (S)."""
    return -params.g0 * np.log(np.asarray(g, dtype=float) * params.v0 / params.i0)


def expression(a: str, b: str, ctrl: str, params, gs: float) -> str:
    """B-source current expression (without ``I=``) of an RRAM device between nodes ``a``
    (top electrode) and ``b``, its gap read from node ``ctrl`` (V(ctrl) = G0 / ``gs``)."""
    k = gs * params.v0  # A: I0 exp(-g_min/g0)
    return f"{k!r}*V({ctrl})*sinh(V({a},{b})/{params.v0!r})"


def current(params, v, g):
    """Device current in A from the voltage ``v`` (V) and recorded G0 ``g`` (S), arrays."""
    return np.asarray(g, dtype=float) * params.v0 * np.sinh(np.asarray(v, dtype=float) / params.v0)


def kernel() -> int:
    """Address of the compiled group kernel (:mod:`spicemem.bridge.kernels_rram`)."""
    from .kernels_rram import rram_group

    return rram_group.address


def allocate(specs: list) -> list:
    """One group for every RRAM device: per device a ``STATE`` record (gap, noise, stream)
    and a ``PARAMS`` record (its own, since ``temp=`` may differ between instances)."""
    from ..devices.rram import device_states
    from ..kernels.rram import PARAMS
    from .kernels_rram import S_DROPPED, S_MIN_REQUEST, S_OVERRUNS, S_TOL, S_TRUNCATED

    n = len(specs)
    devs = np.concatenate([device_states([s.params.gap_ini], s.seed, s.stream) for s in specs])
    prm = np.zeros(n, dtype=PARAMS)
    for j, spec in enumerate(specs):
        prm[j] = spec.params.kernel_params(0.0)  # ngspice supplies the device voltage
    g0 = np.array([conductance(s.params, s.params.gap_ini) for s in specs], dtype=float)
    temp0 = np.array([s.params.t_ambient for s in specs])  # eq. 5 at V = 0: T = T0
    index = np.array([s.index for s in specs], dtype=np.int64)
    scratch = np.zeros(16)  # kernels_rram.S_* slots
    scratch[S_TOL] = COUPLING_TOL
    scratch[S_MIN_REQUEST] = np.inf
    block = new_block(index)
    rec = BLOCK.record(block)
    rec["fstate"] = devs.ctypes.data
    rec["p"] = prm.ctypes.data
    rec["scratch"] = scratch.ctypes.data

    def report():
        return {"rram_substep_overruns": int(scratch[S_OVERRUNS]),
                "rram_min_step_request_s": float(scratch[S_MIN_REQUEST]),
                "rram_time_dropped_s": float(scratch[S_DROPPED]),
                "rram_truncated_steps": int(scratch[S_TRUNCATED])}

    return [Group("rram", index, block, kernel(), g0, temp0,
                  {"devs": devs, "p": prm, "index": index, "scratch": scratch}, report=report)]


class RRAMType(DeviceType):
    name = "rram"
    summary = ("Stanford/PKU metal-oxide RRAM (Jiang et al. 2016): non-volatile filament gap, "
               "cycle-to-cycle variation")
    noun = "an rram memristor"
    variable = True  # every parameter; law_keys vary for top-level devices only
    # v0 is written into expression(); i0, g0 and g_min reach the law only through
    # G0 = I0 exp(-g/g0) / V0, which each device's kernel computes and its external source
    # carries (scaled by the card's nominal G_scale), so they vary anywhere
    law_keys = frozenset({"v0"})
    stuck_states = ("lrs", "hrs")
    default_preset = "stanford_hfox"
    simulate_keys = {"gap0": "initial gap(s) in m, a number or shape (R,); default gap_ini"}
    temp_field = "t_ambient"
    memory = MemoryCell(model="preset=stanford_hfox", state_key="gap0", lrs=0.2e-9, hrs=1.7e-9,
                        unit="m", low=0.0, low_open=True, aliases=("rram_model", "gap_lrs", "gap_hrs"))

    @property
    def params_class(self):
        from ..devices.rram import RRAMParams

        return RRAMParams

    def preset_names(self) -> list:
        from ..devices.rram import preset_names

        return preset_names()

    def simulate(self, params, t, v, *, gap0=None, **options):
        """:func:`spicemem.devices.rram.simulate_rram` (an ``RRAMResult``)."""
        from ..devices.rram import simulate_rram

        return simulate_rram(params, t, v, gap0=gap0, **options)

    instance_params = staticmethod(instance_params)
    g_scale = staticmethod(g_scale)
    time_scale = staticmethod(time_scale)
    v_scale = staticmethod(v_scale)
    expression = staticmethod(expression)
    current = staticmethod(current)
    allocate = staticmethod(allocate)


TYPE = RRAMType()
