"""The diffusive memristor as a bridge device type (the ``diffusive`` registry entry).

Netlist syntax::

    .model ag_sio diffusive (preset=wang2017_paper [temp=K] [field=value ...])
    N1 pre mid ag_sio [seed=INT] [temp=K] [state=off|on]

``.model`` keys are ``preset`` (a name of :func:`spicemem.devices.diffusive.preset_names`),
``temp`` (the ambient temperature, in K) and any field of
:class:`spicemem.devices.diffusive.DiffusiveParams` in SI, plus ``heating_ratio`` and
``theta_ambient``.  Instance keys: ``temp`` and ``state`` (``off``: the particles drawn
from the model's initial law, the default; ``on``: spread evenly across the gap).

What ngspice gets: the linear law ``I = V(a,b) V(smg) G_max`` (the source carries
G / G_max).  The group kernels are :func:`spicemem.bridge.kernels.diffusive_group`
(Langevin) and :func:`spicemem.bridge.kernels.diffusive_hybrid_group` (the hybrid
integrator).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import NetlistError
from .device_type import DeviceType, Group, model_number, new_block
from .layout import A_COUNTS, A_HC, A_KMAX, A_MODES, A_NG, A_NT, A_NV, A_TABLES, AUX, B_AUX, BLOCK

_INIT = ("off", "on")


def _kernel(hybrid: bool) -> int:
    # imported here, not at the top: importing the compiled kernels loads (or compiles)
    # them, which a netlist check must not pay for
    from .kernels import diffusive_group, diffusive_hybrid_group

    return (diffusive_hybrid_group if hybrid else diffusive_group).address


class DiffusiveType(DeviceType):
    name = "diffusive"
    summary = "Ag nanoparticles in an oxide (Wang et al. 2017): volatile, stochastic"
    noun = "a diffusive memristor"
    temp_field = "t_ambient"
    extra_fields = {"heating_ratio": float, "theta_ambient": float}
    variable = True
    stuck_states = ("on", "off")
    default_preset = "wang2017_paper"
    simulate_keys = {"x0": "initial particle positions in m, shape (N,) or (R, N)",
                     "temperature0": "initial device temperature in K, scalar or (R,)",
                     "snapshot_times": "times (s) at which particle positions are recorded"}

    @property
    def params_class(self):
        from ..devices.diffusive import DiffusiveParams

        return DiffusiveParams

    def preset_names(self) -> list:
        from ..devices.diffusive import preset_names

        return preset_names()

    def simulate(self, params, t, v, **options):
        """:func:`spicemem.devices.ensemble.simulate` (a ``DiffusiveResult``)."""
        from ..devices.ensemble import simulate

        return simulate(params, t, v, **options)

    def instance_params(self, params, raw: dict, where: str):
        init = "off"
        for key, value in raw.items():
            if key == "temp":
                try:
                    params = params.replace(t_ambient=model_number(key, value, where))
                except ValueError as exc:
                    raise NetlistError(f"{where}: {exc}") from None
            elif key == "state":
                init = value.lower()
                if init not in _INIT:
                    raise NetlistError(f"{where}: parameter 'state' must be one of "
                                       f"{', '.join(_INIT)}, found {value!r}")
            else:
                raise NetlistError(f"{where}: unknown instance parameter {key!r} "
                                   f"(known: seed, temp, state)")
        return params, init

    def g_scale(self, params) -> float:
        return params.g_max

    def time_scale(self, params) -> float:
        return params.tau_thermal if params.feedback_time is None else params.feedback_time

    def v_scale(self, params) -> float:
        return params.v_threshold

    def validity(self, params, temperature_k, names) -> list:
        from ..devices.validity import check_diffusive

        return check_diffusive(params, temperature_k, names, what="device")

    def allocate(self, specs: list) -> list:
        """One group per distinct parameter object (same table, step and particle count)."""
        by_model: dict = {}
        for spec in specs:
            core_key = dataclasses.replace(spec.params, t_ambient=300.0)
            by_model.setdefault(core_key, []).append(spec)
        return [_allocate_group(members) for members in by_model.values()]


def _allocate_group(members: list) -> Group:
    from ..devices.ensemble import initial_state
    from ..kernels.diffusive import N_PARAMS, P_RSERIES, P_THETA0, resistance

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
    block = new_block(index)
    keep = {}
    hybrid = params0.integrator == "hybrid"
    if hybrid:
        keep = _hybrid_aux(core, n, fstate, rng, block)
        fstate = keep.pop("fstate")
    rec = BLOCK.record(block)
    rec["fstate"], rec["nf"] = fstate.ctypes.data, fstate.shape[1]
    rec["istate"], rec["ni"] = istate.ctypes.data, npart + 1
    rec["rng"] = rng.ctypes.data
    rec["p"], rec["np"] = pvec.ctypes.data, N_PARAMS
    rec["table"], rec["nt"] = table.ctypes.data, table.shape[0]
    rec["scratch"] = scratch.ctypes.data
    rec["tscale"] = sc.time
    rec["vscale"] = sc.voltage
    rec["gscale"] = sc.conductance
    rec["kscale"] = sc.temperature
    rec["dt"] = core.dt
    rec["inv_dx"] = core.inv_dx
    return Group("diffusive", index, block, _kernel(hybrid), g0, temp0,
                 {"fstate": fstate, "istate": istate, "rng": rng, "p": pvec,
                  "table": table, "scratch": scratch, "index": index,
                  "n_particles": npart, **keep})


def _hybrid_aux(core, n: int, fstate: np.ndarray, rng: np.ndarray, block: np.ndarray) -> dict:
    """State of the hybrid integrator for a group; returns the arrays to keep alive.

    The hybrid keeps a continuous device clock (in units of 1/kappa) in an extra column of
    the float state, because a hopping device does not advance on the Langevin step grid,
    and after it the N_CRN columns of its common-random-number state
    (:data:`spicemem.kernels.hopping.C_KEY` ...: read-out key, Gillespie hazard, r_M cache),
    keyed by the device's initial stream as in the standalone ensemble.  They live in the
    float state so that they are committed with it, at accepted points only.
    """
    from ..kernels.hopping import MODE_LANGEVIN, N_CRN, init_crn

    tab = core.hop_tables
    kmax = tab.minima.shape[1]
    counts = np.zeros((n, kmax), dtype=np.int64)
    modes = np.zeros((n, 2), dtype=np.int64)
    modes[:, 0] = MODE_LANGEVIN
    hc = np.ascontiguousarray(core.hybrid_control, dtype=np.float64)
    nf = fstate.shape[1]
    fs = np.zeros((n, nf + 1 + N_CRN))
    fs[:, :nf] = fstate
    crn = np.zeros((n, N_CRN))
    init_crn(rng, crn)
    fs[:, nf + 1:] = crn
    aux = AUX.zeros()
    aux[A_COUNTS], aux[A_MODES], aux[A_HC] = counts.ctypes.data, modes.ctypes.data, hc.ctypes.data
    aux[A_NV], aux[A_NT], aux[A_KMAX], aux[A_NG] = (tab.v.size, tab.inv_theta.size, kmax,
                                                    tab.u.size)
    tables = [np.ascontiguousarray(a) for a in tab]
    for q, a in enumerate(tables):
        aux[A_TABLES + q] = a.ctypes.data
    block[B_AUX] = aux.ctypes.data
    return {"fstate": fs, "counts": counts, "modes": modes, "hc": hc, "aux": aux, "tables": tables}


TYPE = DiffusiveType()
