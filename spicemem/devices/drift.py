"""The TaOx drift (non-volatile) memristor of Strachan et al. (2013) in SI units.

See :mod:`spicemem.kernels.drift` for the equations and the integrator, and
``docs/drift_model.md`` for the sources of every number and the measured convergence.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..errors import SimulationError
from . import params as _v
from . import presets as _presets
from .result import DeviceResult
from .waveforms import integration_grid

_PRESET_FILE = "drift_presets.toml"


#: The range of the parameters whose absurd values made a run never end (SI; the unit is the
#: third entry), with the reason.  Values outside are refused.  Found by the fuzz probe of
#: every parameter (bench/fuzz_netlists.py): g_m = 1e30 S or 1e-308 S, a_fp = 1e-308 S or
#: 1e30 S kept one 20 us pulse running past 120 s; the bounds themselves ran (20-27 s at
#: load 16, like the preset).
VALID_RANGES = {
    "g_m": (1e-12, 1.0, "S", "a metallic channel of 1 Ohm to 1 TOhm (the TaOx preset's is "
            "40 Ohm); beyond it the device is a short or an open that ngspice and the state "
            "integrator cannot follow"),
    "a_fp": (1e-18, 1.0, "S", "the Frenkel-Poole prefactor (the preset's 7.2e-6 S); below "
             "1e-18 S the channel is an open next to ngspice's gmin of 1e-12 S"),
    # the fuzz probe's sigma_on = 1e-308 V, sigma_p = 1e-308 W, rate_max = 1e308 1/s and
    # rtol = 1e-308 never finished either; these bounds are decades outside every preset
    # and fit, and were not themselves probed for speed
    "sigma_on": (1e-4, 100.0, "V", "a sinh voltage scale (the preset's 0.45 V); below 0.1 mV "
                 "sinh(v / sigma) overflows at any voltage a circuit applies"),
    "sigma_off": (1e-4, 100.0, "V", "as sigma_on (the preset's 13 mV)"),
    "sigma_p": (1e-12, 1.0, "W", "the power scale of exp(p / sigma_p) (the preset's 40 uW)"),
    "rate_max": (1.0, 1e12, "1/s", "the ceiling on |dx/dt| (the preset's 1e10 1/s, a 100 ps "
                 "switch); 1e12 is a 1 ps switch, faster than any measured"),
    "rtol": (1e-12, 1.0, "", "the integrator's relative tolerance; below 1e-12 its steps only "
             "resolve rounding"),
}


@dataclass(frozen=True)
class DriftParams:
    """Parameters of the TaOx drift memristor (defaults: the ``TaOx`` preset).

    Parameters
    ----------
    g_m : float
        Conductance G_m of the fully metallic channel (x = 1), in S.
    a_fp : float
        Frenkel-Poole prefactor a of the semiconducting channel, in S.
    b_fp : float
        Frenkel-Poole exponent b, in V^-1/2 (conductance a exp(b sqrt|v|)).
    rate_off : float
        OFF (RESET, v < 0) rate prefactor A, in 1/s.
    sigma_off : float
        OFF voltage scale sigma_off of sinh(v / sigma_off), in V.
    beta : float
        OFF power coefficient beta of exp(1 / (1 + beta p)), in 1/W.
    x_off : float
        OFF window scale x_off of exp(-(x_off / x)^2), dimensionless.
    rate_on : float
        ON (SET, v > 0) rate prefactor B, in 1/s.
    sigma_on : float
        ON voltage scale sigma_on of sinh(v / sigma_on), in V.
    sigma_p : float
        ON power scale sigma_p of exp(p / sigma_p), in W.
    x_on : float
        ON window scale x_on of exp(-(x / x_on)^2), dimensionless.
    rate_max : float
        Physical ceiling on |dx/dt|, in 1/s: no switching of the whole window [0, 1] faster
        than 1/rate_max.  Where the fitted law would exceed it, the run has left the range
        in which the law is used; the rate is held at the ceiling and the run reports it
        (``DriftResult.beyond_ceiling``; in the bridge ``drift_beyond_ceiling``).
    rtol : float
        Relative local error tolerance of the state integrator, in (0, 1).
    atol : float
        Absolute local error tolerance on x (dimensionless), > 0.
    h_min : float
        Sub-step below which a step is accepted without error control, in s.
    h_max : float
        Largest sub-step, in s; 0 means no limit (a positive value with huge tolerances
        turns the integrator into a fixed-step one, used to measure its order).

    Notes
    -----
    Sign convention: v > 0 (current into the top terminal) drives ON switching (x up,
    SET); v < 0 drives OFF switching (RESET); at v = 0 the state is exactly frozen.

    The state x is the area fraction of the metallic channel, confined to [0, 1].  The
    ON window exp(-(x/x_on)^2) and the OFF window exp(-(x_off/x)^2) make switching
    gradual (many identical pulses); the Joule factor exp(p/sigma_p) makes ON
    switching self-accelerating, so without a series (compliance) resistance a voltage
    above about 0.9 V runs x to 1 within tens of microseconds.

    The integrator tolerances are per-step; the global error on x scales with ``rtol``
    (measured in ``docs/drift_model.md``: about 1e-8 at the default rtol = 1e-6).  The
    default ``atol`` = 1e-20 is a floor far below any state that matters, so the control is
    relative down to x ~ 1e-14: against scipy Radau, x from 5e-9 to 3e-5 (SET from the
    HRS behind 0-50 kOhm) is within 2e-6 relative (with atol = 1e-9 it was 1e-3).

    References
    ----------
    J. P. Strachan et al., "State dynamics and modeling of tantalum oxide memristors",
    IEEE Trans. Electron Devices 60(7), 2194 (2013).
    A. Ascoli, R. Tetzlaff, L. O. Chua, "Robust simulation of a TaO memristor model",
    Radioengineering 24(2), 384 (2015).
    """

    g_m: float = 0.025
    a_fp: float = 7.2e-6
    b_fp: float = 4.7
    rate_off: float = 1.0e-10
    sigma_off: float = 0.013
    beta: float = 500.0
    x_off: float = 0.4
    rate_on: float = 1.0e-4
    sigma_on: float = 0.45
    sigma_p: float = 4.0e-5
    x_on: float = 0.06
    rate_max: float = 1.0e10
    rtol: float = 1.0e-6
    atol: float = 1.0e-20
    h_min: float = 1.0e-15
    h_max: float = 0.0

    def __post_init__(self):
        for name in ("g_m", "a_fp", "rate_off", "sigma_off", "x_off", "rate_on", "sigma_on",
                     "sigma_p", "x_on", "rate_max", "atol", "h_min"):
            object.__setattr__(self, name, _v.check_positive(name, getattr(self, name)))
        for name in ("b_fp", "beta", "h_max"):
            object.__setattr__(self, name, _v.check_nonnegative(name, getattr(self, name)))
        object.__setattr__(self, "rtol", _v.check_open_interval("rtol", self.rtol, 0.0, 1.0))
        for name, (lo, hi, unit, why) in VALID_RANGES.items():
            object.__setattr__(self, name, _v.check_range(name, getattr(self, name), lo, hi, unit, why))
        if 0.0 < self.h_max < 1e-15:  # 1e-308 never finished (the fuzz probe)
            raise ValueError(f"parameter 'h_max' = {self.h_max:g} s must be 0 (no limit) or at least "
                             f"1e-15 s: a smaller sub-step never finishes a time point")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str, *, presets=None, **overrides) -> "DriftParams":
        """The named preset (see :func:`preset_names`) with ``overrides`` applied;
        ``presets``: a user preset file (TOML, e.g. written by ``spicemem fit``) to take
        ``name`` from instead of the package's presets."""
        data = _presets.values(_PRESET_FILE, name, presets)
        data.update(overrides)
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: dict) -> "DriftParams":
        """Build from a mapping of field names; fields not given keep their defaults."""
        _presets.check_fields(cls, data, "a drift memristor")
        return cls(**dict(data))

    def replace(self, **changes) -> "DriftParams":
        """A copy with ``changes`` (validated like :meth:`from_mapping`)."""
        data = dataclasses.asdict(self)
        data.update(changes)
        return self.from_mapping(data)

    # -- the one SI -> kernel mapping ------------------------------------------------------
    def kernel_vector(self, series_resistance: float = 0.0) -> np.ndarray:
        """Parameter vector ``p`` of :mod:`spicemem.kernels.drift` (SI floats).

        ``series_resistance`` (Ohm) sits between the source and the device; leave it 0
        when the caller (the ngspice bridge) supplies the device voltage itself.
        """
        from ..kernels import drift as k

        rs = _v.check_nonnegative("series_resistance", series_resistance)
        p = np.zeros(k.N_PARAMS)
        p[k.P_GM] = self.g_m
        p[k.P_A] = self.a_fp
        p[k.P_B] = self.b_fp
        p[k.P_RATE_OFF] = self.rate_off
        p[k.P_SIG_OFF] = self.sigma_off
        p[k.P_BETA] = self.beta
        p[k.P_X_OFF] = self.x_off
        p[k.P_RATE_ON] = self.rate_on
        p[k.P_SIG_ON] = self.sigma_on
        p[k.P_SIG_P] = self.sigma_p
        p[k.P_X_ON] = self.x_on
        p[k.P_RSERIES] = rs
        p[k.P_RTOL] = self.rtol
        p[k.P_ATOL] = self.atol
        p[k.P_HMIN] = self.h_min
        p[k.P_HMAX] = self.h_max
        p[k.P_LOG_RATE_MAX] = np.log(self.rate_max)
        return p

    def switching_time_floor(self) -> float:
        """The shortest time (s) in which the model can cross the whole window, 1/rate_max."""
        return 1.0 / self.rate_max


