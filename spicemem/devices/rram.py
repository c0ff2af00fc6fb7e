"""The Stanford/PKU metal-oxide RRAM compact model (Jiang et al. 2016) in SI units.

See :mod:`spicemem.kernels.rram` for the equations and the integrator, and
``docs/rram_model.md`` for the source of every number and what was measured.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..errors import SimulationError
from . import params as _v
from . import presets as _presets
from .units import K_B_EV
from .result import DeviceResult
from .waveforms import integration_grid

_PRESET_FILE = "rram_presets.toml"

#: The range of each parameter over which the model and its numerics are meant to be used,
#: in SI (the unit is the third entry), with the reason.  Values outside are refused.
#: "Guide" is the Quick User Guide of the authors' Verilog-A v1.0.0 (Table 3, suggested
#: ranges); ".va" the ``from`` ranges declared in the Verilog-A itself.
VALID_RANGES = {
    "i0": (1e-12, 1e-2, "A", "guide: 1 pA - 1 mA; the .va allows up to 10 mA"),
    "g0": (1e-12, 2e-9, "m", "the .va's (0, 2 nm); below 1 pm exp(-g/g0) underflows over "
           "the gap range"),
    "v0": (1e-3, 10.0, "V", "guide and .va: (0, 10] V; below 1 mV sinh(V/V0) overflows "
           "at 0.7 V"),
    "vel0": (1e-12, 20.0, "m/s", "the .va's (0, 20) m/s (guide: nm/ns)"),
    "ea": (0.05, 2.0, "eV", "the .va declares (0, 1) eV, but Jiang 2016 fits 1.24-1.54 eV; "
           "migration barriers of oxygen in oxides lie within 0.05-2 eV"),
    "a0": (5e-11, 1e-9, "m", "a hopping distance of the order of a lattice spacing"),
    "tox": (2e-9, 1e-7, "m", "guide, scope table: oxide thickness ~2 nm to ~100 nm"),
    "gamma0": (1.0, 50.0, "", "guide: 5-50; Jiang 2016 fits values down to a few"),
    "gamma0_reset": (1.0, 50.0, "", "as gamma0"),
    "beta": (0.0, 50.0, "", "guide: (0, gamma0]; gamma must stay positive (checked below)"),
    "alpha": (0.0, 10.0, "", "curvature of the RESET (Jiang 2016 eq. 4); the .va uses 3"),
    "f_min": (0.0, 3e9, "V/m", "guide and .va: (0, 3e9] V/m; 0 removes the cut-off"),
    "g_min": (0.0, 1e-8, "m", "the .va's gap range (0, 10 nm); Jiang 2016: ~0-3 nm"),
    "g_max": (0.0, 1e-8, "m", "as g_min"),
    "gap_ini": (0.0, 1e-8, "m", "as g_min (and inside [g_min, g_max], checked below)"),
    "r_th": (0.0, 1e8, "K/W", "guide: (0, 1e8] K/W"),
    "t_ambient": (4.0, 500.0, "K", "guide: 4-500 K"),
    "t_crit": (390.0, 460.0, "K", "the .va's (390, 460) K"),
    "t_smth": (400.0, 600.0, "K", "the .va's (400, 600) K"),
    "delta_gap0": (0.0, 0.1, "m/s", "the .va's [0, 0.1)"),
    "noise_interval": (1e-15, 1.0, "s", "the .va's time_step range (1e-15, 1) s"),
}


@dataclass(frozen=True)
class RRAMParams:
    """Parameters of the Stanford/PKU RRAM (defaults: the ``stanford_hfox`` preset).

    Parameters
    ----------
    i0 : float
        Current prefactor I0 of eq. 6, in A.
    g0 : float
        Gap decay length g0 of the current, in m.
    v0 : float
        Voltage scale V0 of the current's sinh, in V.
    vel0 : float
        Gap velocity prefactor nu0 of eq. 1 (attempt frequency times hop), in m/s.
    ea : float
        Activation energy E_A of vacancy generation / oxygen migration, in eV.
    a0 : float
        Hopping-site distance a0, in m.
    tox : float
        Switching-oxide thickness t_ox, in m.
    gamma0 : float
        Field enhancement gamma0 of eq. 4 for V > 0 (SET), dimensionless.
    gamma0_reset : float
        gamma0 for V < 0 (RESET), dimensionless (Jiang 2016 Sect. III allows different SET
        and RESET values; the Verilog-A hard-codes 16).
    beta : float
        Slope beta of eq. 4, dimensionless.
    alpha : float
        Exponent alpha of eq. 4 (gap measured in nm), dimensionless.
    f_min : float
        Minimum field gamma |V| / t_ox for any gap motion, in V/m (the Verilog-A's
        F_min; below it gamma is set to 0).
    g_min, g_max : float
        Bounds of the gap, in m.
    gap_ini : float
        Default initial gap, in m.
    r_th : float
        Effective thermal resistance R_th of eq. 5, in K/W.
    t_ambient : float
        Ambient temperature T0, in K.
    t_crit : float
        Temperature T_crit of eq. 3 above which the variation grows, in K.
    t_smth : float
        Smoothing T_smth of eq. 3, in K.
    delta_gap0 : float
        Variation amplitude delta_g0 of eq. 3, in m/s (it is added to dg/dt).
    variation : bool
        Switch the random term of eq. 2 on (the Verilog-A's ``model_switch = 1``).
    noise_interval : float
        Time over which one Gaussian draw chi is held, in s (the Verilog-A's
        ``time_step`` bound, 1 ns).  The gap moves by delta_g chi noise_interval per draw.
    rtol : float
        Relative local error tolerance of the gap integrator, in (0, 1).
    atol : float
        Absolute local error tolerance on the gap, in m.
    h_min : float
        Sub-step below which a step is accepted without error control, in s.
    h_max : float
        Largest sub-step, in s; 0 means no limit.

    Notes
    -----
    Sign convention as in the Verilog-A: V = V(TE) - V(BE) > 0 shrinks the gap (SET),
    V < 0 grows it (RESET); at V = 0 without variation the gap is exactly frozen.

    The minimum field F_min is a hard threshold: no gap motion while
    gamma |V| < F_min t_ox, i.e. below |V| = 1.05 V (LRS) ... 1.39 V (HRS) for the
    preset.  Above it SET runs away (a shrinking gap raises current, temperature and
    gamma together) until g_min, unless a series resistance limits it; RESET is
    self-limiting (the growing gap cools the filament and lowers gamma).

    The variation term, as published, acts at every time including zero bias (the
    random term has no voltage factor): with the preset's delta_g0 = 0.02 m/s a gap
    diffuses by 0.085 nm (one sd) in 100 ns at rest, 0.85 nm in 10 us.  The authors use 0.02-0.05 m/s for pulse
    decks of ~100 ns and 5e-5 m/s for ms DC sweeps (their benchmark netlists).

    The published Verilog-A clamps the *output* of its ``idt`` but not the integrator's
    state, which can wind beyond the bounds; here the state itself is projected onto
    [g_min, g_max], the physical reading of "gap bounds".

    References
    ----------
    Z. Jiang et al., "A compact model for metal-oxide resistive random access memory with
    experiment verification", IEEE Trans. Electron Devices 63(5), 1884 (2016).
    X. Guan, S. Yu, H.-S. P. Wong, "A SPICE compact model of metal oxide resistive
    switching memory with variations", IEEE Electron Device Lett. 33(10), 1405 (2012).
    Z. Jiang et al., Stanford RRAM Verilog-A model v1.0.0, doi:10.4231/D37H1DN48 (2014).
    """

    i0: float = 1.0e-3
    g0: float = 0.25e-9
    v0: float = 0.25
    vel0: float = 10.0
    ea: float = 0.6
    a0: float = 0.25e-9
    tox: float = 12.0e-9
    gamma0: float = 16.0
    gamma0_reset: float = 16.0
    beta: float = 0.8
    alpha: float = 3.0
    f_min: float = 1.4e9
    g_min: float = 0.2e-9
    g_max: float = 1.7e-9
    gap_ini: float = 0.2e-9
    r_th: float = 2.1e3
    t_ambient: float = 298.0
    t_crit: float = 450.0
    t_smth: float = 500.0
    delta_gap0: float = 0.02
    variation: bool = False
    noise_interval: float = 1.0e-9
    rtol: float = 1.0e-6
    atol: float = 1.0e-15
    h_min: float = 1.0e-18
    h_max: float = 0.0

    def __post_init__(self):
        for name, (lo, hi, unit, why) in VALID_RANGES.items():
            object.__setattr__(self, name, _v.check_range(name, getattr(self, name), lo, hi,
                                                          unit, why))
        if not isinstance(self.variation, bool):
            raise ValueError(f"parameter 'variation' must be True or False, got {self.variation!r}")
        object.__setattr__(self, "rtol", _v.check_open_interval("rtol", self.rtol, 0.0, 1.0))
        for name in ("atol", "h_min"):
            object.__setattr__(self, name, _v.check_positive(name, getattr(self, name)))
        object.__setattr__(self, "h_max", _v.check_nonnegative("h_max", self.h_max))
        if 0.0 < self.h_max < self.h_min:  # h_max = 1e-308 never finished (the fuzz probe)
            raise ValueError(f"parameter 'h_max' = {self.h_max:g} s must be 0 (no limit) or at least "
                             f"h_min = {self.h_min:g} s: a smaller sub-step never finishes a time point")
        if not self.g_min < self.g_max:
            raise ValueError(f"parameter 'g_max' must be > g_min ({self.g_min!r} m), "
                             f"got {self.g_max!r} m")
        if not self.g_min <= self.gap_ini <= self.g_max:
            raise ValueError(f"parameter 'gap_ini' must lie in [g_min, g_max] = [{self.g_min!r}, "
                             f"{self.g_max!r}] m, got {self.gap_ini!r} m")
        for name in ("gamma0", "gamma0_reset"):
            low = getattr(self, name) - self.beta * (self.g_max / 1e-9) ** self.alpha
            if low <= 0.0:
                raise ValueError(f"parameters {name!r} = {getattr(self, name)!r} and 'beta' = "
                                 f"{self.beta!r}: {name} must exceed beta (g_max/1 nm)^alpha = "
                                 f"{getattr(self, name) - low:.4g} so that gamma (eq. 4) stays "
                                 f"positive up to g_max")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str, *, presets=None, **overrides) -> "RRAMParams":
        """The named preset (see :func:`preset_names`) with ``overrides`` applied;
        ``presets``: a user preset file (TOML, e.g. written by ``spicemem fit``) to take
        ``name`` from instead of the package's presets."""
        data = _presets.values(_PRESET_FILE, name, presets)
        data.update(overrides)
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: dict) -> "RRAMParams":
        """Build from a mapping of field names; fields not given keep their defaults."""
        _presets.check_fields(cls, data, "an RRAM device")
        return cls(**dict(data))

    def replace(self, **changes) -> "RRAMParams":
        """A copy with ``changes`` (validated like :meth:`from_mapping`)."""
        data = dataclasses.asdict(self)
        data.update(changes)
        return self.from_mapping(data)

    # -- derived quantities ---------------------------------------------------------------
    def gamma(self, gap, reset: bool = False):
        """Field factor gamma0 - beta (gap/1 nm)^alpha of eq. 4 (before the F_min cut-off)."""
        g0 = self.gamma0_reset if reset else self.gamma0
        return g0 - self.beta * (np.asarray(gap, dtype=float) / 1e-9) ** self.alpha

    def threshold_voltage(self, gap, reset: bool = False):
        """|V| in V below which the gap cannot move: F_min t_ox / gamma(gap)."""
        return self.f_min * self.tox / self.gamma(gap, reset)

    def resistance(self, gap, v_read: float = 0.0):
        """Chord resistance v/I at ``v_read`` (V) for gaps in m, in Ohm (v -> 0 limit at 0)."""
        _v.check_finite("v_read", v_read)
        gap = np.asarray(gap, dtype=float)
        pre = self.i0 * np.exp(-gap / self.g0)
        if v_read == 0.0:
            return self.v0 / pre
        return v_read / (pre * np.sinh(v_read / self.v0))

    # -- the one SI -> kernel mapping ------------------------------------------------------
    def kernel_params(self, series_resistance: float = 0.0):
        """The parameter record ``p`` of :mod:`spicemem.kernels.rram` (a ``PARAMS`` record, SI).

        ``series_resistance`` (Ohm) sits between the source and the device; leave it 0
        when the caller (a circuit simulator) supplies the device voltage itself.
        """
        from ..kernels import rram as k  # kernels load Numba; the parameters alone do not

        rs = _v.check_nonnegative("series_resistance", series_resistance)
        p = np.zeros(1, dtype=k.PARAMS)[0]
        p["i0"] = self.i0
        p["g0"] = self.g0
        p["v0"] = self.v0
        p["log_nu0"] = np.log(self.vel0)
        p["ea_k"] = self.ea / K_B_EV
        # q a0 V / (t_ox k_B T) = (a0 / t_ox) V / (k_B T / q), with k_B/q = K_B_EV in V/K
        p["field_k"] = self.a0 / (self.tox * K_B_EV)
        p["gamma_set"] = self.gamma0
        p["gamma_reset"] = self.gamma0_reset
        p["beta"] = self.beta
        p["alpha"] = self.alpha
        p["fmin_tox"] = self.f_min * self.tox
        p["g_min"] = self.g_min
        p["g_max"] = self.g_max
        p["r_th"] = self.r_th
        p["t0"] = self.t_ambient
        p["t_crit"] = self.t_crit
        p["t_smth"] = self.t_smth
        p["dgap0"] = self.delta_gap0 if self.variation else 0.0
        p["noise_dt"] = self.noise_interval
        p["r_series"] = rs
        p["rtol"] = self.rtol
        p["atol"] = self.atol
        p["h_min"] = self.h_min
        p["h_max"] = self.h_max
        return p


