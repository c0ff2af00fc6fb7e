"""The diffusive Ag-in-oxide memristor of Wang et al. (2017) in SI units.

See :mod:`spicemem.kernels.diffusive` for the equations and
:mod:`spicemem.devices.units` for the mapping between SI and the dimensionless core.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from . import params as _v
from . import presets as _presets
from .units import K_B_EV, Scales, heating_ratio, thermal_conductance

#: Force-table resolution: 4096 intervals on [-1, 1] (32 KiB, fits the L1 cache).  The
#: linear-interpolation error is <= dx^2 max|F''| / 8 ~ 1e-3 w_p/L against forces of
#: order 10-40 w_p/L, far below the noise of one step.
TABLE_INTERVALS = 4096


#: The range of each parameter over which the model and its numerics are meant to be used,
#: in SI (the unit is the third entry), with the reason.  Values outside are refused.
VALID_RANGES = {
    "v_threshold": (1e-3, 100.0, "V", "threshold voltages of diffusive devices lie between "
                    "tens of mV and a few V; the range leaves a decade either side"),
    "tau_thermal": (1e-15, 1e3, "s", "the time unit of the kernels; beyond this range steps "
                    "under- or overflow the transient's time resolution"),
    "r_tunnel": (1e-9, 1e12, "Ohm", "the tunnelling amplitude of eq. 3; outside it the ON "
                 "resistance leaves what a circuit simulator can represent"),
    "w_pin": (1e-3, 5.0, "eV", "activation energies of ionic motion in oxides are 0.01-2 eV"),
    "t_ambient": (1.0, 1500.0, "K", "a solid oxide with Ag clusters (Ag melts at 1235 K); "
                  "below 1 K no activated motion happens at all"),
    "g_thermal": (1e-15, 1e-1, "W/K", "an effective thermal coupling: below 1e-15 W/K a "
                  "nanowatt would heat the device by a million kelvin"),
    "half_length": (1e-10, 1e-5, "m", "switching layers are nanometres to a micrometre thick"),
    "n_particles": (1, 1000, "", "the model follows tens of nanoparticles; the cost of a step "
                    "grows with N and the first evaluation of eq. 3 sorts in O(N^2)"),
    "tunnel_length_ratio": (0.01, 10.0, "", "below 0.01 exp(gap / lambda) over a gap of 2 L "
                            "approaches the largest double (eq. 3 overflows)"),
    "well_width_ratio": (1e-3, 1.0, "", "a well wider than the layer is not a well"),
    "pin_period_ratio": (1e-3, 2.0, "", "the pinning period is a fraction of the layer"),
    "well_depth_ratio": (0.0, 1e3, "", "deeper wells never release a particle in any time a "
                         "simulation reaches"),
    "field_ratio": (0.0, 1e3, "", "the electric work per pinning period at V_th, a few tenths "
                    "in the paper"),
    "friction_ratio": (1e-6, 1e6, "", "the damping of eq. 4 in units of w_p / (kappa L^2)"),
    "coupling_steps": (1, 1000, "", "steps between evaluations of eq. 3; more would leave the "
                       "device voltage stale over many thermal times"),
    "feedback_time": (1e-15, 1e3, "s", "a circuit feedback time"),
    "dt_factor": (1e-3, 1.0, "", "the step rule's factor (0.0125-0.2 are measured in "
                  "tests/test_convergence.py); smaller ones only multiply the cost, and 1e-308 "
                  "made one kernel call never end (the fuzz hunt, bench/fuzz_netlists.py)"),
}
#: k_B T0 / w_p: below it barriers of one w_p exceed 1000 k_B T (exp(-1000) underflows); above
#: it the pinning landscape no longer matters and the model describes nothing it was made for.
THETA_RANGE = (1e-3, 10.0)
#: R_min and R_max of eq. 3, in Ohm: what ngspice can hold as a conductance next to its
#: gmin of 1e-12 S and its tolerances.
RESISTANCE_RANGE = (1e-3, 1e18)


@dataclass(frozen=True)
class DiffusiveParams:
    """Parameters of the diffusive memristor.

    Parameters
    ----------
    v_threshold : float
        Threshold voltage V_th, in V: the voltage scale of the model.
    tau_thermal : float
        Thermal time 1/kappa, in s: the time scale of the model.
    r_tunnel : float
        Tunnelling amplitude R_t of eq. 3, in Ohm.
    w_pin : float
        Pinning barrier w_p, in eV; sets the activation energy of relaxation.
    t_ambient : float
        Ambient temperature T0, in K.
    g_thermal : float
        Thermal conductance G_th to the ambient, in W/K (Joule heating of eq. 5).
    half_length : float
        Half-thickness L of the switching layer, in m (reporting positions only).
    n_particles : int
        Number N of mobile Ag nanoparticles.
    tunnel_length_ratio : float
        lambda / L, dimensionless.
    well_width_ratio : float
        Width R_1 of the interfacial wells over L, dimensionless.
    pin_period_ratio : float
        Period R_p of the pinning potential over L, dimensionless.
    cluster_position_ratio : float
        Position x_c of the interfacial wells over L, in (0, 1).
    well_depth_ratio : float
        Interfacial well depth w_i / w_p, dimensionless.
    field_ratio : float
        Electric work across one pinning period at V_th over the well depth,
        alpha V_th R_p / (L w_i), dimensionless (the paper's 0.3).
    friction_ratio : float
        eta kappa L^2 / w_p, dimensionless (the paper's estimate: about 1).
    noise : {"three-point", "gaussian"}
        Distribution of the Langevin increments. "three-point" draws +-sqrt(3) sigma with
        probability 1/6 each and 0 otherwise: its moments equal the Gaussian's up to the
        fifth, which is all the weak order-2 Heun scheme needs (Kloeden & Platen,
        Sect. 14.2), at a quarter of the random bits; "gaussian" for validation.
    dt_factor : float
        Step rule: dt = dt_factor * eta' / max|U''| in units of 1/kappa (see Notes).
        Default 0.2; the measured-device presets set 0.05.
    coupling_steps : int
        Langevin steps between two evaluations of eq. 3 while a voltage is applied (the
        device voltage and Joule power are refreshed at that rate; see
        :func:`spicemem.kernels.diffusive.advance`).  1 evaluates it every step.
    integrator : {"hybrid", "langevin"}
        "hybrid" (default) hops between wells by exact mean-first-passage rates while the
        device is cold (see :mod:`spicemem.kernels.hopping`) and runs Langevin dynamics
        otherwise; "langevin" forces pure Langevin dynamics (for validation).
    hop_enter, hop_exit : float
        The hybrid hops while every occupied well's margin is at least ``hop_enter`` and
        returns to Langevin below ``hop_exit``; the margin is the smaller of the lowest
        barrier out of the well over k_B T and -log of the fraction of time a particle of
        that well spends in transit between wells (:func:`spicemem.kernels.hopping.basin_rates`).
        A hop into a well whose margin is below ``hop_exit`` hands the device to Langevin.
    feedback_time : float, optional
        The fastest time, in s, over which the device and the circuit feed back on each
        other under bias (a Joule-heated switching burst behind a compliance).  The ngspice
        bridge caps its steps at half of it while a device is biased.  Default: the thermal
        time ``tau_thermal``.  The measured-device presets, whose heating ratio is ~1e5,
        set 0.5 us (docs/presets.md).

    Notes
    -----
    The explicit step of an over-damped particle is stable for dt < 2 eta/|U''| and
    accurate for dt << eta/|U''|.  The curvature of the potential, not the thermal time,
    therefore sets the step: the paper's dt = 2e-6/kappa is about 60x below what
    ``dt_factor = 0.2`` gives for its parameters.

    The default 0.2 (0.05 until issue 17) was validated over the validity map: pure
    Langevin at 0.2 against 0.05 on independent streams in every cell of the map (device
    voltage 0-3 V_th, ambient k_B T0/w_p 0.10-0.45, held and pulsed; G, delay, relaxation
    and end-state tests, Holm and BH over all of them) agrees for ``wang2017_fig4`` and
    ``wang2017_paper`` and wherever a device stays below k_B T ~ 5 w_p
    (``bench/langevin_dt_map.py``, docs/bridge.md).  It does not hold in thermal runaway:
    the measured-device presets (G_th so small that a bare device above ~2 V_th heats to
    k_B T ~ 1e3-1e4 w_p, far outside the validity range) lose up to 50 % of their G at
    0.2 and 17 % at 0.1, while 0.05, 0.025 and 0.0125 agree there; those presets keep
    0.05.  ``tests/test_convergence.py`` halves the default step and compares 0.2 with 0.05.

    Walls: the paper does not say what happens at the terminals; particles are reflected
    at x = +-L.

    References
    ----------
    Z. Wang et al., "Memristors with diffusive dynamics as synaptic emulators for
    neuromorphic computing", Nat. Mater. 16, 101 (2017), Methods.
    """

    v_threshold: float = 1.0
    tau_thermal: float = 1.0e-6
    r_tunnel: float = 1.0e3
    w_pin: float = 0.0861733
    t_ambient: float = 300.0
    g_thermal: float = 8.617333262e-5 / (0.0861733 * 1.0e3)
    half_length: float = 7.5e-9
    n_particles: int = 40
    tunnel_length_ratio: float = 0.2
    well_width_ratio: float = 0.1
    pin_period_ratio: float = 0.15
    cluster_position_ratio: float = 0.85
    well_depth_ratio: float = 4.5
    field_ratio: float = 0.3
    friction_ratio: float = 1.0
    noise: str = "three-point"
    dt_factor: float = 0.2
    coupling_steps: int = 4
    integrator: str = "hybrid"
    hop_enter: float = 4.5
    hop_exit: float = 3.5
    feedback_time: float | None = None

    def __post_init__(self):
        for name in ("v_threshold", "tau_thermal", "r_tunnel", "w_pin", "t_ambient",
                     "g_thermal", "half_length", "tunnel_length_ratio", "well_width_ratio",
                     "pin_period_ratio", "friction_ratio"):
            object.__setattr__(self, name, _v.check_positive(name, getattr(self, name)))
        for name in ("well_depth_ratio", "field_ratio"):
            object.__setattr__(self, name, _v.check_nonnegative(name, getattr(self, name)))
        object.__setattr__(self, "n_particles", _v.check_int_at_least("n_particles", self.n_particles, 1))
        object.__setattr__(self, "coupling_steps", _v.check_int_at_least("coupling_steps", self.coupling_steps, 1))
        _v.check_open_interval("cluster_position_ratio", self.cluster_position_ratio, 0.0, 1.0)
        _v.check_open_interval("dt_factor", self.dt_factor, 0.0, 1.0)
        _v.check_choice("noise", self.noise, {"three-point", "gaussian"})
        _v.check_choice("integrator", self.integrator, {"hybrid", "langevin"})
        _v.check_positive("hop_exit", self.hop_exit)
        if self.feedback_time is not None:
            object.__setattr__(self, "feedback_time", _v.check_positive("feedback_time", self.feedback_time))
        for name, (lo, hi, unit, why) in VALID_RANGES.items():
            value = getattr(self, name)
            if value is not None:
                _v.check_range(name, value, lo, hi, unit, why)
        theta = self.theta_ambient
        if not THETA_RANGE[0] <= theta <= THETA_RANGE[1]:
            raise ValueError(f"k_B t_ambient / w_pin = {theta:.3g} (t_ambient = {self.t_ambient:g} K, "
                             f"w_pin = {self.w_pin:g} eV) is outside [{THETA_RANGE[0]:g}, "
                             f"{THETA_RANGE[1]:g}]: activated hopping over the pinning barriers is "
                             f"what the model describes")
        for label, value in (("R_min", self.r_min), ("R_max", self.r_max)):
            if not RESISTANCE_RANGE[0] <= value <= RESISTANCE_RANGE[1]:
                raise ValueError(f"{label} = {value:.3g} Ohm (from r_tunnel, n_particles and "
                                 f"tunnel_length_ratio) is outside [{RESISTANCE_RANGE[0]:g}, "
                                 f"{RESISTANCE_RANGE[1]:g}] Ohm, what ngspice can hold as a "
                                 f"conductance")
        if not _v.check_finite("hop_enter", self.hop_enter) >= self.hop_exit:
            raise ValueError(f"parameter 'hop_enter' must be >= hop_exit ({self.hop_exit!r}), "
                             f"got {self.hop_enter!r}")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str, *, presets=None, **overrides) -> "DiffusiveParams":
        """The named preset (see :func:`preset_names`) with ``overrides`` applied.

        ``heating_ratio`` (dimensionless c) may be given instead of ``g_thermal``, and
        ``theta_ambient`` (k_B T0/w_p) instead of ``t_ambient``.  ``presets``: a user
        preset file (TOML, e.g. written by ``spicemem fit``) to take ``name`` from instead
        of the package's presets (:func:`spicemem.devices.presets.load_file`).
        """
        table = _load_presets() if presets is None else _presets.load_file(presets)
        if name not in table:
            raise ValueError(f"unknown preset {name!r}; known: {', '.join(sorted(table))}")
        # "description" cites the sources; "fit" (written by spicemem fit) holds the
        # uncertainties and correlations of a fitted preset: neither is a parameter
        data = {k: v for k, v in table[name].items() if k not in ("description", "fit")}
        # an override of one of two equivalent keys replaces the preset's other one
        for a, b in (("g_thermal", "heating_ratio"), ("t_ambient", "theta_ambient")):
            if a in overrides and b not in overrides:
                data.pop(b, None)
            if b in overrides and a not in overrides:
                data.pop(a, None)
        data.update(overrides)
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: dict) -> "DiffusiveParams":
        """Build from a mapping of field names (plus ``heating_ratio``/``theta_ambient``)."""
        data = dict(data)
        fields = {f.name for f in dataclasses.fields(cls)}
        extra = set(data) - fields - {"heating_ratio", "theta_ambient"}
        if extra:
            bad = sorted(extra)[0]
            raise ValueError(f"unknown parameter {bad!r} for a diffusive memristor")
        base = {f.name: f.default for f in dataclasses.fields(cls)}
        base.update({k: v for k, v in data.items() if k in fields})
        if "theta_ambient" in data:
            th = _v.check_positive("theta_ambient", data["theta_ambient"])
            base["t_ambient"] = th * _v.check_positive("w_pin", base["w_pin"]) / K_B_EV
        if "heating_ratio" in data:
            c = _v.check_positive("heating_ratio", data["heating_ratio"])
            if "g_thermal" in data:
                raise ValueError("give either 'heating_ratio' or 'g_thermal', not both")
            base["g_thermal"] = thermal_conductance(
                _v.check_positive("v_threshold", base["v_threshold"]),
                _v.check_positive("w_pin", base["w_pin"]),
                _v.check_positive("r_tunnel", base["r_tunnel"]), c)
        return cls(**base)

    def replace(self, **changes) -> "DiffusiveParams":
        """A copy with ``changes`` (same keys as :meth:`from_mapping`)."""
        data = dataclasses.asdict(self)
        if "heating_ratio" in changes:
            data.pop("g_thermal")
        if "theta_ambient" in changes:
            data.pop("t_ambient")
        data.update(changes)
        return self.from_mapping(data)

    # -- derived quantities ---------------------------------------------------------------
    @property
    def scales(self) -> Scales:
        return Scales(time=self.tau_thermal, voltage=self.v_threshold,
                      resistance=self.r_tunnel, energy_ev=self.w_pin, length=self.half_length)

    @property
    def theta_ambient(self) -> float:
        """k_B T0 / w_p, dimensionless."""
        return K_B_EV * self.t_ambient / self.w_pin

    @property
    def heating_ratio(self) -> float:
        """c = C_T V_th^2 k_B / (kappa w_p R_t), dimensionless."""
        return heating_ratio(self.v_threshold, self.w_pin, self.r_tunnel, self.g_thermal)

    @property
    def field_coupling(self) -> float:
        """a = alpha V_th / w_p (force per unit voltage in w_p/L per V_th)."""
        return self.field_ratio * self.well_depth_ratio / self.pin_period_ratio

    @property
    def r_min(self) -> float:
        """Minimum of eq. 3 (evenly spaced particles), in Ohm: (N+1) R_t exp(2L/((N+1) lambda))."""
        n1 = self.n_particles + 1
        return self.r_tunnel * n1 * np.exp(2.0 / (n1 * self.tunnel_length_ratio))

    @property
    def g_max(self) -> float:
        """1 / r_min, in S: the paper's normalisation of the conductance."""
        return 1.0 / self.r_min

    @property
    def r_max(self) -> float:
        """Eq. 3 with every particle at one terminal, in Ohm: R_t (N + exp(2L/lambda))."""
        return self.r_tunnel * (self.n_particles + np.exp(2.0 / self.tunnel_length_ratio))

    @cached_property
    def core(self) -> "CoreModel":
        """The dimensionless model for the kernels (built once per parameter object)."""
        return _build_core(self)


@dataclass(frozen=True)
class CoreModel:
    """Everything a kernel needs, in dimensionless units (built by DiffusiveParams.core)."""

    params: DiffusiveParams
    p: np.ndarray  # parameter vector, see spicemem.kernels.diffusive.P_*
    table: np.ndarray  # force -U' on TABLE_INTERVALS+1 points of [-1, 1]
    inv_dx: float
    dt: float  # Euler step in units of 1/kappa
    w_i: float
    r_1: float
    x_c: float
    r_p: float

    @cached_property
    def hop_tables(self):
        """Hopping tables (see :mod:`spicemem.kernels.hopping`), built on first use."""
        return _build_hop_tables(self)

    @cached_property
    def hybrid_control(self) -> np.ndarray:
        from ..kernels import hopping as hk

        hc = np.zeros(hk.N_HYBRID)
        hc[hk.H_ENTER] = self.params.hop_enter
        hc[hk.H_EXIT] = self.params.hop_exit
        hc[hk.H_CHECK] = HOP_CHECK
        hc[hk.H_THETA_TOL] = HOP_THETA_TOL
        hc[hk.H_DV_TOL] = HOP_DV
        hc[hk.H_MODE] = 1.0 if self.params.integrator == "hybrid" else 0.0
        hc[hk.H_LOCAL] = HOP_LOCAL
        return hc

    def boltzmann_cdf(self, theta: float, v: float = 0.0, n: int = 20001):
        """Grid and CDF of exp(-(U - a v x)/theta) on [-1, 1] (for initial states).

        Memoized per (theta, v, n) on this object: the bridge draws the initial state of
        thousands of devices of one model (read-only arrays, shared).
        """
        memo = self.__dict__.setdefault("_cdf_memo", {})
        key = (float(theta), float(v), int(n))
        if key not in memo:
            grid, cdf = self._boltzmann_cdf(theta, v, n)
            grid.flags.writeable = False
            cdf.flags.writeable = False
            memo[key] = (grid, cdf)
        return memo[key]

    def _boltzmann_cdf(self, theta, v, n):
        from ..kernels.diffusive import potential

        grid = np.linspace(-1.0, 1.0, n)
        u = potential(grid, self.w_i, self.r_1, self.x_c, self.r_p) - self.p[1] * v * grid
        w = np.exp(-(u - u.min()) / theta)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (w[1:] + w[:-1]) * np.diff(grid))])
        return grid, cdf / cdf[-1]


