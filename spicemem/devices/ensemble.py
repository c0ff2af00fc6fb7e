"""Standalone simulation of one diffusive memristor or an ensemble of realizations."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .diffusive import DiffusiveParams
from .params import check_int_at_least, check_nonnegative
from .result import DeviceResult
from .validity import check_diffusive


@dataclass(frozen=True)
class DiffusiveResult(DeviceResult):
    """Time series of an ensemble run, in SI (a :class:`~spicemem.devices.result.DeviceResult`:
    ``state`` is empty -- the model's state, the particle positions, is recorded at
    ``snapshot_times`` only; ``extras`` holds ``g_max``, ``snapshot_times``, ``snapshots``,
    ``dt`` and ``validity``).

    Attributes
    ----------
    t : ndarray (K,)                   output times, s
    source_voltage : ndarray (K,)      applied (source) voltage, V
    conductance : ndarray (R, K)       device conductance 1/R_M, S
    voltage : ndarray (R, K)           voltage across the device, V
    current : ndarray (R, K)           device current, A
    temperature : ndarray (R, K)       device temperature, K
    g_max : float                      1/R_min, S (the paper's normalisation)
    snapshot_times : ndarray (S,)      s
    snapshots : ndarray (R, S, N)      particle positions, m (0 at the device centre)
    seed : int
    dt : float                         Langevin step, s
    params : DiffusiveParams
    validity : list[dict]              realizations that left the stated validity range
                                       (:mod:`spicemem.devices.validity`; also warned)
    """

    t: np.ndarray
    source_voltage: np.ndarray
    conductance: np.ndarray
    voltage: np.ndarray
    current: np.ndarray
    temperature: np.ndarray
    g_max: float
    snapshot_times: np.ndarray
    snapshots: np.ndarray
    seed: int
    dt: float
    params: DiffusiveParams
    validity: list = field(default_factory=list)

    model = "diffusive"

    @property
    def extras(self) -> dict:
        return {"g_max": self.g_max, "snapshot_times": self.snapshot_times,
                "snapshots": self.snapshots, "dt": self.dt, "validity": self.validity}

    @property
    def g_norm(self) -> np.ndarray:
        """Conductance over G_max, dimensionless, shape (R, K)."""
        return self.conductance / self.g_max

    @property
    def realizations(self) -> int:
        return self.conductance.shape[0]


def initial_state(params: DiffusiveParams, realizations: int, seed: int, *, first_stream: int = 0,
                  theta=None):
    """Equilibrium start: positions (R, N) drawn from the Boltzmann law at T0 and zero
    bias, and the random streams (R, 4) that continue from them.

    Stream ``first_stream + r`` belongs to realization r; the same (seed, index) always
    gives the same device.
    """
    from ..kernels.diffusive import sample_from_cdf
    from ..kernels.rng import seed_streams

    core = params.core
    theta = params.theta_ambient if theta is None else theta
    states = seed_streams(np.uint64(seed), first_stream, realizations)
    grid, cdf = core.boltzmann_cdf(theta)
    x = np.empty((realizations, params.n_particles))
    for r in range(realizations):
        sample_from_cdf(x[r], states[r], grid, cdf)
    return x, states


#: Particle-steps per compiled call of an ensemble: about a tenth of a second here.  Between
#: calls Python sees Ctrl-C (compiled code cannot be interrupted).
PIECE_PARTICLE_STEPS = 20_000_000


def _pieces(rec_steps, particles: int):
    """Consecutive record ranges [a, b) of about PIECE_PARTICLE_STEPS particle-steps each.
    Pieces end at records only, so the devices take exactly the calls of one whole run and
    the numbers are the same; a single interval longer than a piece stays one call."""
    budget = max(1, PIECE_PARTICLE_STEPS // max(particles, 1))
    n = rec_steps.shape[0]
    a = 0
    while a < n:
        start = int(rec_steps[a - 1]) if a > 0 else 0
        b = int(np.searchsorted(rec_steps, start + budget, side="right"))
        b = min(max(b, a + 1), n)
        yield a, b
        a = b


def simulate(params: DiffusiveParams, t, v, *, realizations: int = 1, seed: int = 0,
             series_resistance: float = 0.0, t_out=None, n_out: int = 1001,
             snapshot_times=None, x0=None, temperature0=None,
             first_stream: int = 0) -> DiffusiveResult:
    """Drive the diffusive memristor with a voltage waveform.

    Parameters
    ----------
    params : DiffusiveParams
    t, v : array_like
        Breakpoints of the source waveform, in s and V (piecewise linear; held constant
        outside their span).  The run starts at ``t[0]`` and ends at ``t[-1]``.
    realizations : int
        Independent devices; they run in parallel on the available threads.
    seed : int
        Base seed; realization r uses random stream ``first_stream + r`` of it.
    series_resistance : float
        Resistance in series with the device (compliance), in Ohm.
    t_out : array_like, optional
        Output times in s (rounded to the Langevin step); default ``n_out`` equally
        spaced points over the run.
    snapshot_times : array_like, optional
        Times (s) at which particle positions are recorded.
    x0 : array_like, optional
        Initial positions in m, shape (N,) or (R, N); default: Boltzmann equilibrium at
        the ambient temperature, drawn from each realization's stream.
    temperature0 : float or array_like, optional
        Initial device temperature in K, scalar or shape (R,); default the ambient.

    Returns
    -------
    DiffusiveResult
    """
    from ..kernels.diffusive import P_RSERIES, run_ensemble
    from ..kernels.records import (Core, Ensemble, HybridEnsemble, HybridModel, Outputs, Records,
                                   Waveform)

    realizations = check_int_at_least("realizations", realizations, 1)
    seed = check_int_at_least("seed", seed, 0)
    rs = check_nonnegative("series_resistance", series_resistance)
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    if t.ndim != 1 or t.shape != v.shape or t.size < 2:
        raise ValueError(f"waveform: t and v must be 1-D of equal length >= 2, got {t.shape} and {v.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(v))):
        raise ValueError("waveform: t and v must be finite")
    if np.any(np.diff(t) < 0) or t[-1] <= t[0]:
        raise ValueError("waveform: t must be non-decreasing and span a positive time")

    sc = params.scales
    core = params.core
    dt = core.dt
    tw = (t - t[0]) / sc.time
    vw = v / sc.voltage
    n_total = int(np.ceil(tw[-1] / dt - 1e-9))
    if t_out is None:
        t_out = np.linspace(t[0], t[-1], n_out)
    t_out = np.asarray(t_out, dtype=float)
    out_steps = np.clip(np.rint((t_out - t[0]) / sc.time / dt).astype(np.int64), 0, n_total)
    if np.any(np.diff(out_steps) < 0):
        raise ValueError("t_out must be non-decreasing")
    snap_t = np.asarray([] if snapshot_times is None else snapshot_times, dtype=float)
    snap_steps = np.clip(np.rint((snap_t - t[0]) / sc.time / dt).astype(np.int64), 0, n_total)

    # Merge output and snapshot steps into one ascending record list.
    steps = np.concatenate([out_steps, snap_steps])
    kind_out = np.concatenate([np.arange(out_steps.size), -np.ones(snap_steps.size, np.int64)])
    kind_snap = np.concatenate([-np.ones(out_steps.size, np.int64), np.arange(snap_steps.size)])
    order = np.argsort(steps, kind="stable")
    rec_steps, rec_out, rec_snap = steps[order], kind_out[order], kind_snap[order]

    x, states = initial_state(params, realizations, seed, first_stream=first_stream)
    if x0 is not None:
        x0 = np.asarray(x0, dtype=float) / sc.length
        x[...] = np.broadcast_to(x0, x.shape)
        if np.any(np.abs(x) > 1.0):
            raise ValueError("x0: positions must lie within +-half_length")
    p = core.p.copy()
    p[P_RSERIES] = rs / sc.resistance
    perm = np.tile(np.arange(params.n_particles, dtype=np.int64), (realizations, 1))
    theta = np.full(realizations, params.theta_ambient)
    if temperature0 is not None:
        t0k = np.broadcast_to(np.asarray(temperature0, dtype=float), (realizations,))
        if not np.all(np.isfinite(t0k)) or np.any(t0k <= 0):
            raise ValueError(f"temperature0 must be finite and > 0 K, got {temperature0!r}")
        theta[:] = sc.theta(t0k)
    theta_start = sc.kelvin(theta.copy())
    k_out = out_steps.size
    g = np.zeros((realizations, k_out))
    th = np.zeros((realizations, k_out))
    vd = np.zeros((realizations, k_out))
    snaps = np.zeros((realizations, snap_steps.size, params.n_particles))
    model = Core(core.table, core.inv_dx, p)
    wave = Waveform(tw, vw)
    out = Outputs(g, th, vd, snaps)
    if params.integrator == "hybrid":
        from ..kernels.hopping import MODE_LANGEVIN, N_CRN, init_crn, run_ensemble_hybrid

        tab = core.hop_tables
        counts = np.zeros((realizations, tab.minima.shape[1]), dtype=np.int64)
        modes = np.zeros((realizations, 2), dtype=np.int64)
        modes[:, 0] = MODE_LANGEVIN
        clock = np.zeros(realizations)
        crn = np.zeros((realizations, N_CRN))
        init_crn(states, crn)  # keyed by each device's stream, as in the bridge
        rec_times = rec_steps * dt
        ens = HybridEnsemble(x, perm, counts, modes, theta, states, clock, crn)
        # the hop tables as a plain tuple (the kernels index it by position): Numba 0.68 cannot
        # lower a NamedTuple taken out of a nested record inside a parallel loop
        hybrid = HybridModel(model, core.hybrid_control, tuple(tab))
        for a, b in _pieces(rec_steps, realizations * params.n_particles):
            run_ensemble_hybrid(ens, hybrid, wave, dt,
                                Records(rec_times[a:b], rec_out[a:b], rec_snap[a:b]), out)
    else:
        ens = Ensemble(x, perm, theta, states)
        for a, b in _pieces(rec_steps, realizations * params.n_particles):
            run_ensemble(ens, model, wave, 0.0, dt, Records(rec_steps[a:b], rec_out[a:b], rec_snap[a:b]),
                         out, int(rec_steps[a - 1]) if a > 0 else 0)

    t_rec = t[0] + out_steps * dt * sc.time
    conductance = g * sc.conductance
    voltage = vd * sc.voltage
    temperature = sc.kelvin(th)
    validity = check_diffusive(params, np.concatenate([theta_start[:, None], temperature], axis=1),
                               what="realization")
    return DiffusiveResult(
        t=t_rec,
        source_voltage=np.interp(t_rec, t, v),
        conductance=conductance,
        voltage=voltage,
        current=conductance * voltage,
        temperature=temperature,
        g_max=params.g_max,
        snapshot_times=t[0] + snap_steps * dt * sc.time,
        snapshots=snaps * sc.length,
        seed=seed,
        dt=dt * sc.time,
        params=params,
        validity=validity,
    )