@dataclass(frozen=True)
class RRAMResult(DeviceResult):
    """Time series of :func:`simulate_rram`, in SI (a
    :class:`~spicemem.devices.result.DeviceResult`: ``state`` is ``{"gap": gap}``,
    ``conductance`` the chord conductance I/V, ``extras`` holds ``series_resistance``).

    Attributes
    ----------
    t : ndarray (K,)                 output times, s
    source_voltage : ndarray (K,)    applied (source) voltage, V
    gap : ndarray (R, K)             tunnelling gap, m
    voltage : ndarray (R, K)         voltage across the device, V
    current : ndarray (R, K)         device current, A
    temperature : ndarray (R, K)     filament temperature (eq. 5), K
    series_resistance : float        Ohm
    seed : int
    params : RRAMParams
    """

    t: np.ndarray
    source_voltage: np.ndarray
    gap: np.ndarray
    voltage: np.ndarray
    current: np.ndarray
    temperature: np.ndarray
    series_resistance: float
    seed: int
    params: RRAMParams

    model = "rram"

    @property
    def realizations(self) -> int:
        return self.gap.shape[0]

    @property
    def state(self) -> dict:
        return {"gap": self.gap}

    @property
    def extras(self) -> dict:
        return {"series_resistance": self.series_resistance}

    @property
    def conductance(self) -> np.ndarray:
        """Chord conductance I/V in S, (R, K); its V -> 0 limit I0 exp(-g/g0)/V0 where V = 0."""
        p = self.params
        u = self.voltage / p.v0
        safe = np.where(u == 0.0, 1.0, u)
        ratio = np.where(u == 0.0, 1.0, np.sinh(safe) / safe)
        return p.i0 * np.exp(-self.gap / p.g0) / p.v0 * ratio