#: Hopping tables: device voltages |v| <= HOP_V_MAX V_th every HOP_DV (the residual tilt
#: is corrected to first order; the second-order error, (a dv)^2/(8 U'' theta), is < 1e-4);
#: temperatures k_B T/w_p from HOP_THETA_MIN to HOP_THETA_MAX, HOP_N_THETA points uniform in
#: 1/theta; HOP_GRID quadrature points on [-L, L].  Every well is its own basin (no
#: merging: issue 14); where hopping holds is decided per run by the margins of
#: spicemem.kernels.hopping.basin_rates, not by the table's extent.
HOP_V_MAX = 2.5
HOP_DV = 0.02
HOP_THETA_MIN = 0.03
HOP_THETA_MAX = 0.5
HOP_N_THETA = 32
HOP_GRID = 2001
HOP_KMAX = 40
#: A particle counts as sitting in its well within HOP_LOCAL k_B T of the well's minimum
#: (an equilibrated harmonic particle is above that 0.5 % of the time).
HOP_LOCAL = 4.0
#: Langevin steps between two checks whether a device may hop.  A hop into a shallow well
#: (e.g. the shoulder wells, 0.52 w_p = 3.45 k_B T at k_B T/w_p = 0.15) hands the device to
#: Langevin dynamics until the particle is back in a deep well (issue 14); checking every 16
#: steps would bring it back sooner (10.7 -> 7.6 ms CPU per relaxation at 0.15, 8 devices)
#: but changes the rounding of the Langevin clock, and with it the bit-for-bit identity of a
#: hybrid that never hops with pure Langevin (tests/test_hopping.py): kept at 64.
HOP_CHECK = 64
#: Largest relative change of theta over one hopping macro-step (rates use its midpoint).
HOP_THETA_TOL = 0.002