@dataclass(frozen=True)
class DriftResult(DeviceResult):
    """Time series of :func:`simulate_drift`, in SI (a
    :class:`~spicemem.devices.result.DeviceResult`: ``state`` is ``{"x": x}``, ``temperature``
    and ``seed`` are None -- the model is isothermal and deterministic; ``extras`` holds
    ``series_resistance`` and ``beyond_ceiling``).

    Attributes
    ----------
    t : ndarray (K,)                 output times, s
    source_voltage : ndarray (K,)    applied (source) voltage, V
    x : ndarray (D, K)               state, dimensionless in [0, 1]
    voltage : ndarray (D, K)         voltage across the device, V
    current : ndarray (D, K)         device current, A
    conductance : ndarray (D, K)     chord conductance i / v, S (its v -> 0 limit at v = 0)
    series_resistance : float        Ohm
    params : DriftParams
    beyond_ceiling : ndarray (D,)    bool: the fitted rate exceeded ``params.rate_max``
                                     somewhere in the run (held at the ceiling there; the
                                     run left the law's valid range, one stderr line says so)
    """

    t: np.ndarray
    source_voltage: np.ndarray
    x: np.ndarray
    voltage: np.ndarray
    current: np.ndarray
    conductance: np.ndarray
    series_resistance: float
    params: DriftParams
    beyond_ceiling: np.ndarray = None

    model = "drift"
    temperature = None
    seed = None

    @property
    def state(self) -> dict:
        return {"x": self.x}

    @property
    def extras(self) -> dict:
        return {"series_resistance": self.series_resistance, "beyond_ceiling": self.beyond_ceiling}

    @property
    def resistance(self) -> np.ndarray:
        """Chord resistance v / i, in Ohm, shape (D, K)."""
        return 1.0 / self.conductance