def simulate_rram(params: RRAMParams, t, v, *, gap0=None, series_resistance: float = 0.0,
                  seed: int = 0, realizations: int = 1, first_stream: int = 0, t_out=None,
                  n_out: int = 1001) -> RRAMResult:
    """Drive one or more Stanford/PKU RRAM devices with a piecewise-linear voltage.

    Parameters
    ----------
    params : RRAMParams
    t, v : array_like
        Breakpoints of the source waveform, in s and V (piecewise linear).
    gap0 : float or array_like (R,), optional
        Initial gap(s) in m inside [g_min, g_max]; default ``params.gap_ini``.  An array
        sets the number of realizations (then ``realizations`` must be 1 or equal).
    series_resistance : float
        Resistance between source and device, in Ohm; the device voltage is solved
        self-consistently, v_d + R_s I(v_d, g) = v_s, at every evaluation.
    seed : int
        Base seed; realization r uses random stream ``first_stream + r`` of it (only drawn
        from when ``params.variation`` is on).
    realizations : int
        Number of devices run through the same waveform, each with its own stream.
    t_out : array_like, optional
        Output times in s inside [t[0], t[-1]]; default ``n_out`` equally spaced points.
        They are extra grid points and never coarsen the integration; with the variation
        on, the noise grid is fixed in time, so they do not change the random path either.

    Returns
    -------
    RRAMResult

    Raises
    ------
    SimulationError
        If the integrator ran out of its sub-step budget.
    """
    from ..kernels.rram import run_waveform

    rs = _v.check_nonnegative("series_resistance", series_resistance)
    seed = _v.check_int_at_least("seed", seed, 0)
    realizations = _v.check_int_at_least("realizations", realizations, 1)
    first_stream = _v.check_int_at_least("first_stream", first_stream, 0)
    n_out = _v.check_int_at_least("n_out", n_out, 2)
    g = np.atleast_1d(np.array(params.gap_ini if gap0 is None else gap0, dtype=float))
    if g.ndim != 1 or g.size == 0:
        raise ValueError(f"gap0 must be a number or a 1-D array, got shape {g.shape}")
    if not np.all(np.isfinite(g)) or np.any(g < params.g_min) or np.any(g > params.g_max):
        raise ValueError(f"gap0 must lie in [g_min, g_max] = [{params.g_min}, {params.g_max}] m, "
                         f"got {g.tolist()!r}")
    if g.size == 1:
        g = np.full(realizations, g[0])
    elif realizations not in (1, g.size):
        raise ValueError(f"realizations = {realizations} does not match {g.size} initial gaps")
    tg, vg, cols = integration_grid(t, v, t_out, n_out)
    devs = device_states(g, seed, first_stream)
    n_dev = g.size
    k_pts = tg.size
    go = np.empty((n_dev, k_pts))
    vo = np.empty((n_dev, k_pts))
    io = np.empty((n_dev, k_pts))
    to = np.empty((n_dev, k_pts))
    failed = run_waveform(devs, tg - tg[0], vg, params.kernel_params(rs), go, vo, io, to)
    if failed:
        raise SimulationError(f"RRAM integrator: sub-step budget exhausted in {failed} "
                              "device-intervals (tighten the waveform's time grid)")
    return RRAMResult(t=tg[cols], source_voltage=vg[cols], gap=go[:, cols], voltage=vo[:, cols],
                      current=io[:, cols], temperature=to[:, cols], series_resistance=rs,
                      seed=seed, params=params)


def device_states(gap0, seed: int = 0, first_stream: int = 0) -> np.ndarray:
    """Fresh device states (a ``kernels.rram.STATE`` array) for the gaps ``gap0`` in m.

    Device r draws from random stream ``first_stream + r`` of ``seed`` (only used when the
    variation is on); no noise value is held yet, so the first interval draws at once.
    """
    from ..kernels.rng import seed_streams
    from ..kernels.rram import STATE

    gap0 = np.atleast_1d(np.asarray(gap0, dtype=float))
    devs = np.zeros(gap0.size, dtype=STATE)
    devs["g"] = gap0
    devs["rng"] = seed_streams(np.uint64(seed), first_stream, gap0.size)
    return devs


def preset_names() -> list[str]:
    """Names of the RRAM presets."""
    return _presets.names(_PRESET_FILE)


def preset_description(name: str) -> str:
    """The description (sources of every number) of an RRAM preset."""
    return _presets.description(_PRESET_FILE, name)