def _build_hop_tables(core: "CoreModel"):
    # The tables depend on the landscape and the friction only, not on the ambient
    # temperature (they span a range of temperatures): share them between parameter sets
    # that differ in temperature, heating or circuit values (temperature sweeps, devices
    # at several temperatures in one netlist).
    return _hop_tables_for(core.w_i, core.r_1, core.x_c, core.r_p, float(core.p[1]), float(core.p[2]))


@lru_cache(maxsize=8)
def _hop_tables_for(w_i, r_1, x_c, r_p, a, eta):
    from ..kernels import hopping as hk

    v_grid = np.arange(-HOP_V_MAX, HOP_V_MAX + 0.5 * HOP_DV, HOP_DV)
    inv_theta = np.linspace(1.0 / HOP_THETA_MAX, 1.0 / HOP_THETA_MIN, HOP_N_THETA)
    from ..kernels.records import Landscape

    nv, nt, km = v_grid.size, inv_theta.size, HOP_KMAX
    xg = np.linspace(-1.0, 1.0, HOP_GRID)
    u_base = hk.potential(xg, w_i, r_1, x_c, r_p)
    per_v = [np.zeros((nv, km)) for _ in range(7)]  # minima curvature slope barriers saddles
    per_vt = [np.zeros((nv, nt, km)) for _ in range(4)]  # log_t right/left, log_x right/left
    out = hk.HopTables(v=v_grid, inv_theta=inv_theta, n_basins=np.zeros(nv, np.int64),
                       edges=np.zeros((nv, km + 1)), minima=per_v[0], curvature=per_v[1],
                       slope=per_v[2], barrier_right=per_v[3], barrier_left=per_v[4],
                       saddle_right=per_v[5], saddle_left=per_v[6], log_t_right=per_vt[0],
                       log_t_left=per_vt[1], u=u_base, log_x_right=per_vt[2], log_x_left=per_vt[3])
    hk.build_tables(Landscape(w_i, r_1, x_c, r_p, a, eta), HOP_GRID, km, out)
    if np.any(out.n_basins < 0):
        raise ValueError(f"the landscape has more than {km} wells (pin_period_ratio "
                         f"{r_p!r} too small for the hopping tables)")
    for arr in out:
        arr.flags.writeable = False  # shared between parameter sets
    return out


