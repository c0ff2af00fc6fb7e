"""The Langevin kernel against analytic results (free diffusion, drift, Boltzmann
equilibrium, Newton cooling) and eq. 3 exactly."""

import numpy as np
import pytest
from scipy import stats

from spicemem.devices.diffusive import DiffusiveParams
from spicemem.devices.ensemble import initial_state, simulate
from spicemem.kernels.diffusive import (P_COUPLING, P_ETA, P_FIELD, P_HEAT, P_LAM, P_NOISE, P_RSERIES,
                                        P_THETA0, N_PARAMS, advance, potential, resistance)
from spicemem.kernels.rng import seed_streams

TW = np.array([0.0, 1.0e9])


def _p(*, lam=0.2, a=0.0, eta=1.0, c=0.0, theta0=0.5, rs=0.0, gaussian=False, coupling=1):
    p = np.zeros(N_PARAMS)
    p[P_LAM], p[P_FIELD], p[P_ETA], p[P_HEAT] = lam, a, eta, c
    p[P_THETA0], p[P_RSERIES], p[P_NOISE], p[P_COUPLING] = theta0, rs, float(gaussian), coupling
    return p


def _run_free(p, x, theta, v, n_steps, dt, seed):
    """Advance every row of x independently in a force-free table."""
    flat = np.zeros(65)
    states = seed_streams(np.uint64(seed), 0, x.shape[0])
    vw = np.array([v, v])
    for r in range(x.shape[0]):
        order = np.argsort(x[r]).astype(np.int64)
        theta_end = advance(x[r], order, theta, states[r], flat, 32.0, p, TW, vw, 0.0, n_steps, dt)
    return theta_end


# --- eq. 3 -------------------------------------------------------------------------------
def test_resistance_matches_eq3_for_given_positions():
    x = np.array([0.3, -0.5, 0.9, -0.95, 0.0])
    order = np.arange(5, dtype=np.int64)
    lam = 0.2
    xs = np.concatenate([[-1.0], np.sort(x), [1.0]])
    expected = np.sum(np.exp(np.diff(xs) / lam))
    # Same formula, same float64 exp; only the summation order may differ (1 ulp per term).
    assert resistance(x, order, lam) == pytest.approx(expected, rel=1e-14)
    assert np.all(np.diff(x[order]) >= 0)


def test_resistance_minimum_is_evenly_spaced(paper_params):
    n = paper_params.n_particles
    even = -1.0 + 2.0 * np.arange(1, n + 1) / (n + 1)
    order = np.arange(n, dtype=np.int64)
    r_even = resistance(even, order, paper_params.tunnel_length_ratio) * paper_params.r_tunnel
    assert r_even == pytest.approx(paper_params.r_min, rel=1e-13)
    # The number: about 52 R_t for N = 40, lambda = 0.2 L.
    assert paper_params.r_min / paper_params.r_tunnel == pytest.approx(52.3, abs=0.05)
    # Any perturbation raises it (eq. 3 is convex in the gaps and their sum is fixed).
    rng = np.random.default_rng(3)
    for _ in range(20):
        xp = even + rng.normal(0, 0.01, n)
        assert resistance(xp, order.copy(), paper_params.tunnel_length_ratio) * paper_params.r_tunnel > paper_params.r_min


# --- eq. 4: free diffusion and drift ----------------------------------------------------------
@pytest.mark.parametrize("gaussian", [False, True])
def test_free_diffusion_msd(gaussian):
    theta, eta, dt, n_steps = 0.5, 2.0, 1e-4, 2000
    t = n_steps * dt
    x = np.zeros((50, 40))  # 2000 independent particles, far from the walls (rms 0.022)
    _run_free(_p(eta=eta, theta0=theta, gaussian=gaussian), x, theta, 0.0, n_steps, dt, seed=11)
    expected = 2.0 * theta / eta * t
    msd = np.mean(x**2)
    # x is a sum of 2000 iid increments -> Gaussian to a good approximation, so
    # Var(x^2) = 2 expected^2 and the standard error of the mean is sqrt(2/M) expected.
    se = np.sqrt(2.0 / x.size) * expected
    assert abs(msd - expected) < 4 * se, (msd, expected, se)
    assert abs(np.mean(x)) < 4 * np.sqrt(expected / x.size)