def _check_state(name, x) -> np.ndarray:
    x = np.atleast_1d(np.asarray(x, dtype=float))
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a number or a 1-D array, got shape {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x < 0.0) or np.any(x > 1.0):
        raise ValueError(f"{name} must lie in [0, 1], got {x.tolist()!r}")
    return x


def _chord(params: DriftParams, x, v) -> np.ndarray:
    """i/v in S, and its v -> 0 limit G_m x + a (1 - x) where v = 0 (numpy, any shapes)."""
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    return params.g_m * x + params.a_fp * np.exp(params.b_fp * np.sqrt(np.abs(v))) * (1.0 - x)


def conductance(params: DriftParams, x, v_read: float = 0.1):
    """Chord conductance i(v_read, x) / v_read, in S, for states ``x`` (broadcast).

    At ``v_read`` = 0 this is the small-signal limit G_m x + a (1 - x).  The
    Frenkel-Poole channel makes the high-resistance state strongly bias dependent, so
    the read voltage (in V) must be stated with any resistance quoted.
    """
    _v.check_finite("v_read", v_read)
    x = np.asarray(x, dtype=float)
    if not np.all((x >= 0.0) & (x <= 1.0)):
        raise ValueError(f"x must lie in [0, 1], got {x.tolist()!r}")
    return _chord(params, x, v_read)


