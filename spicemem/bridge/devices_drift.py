"""The TaOx drift memristor as a bridge device type (the ``drift`` registry entry: :data:`TYPE`).

Netlist syntax::

    .model tao drift (preset=TaOx [field=value ...])
    N2 mid 0 tao [state=hrs|lrs] [x0=0.25]

``.model`` keys are ``preset`` (a name of :func:`spicemem.devices.drift.preset_names`) and
any field of :class:`spicemem.devices.drift.DriftParams` in SI (``g_m`` in S, ``a_fp`` in S,
``b_fp`` in V^-1/2, rates in 1/s, ``sigma_on``/``sigma_off`` in V, ``sigma_p`` in W, ``beta``
in 1/W; also the integrator tolerances ``rtol``, ``atol``).  Instance keys: ``state=hrs``
(x = 0, the default) or ``state=lrs`` (x = 1), or ``x0=`` a state in [0, 1].

What ngspice gets
-----------------
The drift current is not linear in the voltage, i = v [G_m x + (1 - x) a exp(b sqrt|v|)],
so the device supplies its own B-source expression (:func:`expression`).  The external
source carries the *zero-bias* conductance G0 = G_m x + (1 - x) a in units of G_m (so that it
is of order 0.001-1, like the diffusive device's), s = G0 / G_m, and the expression rebuilds
the current from it exactly::

    i = v [G_m s + (1 - s) K (exp(b sqrt(|v| + eps)) - 1)],   K = a G_m / (G_m - a)

((1 - s) K = (1 - x) a).  ``eps`` = 1e-18 V keeps ngspice's symbolic derivative finite at
v = 0 (d sqrt(|v|)/dv is infinite there and 0 * inf is NaN in the Jacobian); it changes
b sqrt|v| by at most b 1e-9 = 5e-9, i.e. the current by < 1e-8 relative.  ``sqrt(abs())``
and not ``pow``: ngspice's ``pow`` drops the sign of a negative base (NGSPICE_NOTES.md).

The conductance the bridge records for a drift device (``g(NAME)``, ``conductance``) is
this zero-bias conductance G0 (S); the true current is in ``BridgeResult.current``.

The drift model is isothermal: ``temp(NAME)`` reports :data:`REPORTED_TEMPERATURE`.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import NetlistError
from .device_type import DeviceType, Group, MemoryCell, model_number, new_block
from .layout import BLOCK

#: Step-cap time scale of a drift device, in s: none (the default cap is half the smallest
#: time scale in the netlist, so a drift device never lowers it).  The model has no intrinsic
#: time constant (its rate spans 1e-10 ... 1e299 1/s); what bounds the splitting error
#: while the device shares a voltage with other elements is its own step request (see
#: kernels_drift), which follows the rate instead of a fixed cap.  (A 10 us cap here made
#: ngspice crawl at 5 us steps through the 30 ms gaps of the SRDP protocol, 84 000 points.)
TIME_SCALE = math.inf
#: Temperature reported for a drift device, in K (the model has no thermal state).
REPORTED_TEMPERATURE = 300.0
#: Coupling tolerance c of the drift kernel's step request (see
#: :mod:`spicemem.bridge.kernels_drift`): the largest change of the log-rate that a step may
#: leave unseen by the circuit.  Read when a run allocates its devices.
COUPLING_TOL = 0.2
#: A step that would move the coupling measure by more than this many COUPLING_TOL is
#: truncated (the rest of the step is dropped; see kernels_drift.advance_coupled).
TRUNCATE_FACTOR = 5.0
#: Added under the square root of |v| in the B-source, in V (see the module docstring).
SQRT_EPS = 1e-18

_STATES = {"hrs": 0.0, "lrs": 1.0}


def instance_params(params, raw: dict, where: str):
    """Instance keys -> (params, init); init is the initial state x0 in [0, 1] (a float)."""
    x0 = 0.0
    given = []
    for key, value in raw.items():
        if key == "state":
            s = value.lower()
            if s not in _STATES:
                raise NetlistError(f"{where}: parameter 'state' of a drift memristor must be one "
                                   f"of {', '.join(_STATES)}, found {value!r}")
            x0 = _STATES[s]
            given.append(key)
        elif key == "x0":
            x0 = model_number(key, value, where)
            if not 0.0 <= x0 <= 1.0:
                raise NetlistError(f"{where}: parameter 'x0' must lie in [0, 1], found {value!r}")
            given.append(key)
        else:
            raise NetlistError(f"{where}: unknown instance parameter {key!r} for a drift "
                               f"memristor (known: seed, state, x0)")
    if len(given) > 1:
        raise NetlistError(f"{where}: give either 'state' or 'x0', not both")
    return params, float(x0)


def g_scale(params) -> float:
    """G_m, in S: the source carries G0 / G_m."""
    return params.g_m


def time_scale(params) -> float:
    return TIME_SCALE


def v_scale(params) -> float:
    """The smaller sinh scale, in V (the OFF branch's 13 mV for TaOx)."""
    return min(params.sigma_on, params.sigma_off)


def zero_bias_conductance(params, x):
    """G0 = G_m x + (1 - x) a, in S (what the bridge records for a drift device)."""
    return params.g_m * x + (1.0 - x) * params.a_fp


def expression(a: str, b: str, ctrl: str, params, gs: float) -> str:
    """B-source current expression ``I=...`` (without ``I=``) of a drift device between
    nodes ``a`` and ``b``, its state read from node ``ctrl`` (V(ctrl) = G0 / ``gs``)."""
    gm, af, bf = params.g_m, params.a_fp, params.b_fp
    if not np.isclose(gs, gm, rtol=1e-12, atol=0.0):  # pragma: no cover - registry invariant
        raise ValueError("drift: the source scale must be G_m")
    k = af * gm / (gm - af)
    v = f"V({a},{b})"
    s = f"V({ctrl})"
    return (f"{v}*({gm!r}*{s}+(1-{s})*{k!r}*(exp({bf!r}*sqrt(abs({v})+{SQRT_EPS!r}))-1))")


def current(params, v, g):
    """Device current in A from the voltage ``v`` (V) and recorded G0 ``g`` (S), arrays."""
    x = (np.asarray(g) - params.a_fp) / (params.g_m - params.a_fp)
    v = np.asarray(v, dtype=float)
    return v * (params.g_m * x + (1.0 - x) * params.a_fp * np.exp(params.b_fp * np.sqrt(np.abs(v))))


def kernel() -> int:
    """Address of the compiled group kernel (:mod:`spicemem.bridge.kernels_drift`)."""
    from .kernels_drift import drift_group

    return drift_group.address


def allocate(specs: list) -> list:
    """One group for every drift device (parameters per device in the rows of ``p``)."""
    from ..devices.drift import warn_beyond_ceiling
    from ..kernels.drift import N_PARAMS
    from .kernels_drift import (F_BEYOND, F_H, F_X, N_FSTATE, S_DROPPED, S_TOL, S_TOL_MAX,
                                S_TRUNCATED)

    n = len(specs)
    fstate = np.zeros((n, N_FSTATE))
    pvec = np.zeros((n, N_PARAMS))
    g0 = np.zeros(n)
    for j, spec in enumerate(specs):
        x0 = spec.init
        fstate[j, F_X] = x0
        fstate[j, F_H] = 0.0  # no step hint yet: the integrator tries the whole interval
        pvec[j] = spec.params.kernel_vector(0.0)  # ngspice supplies the device voltage
        g0[j] = zero_bias_conductance(spec.params, x0)
    temp0 = np.full(n, REPORTED_TEMPERATURE)
    index = np.array([s.index for s in specs], dtype=np.int64)
    scratch = np.zeros(16)  # kernels_drift.S_* slots
    scratch[S_TOL] = COUPLING_TOL
    scratch[S_TOL_MAX] = TRUNCATE_FACTOR * COUPLING_TOL
    block = new_block(index)
    rec = BLOCK.record(block)
    rec["fstate"], rec["nf"] = fstate.ctypes.data, N_FSTATE
    rec["p"], rec["np"] = pvec.ctypes.data, N_PARAMS
    rec["scratch"] = scratch.ctypes.data
    rec["kscale"] = REPORTED_TEMPERATURE

    names = [s.name for s in specs]

    def report():
        # validity: one stderr line per device whose fitted rate reached the ceiling
        beyond = [names[j] for j in range(n) if fstate[j, F_BEYOND] != 0.0]
        for j in range(n):
            if fstate[j, F_BEYOND] != 0.0:
                warn_beyond_ceiling(f"drift device {names[j]}", specs[j].params)
        return {"drift_time_dropped_s": float(scratch[S_DROPPED]),
                "drift_truncated_steps": int(scratch[S_TRUNCATED]),
                "drift_beyond_ceiling": beyond}

    return [Group("drift", index, block, kernel(), g0, temp0,
                  {"fstate": fstate, "p": pvec, "index": index, "scratch": scratch},
                  report=report)]


class DriftType(DeviceType):
    name = "drift"
    summary = "TaOx drift memristor (Strachan et al. 2013): non-volatile, deterministic"
    noun = "a drift memristor"
    memory = MemoryCell(model="preset=TaOx", state_key="x0", lrs=1.0, hrs=0.0, low=0.0, high=1.0,
                        aliases=("drift_model", "x_lrs", "x_hrs"))
    variable = True  # every parameter; law_keys vary for top-level devices only
    law_keys = frozenset({"g_m", "a_fp", "b_fp"})  # written into expression()
    stuck_states = ("lrs", "hrs")
    default_preset = "TaOx"
    simulate_keys = {"x0": "initial state(s) in [0, 1], a number or shape (R,); default 0 (HRS)"}

    @property
    def params_class(self):
        from ..devices.drift import DriftParams

        return DriftParams

    def preset_names(self) -> list:
        from ..devices.drift import preset_names

        return preset_names()

    def init_label(self, init) -> str:
        return f"x0={init!r}"

    def simulate(self, params, t, v, *, realizations: int = 1, seed: int = 0,
                 series_resistance: float = 0.0, t_out=None, n_out: int = 1001,
                 first_stream: int = 0, x0=0.0):
        """:func:`spicemem.devices.drift.simulate_drift` (a ``DriftResult``) of
        ``realizations`` devices started at ``x0`` (one state, or one per device); the model
        is deterministic, so ``seed`` and ``first_stream`` draw nothing."""
        from ..devices.drift import simulate_drift
        from ..devices.params import check_int_at_least

        realizations = check_int_at_least("realizations", realizations, 1)
        check_int_at_least("seed", seed, 0)
        check_int_at_least("first_stream", first_stream, 0)
        x = np.atleast_1d(np.asarray(x0, dtype=float))
        if x.size == 1:
            x = np.full(realizations, x[0])
        elif realizations not in (1, x.size):
            raise ValueError(f"realizations = {realizations} does not match {x.size} initial states")
        return simulate_drift(params, t, v, x0=x, series_resistance=series_resistance,
                              t_out=t_out, n_out=n_out)

    instance_params = staticmethod(instance_params)
    g_scale = staticmethod(g_scale)
    time_scale = staticmethod(time_scale)
    v_scale = staticmethod(v_scale)
    expression = staticmethod(expression)
    current = staticmethod(current)
    allocate = staticmethod(allocate)


TYPE = DriftType()