def test_drift_velocity_in_flat_potential():
    theta, eta, a, v, dt, n_steps = 0.3, 1.5, 9.0, 0.8, 1e-4, 1000
    t = n_steps * dt
    x = np.zeros((50, 40))
    # c = 0: no heating, so theta stays theta0 and the variance is the free one.
    _run_free(_p(eta=eta, a=a, theta0=theta), x, theta, v, n_steps, dt, seed=5)
    expected = a * v / eta * t
    se = np.sqrt(2 * theta / eta * t / x.size)
    assert abs(np.mean(x) - expected) < 4 * se, (np.mean(x), expected, se)


# --- eq. 4: Boltzmann equilibrium in the full potential ------------------------------------
def test_boltzmann_equilibrium():
    # The default (three-point) increments; Gaussian ones are checked by the free-diffusion
    # test and the escape-time test of test_hopping.py (6.02 +- 0.10 vs the exact 6.09).
    noise = "three-point"
    theta = 1.0
    params = DiffusiveParams.from_preset("wang2017_paper", theta_ambient=theta, noise=noise)
    core = params.core
    t_end = 15.0 * params.tau_thermal  # 15/kappa: many well-to-well hops at theta = 1
    # Start far from equilibrium, every particle at the centre; snapshot at the end.
    res = simulate(params, [0.0, t_end], [0.0, 0.0], realizations=25, seed=21, x0=np.zeros(40),
                   n_out=2, snapshot_times=[t_end])
    x = res.snapshots[:, 0, :] / params.half_length
    # Particles do not interact (no heating at V = 0): 1000 independent samples.
    grid = np.linspace(-1, 1, 40001)
    w = np.exp(-potential(grid, core.w_i, core.r_1, core.x_c, core.r_p) / theta)
    cdf = np.concatenate([[0], np.cumsum(0.5 * (w[1:] + w[:-1]) * np.diff(grid))])
    cdf /= cdf[-1]
    res = stats.kstest(x.ravel(), lambda q: np.interp(q, grid, cdf))
    # Seeded: the statistic is deterministic.  p > 0.01 fails for a wrong potential, a wrong
    # noise amplitude (the same samples against theta = 1.2 or 0.8 give p = 3e-3 and 1e-7)
    # or leaky walls.  15/kappa is needed: after 8/kappa p is still only 0.02.
    assert res.pvalue > 0.01, res


def test_initial_state_is_boltzmann(paper_params):
    x, _ = initial_state(paper_params, 30, seed=4)
    core = paper_params.core
    grid, cdf = core.boltzmann_cdf(paper_params.theta_ambient)
    res = stats.kstest(x.ravel(), lambda q: np.interp(q, grid, cdf))
    assert res.pvalue > 0.01, res


# --- eq. 5 --------------------------------------------------------------------------------
def test_newton_heating_and_cooling_with_fixed_resistance():
    # Friction so large that particles do not move over the run: r_M is fixed.
    eta, theta0, c, v = 1e30, 0.3, 5.0, 1.5
    x = np.array([[-0.9, -0.3, 0.2, 0.8]])
    order = np.arange(4, dtype=np.int64)
    r_m = resistance(x[0].copy(), order.copy(), 0.2)
    p = _p(eta=eta, c=c, theta0=theta0)
    st = seed_streams(np.uint64(1), 0, 1)[0]
    dt, n = 1e-3, 700
    th = advance(x[0], order, theta0, st, np.zeros(65), 32.0, p, TW, np.array([v, v]), 0.0, n, dt)
    t = n * dt
    theta_eq = theta0 + c * v * v / r_m
    # The kernel steps the linear ODE exactly for a frozen power: only rounding differs.
    assert th == pytest.approx(theta_eq + (theta0 - theta_eq) * np.exp(-t), rel=1e-12)
    th2 = advance(x[0], order, th, st, np.zeros(65), 32.0, p, TW, np.zeros(2), 0.0, n, dt)
    assert th2 == pytest.approx(theta0 + (th - theta0) * np.exp(-t), rel=1e-12)