def resistance_states(params: DriftParams, v_read: float = 0.1, *, x_lrs: float = 1.0,
                      x_hrs: float = 0.0) -> tuple[float, float]:
    """Low- and high-resistance states (R_LRS, R_HRS) in Ohm at the read voltage (V).

    The defaults are the model's bounds: x = 1 (fully metallic, 1/G_m) and x = 0 (pure
    Frenkel-Poole channel).  SET under a compliance stops short of x = 1; pass the state
    actually reached as ``x_lrs``.
    """
    g = conductance(params, np.array([x_lrs, x_hrs]), v_read)
    return float(1.0 / g[0]), float(1.0 / g[1])


def simulate_drift(params: DriftParams, t, v, *, x0, series_resistance: float = 0.0,
                   t_out=None, n_out: int = 1001) -> DriftResult:
    """Drive one or more drift memristors with a piecewise-linear voltage waveform.

    Parameters
    ----------
    params : DriftParams
    t, v : array_like
        Breakpoints of the source waveform, in s and V (piecewise linear, e.g. from
        :func:`spicemem.devices.waveforms.pulse_train`).  The run spans t[0] ... t[-1].
    x0 : float or array_like (D,)
        Initial state(s) in [0, 1]; D devices run through the same waveform.
    series_resistance : float
        Resistance between source and device, in Ohm.  The device voltage is solved
        self-consistently, v_d + R_s i(v_d, x) = v_s, at every evaluation.
    t_out : array_like, optional
        Output times in s inside [t[0], t[-1]]; default ``n_out`` equally spaced points.
        They are inserted as extra grid points, so they never coarsen the integration.

    Returns
    -------
    DriftResult

    Raises
    ------
    SimulationError
        If the integrator ran out of its sub-step budget (a pathological waveform).
    """
    from ..kernels.drift import ceiling_flags, run_waveform

    x0 = _check_state("x0", x0)
    rs = _v.check_nonnegative("series_resistance", series_resistance)
    n_out = _v.check_int_at_least("n_out", n_out, 2)
    # the breakpoints merged with the output times; the source is linear between them
    tg, vg, cols = integration_grid(t, v, t_out, n_out)

    n_dev = x0.size
    k_pts = tg.size
    x = x0.copy()
    h = np.zeros(n_dev)
    xo = np.empty((n_dev, k_pts))
    vo = np.empty((n_dev, k_pts))
    io = np.empty((n_dev, k_pts))
    failed = run_waveform(x, tg - tg[0], vg, params.kernel_vector(rs), h, xo, vo, io)
    if failed:
        raise SimulationError(f"drift integrator: sub-step budget exhausted in {failed} "
                              "device-intervals (tighten the waveform's time grid)")
    flags = np.zeros(n_dev, dtype=np.int64)
    ceiling_flags(xo, vo, params.kernel_vector(rs), flags)
    beyond = flags.astype(bool)
    if beyond.any():
        warn_beyond_ceiling(f"simulate_drift: device(s) {np.flatnonzero(beyond).tolist()}", params)
    xs, vd, cur = xo[:, cols], vo[:, cols], io[:, cols]
    return DriftResult(t=tg[cols], source_voltage=vg[cols], x=xs, voltage=vd, current=cur,
                       conductance=_chord(params, xs, vd), series_resistance=rs, params=params,
                       beyond_ceiling=beyond)


def warn_beyond_ceiling(who: str, params: DriftParams) -> None:
    """The one stderr line for a drift device whose fitted rate hit the ceiling."""
    import sys

    print(f"spicemem: warning: {who}: drift switching rate reached its ceiling "
          f"rate_max = {params.rate_max:.3g} 1/s (a full switch in {params.switching_time_floor():.3g} s); "
          "the fitted kinetics are outside their valid range there (docs/drift_model.md)",
          file=sys.stderr)


def preset_names() -> list[str]:
    """Names of the drift-memristor presets."""
    return _presets.names(_PRESET_FILE)


def preset_description(name: str) -> str:
    """The description (sources of every number) of a drift-memristor preset."""
    return _presets.description(_PRESET_FILE, name)