def _build_core(params: DiffusiveParams) -> CoreModel:
    from ..kernels import diffusive as k

    w_i, r_1 = params.well_depth_ratio, params.well_width_ratio
    x_c, r_p = params.cluster_position_ratio, params.pin_period_ratio
    grid = np.linspace(-1.0, 1.0, TABLE_INTERVALS + 1)
    table = k.force(grid, w_i, r_1, x_c, r_p)
    fine = np.linspace(-1.0, 1.0, 200001)
    kmax = np.max(np.abs(k.curvature(fine, w_i, r_1, x_c, r_p)))
    p = np.zeros(k.N_PARAMS)
    p[k.P_LAM] = params.tunnel_length_ratio
    p[k.P_FIELD] = params.field_coupling
    p[k.P_ETA] = params.friction_ratio
    p[k.P_HEAT] = params.heating_ratio
    p[k.P_THETA0] = params.theta_ambient
    p[k.P_RSERIES] = 0.0
    p[k.P_NOISE] = 1.0 if params.noise == "gaussian" else 0.0
    p[k.P_COUPLING] = float(params.coupling_steps)
    dt = params.dt_factor * params.friction_ratio / kmax
    return CoreModel(params, p, table, TABLE_INTERVALS / 2.0, dt, w_i, r_1, x_c, r_p)


def _load_presets() -> dict:
    return _presets.load("presets.toml")


def preset_names() -> list[str]:
    """Names of the diffusive-memristor presets."""
    return _presets.names("presets.toml")


def preset_description(name: str) -> str:
    """The description (sources of every number) of a diffusive-memristor preset."""
    return _presets.description("presets.toml", name)
