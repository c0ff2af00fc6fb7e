"""Dimensionless kernels of the diffusive memristor (Methods of Wang et al. 2017).

Units: x in L (terminals at -1 and +1), time in 1/kappa, energy and k_B T in w_p,
voltage in V_th, resistance in R_t.  In these units

* eq. 3:  r_M = sum_k exp((x_(k+1) - x_k) / lam), over the sorted positions with the
  terminals -1 and +1 included (N particles -> N + 1 gaps);
* eq. 4:  eta dx/dt = -U'(x) + a v + sqrt(2 eta theta) xi(t), with
  U = -w_i [exp(-(x+x_c)^2/r_1^2) + exp(-(x-x_c)^2/r_1^2)] + (1/2) sin(2 pi x / r_p)
  and reflecting walls at the terminals (the paper does not say what happens there);
* eq. 5:  dtheta/dt = c v^2 / r_M - (theta - theta_0).

The parameter vector ``p`` (built in :mod:`spicemem.devices.units`) holds the scalars;
the force -U' is tabulated on a uniform grid (it is a fixed function of x) and read by
linear interpolation.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit
from .rng import next_u64, u64_to_unit, uniform

# Indices into the parameter vector p.
P_LAM = 0  # tunnelling length lambda / L
P_FIELD = 1  # electric force per unit voltage, a = alpha V_th / w_p (x in L)
P_ETA = 2  # friction eta kappa L^2 / w_p
P_HEAT = 3  # heating c = C_T V_th^2 k_B / (kappa w_p R_t)
P_THETA0 = 4  # ambient k_B T0 / w_p
P_RSERIES = 5  # series resistance R_s / R_t
P_NOISE = 6  # 0: three-point increments (moments of a Gaussian to the 5th); 1: Gaussian
P_COUPLING = 7  # Langevin steps between two evaluations of eq. 3 while the source is on
N_PARAMS = 8

# Three-point noise: +-sqrt(3) with probability p each (from 16 random bits), else 0.
# Its moments equal the Gaussian's up to the fifth, as a weak order-2 scheme requires
# (Kloeden & Platen, Sect. 14.2); the amplitude makes the variance exactly 1.
THREE_POINT_CUT = np.uint64(10923)  # p = 10923/65536 = 0.1666718
THREE_POINT_AMP = 1.0 / np.sqrt(2.0 * 10923.0 / 65536.0)


@jit
def _reflect(x):
    """Reflecting walls at the terminals +-1 (clamped for a step longer than the device)."""
    if x > 1.0:
        x = 2.0 - x
    if x < -1.0:
        x = -2.0 - x
    if x > 1.0:
        x = 1.0
    return x


@jit
def _table_force(tab, inv_dx, m, x):
    """-U'(x) by linear interpolation in the force table."""
    u = (x + 1.0) * inv_dx
    k = int(u)
    if k >= m:
        k = m - 1
    elif k < 0:
        k = 0
    return tab[k] + (u - k) * (tab[k + 1] - tab[k])


@jit
def potential(x, w_i, r_1, x_c, r_p):
    """U(x) in w_p for positions ``x`` in L (scalar or array)."""
    g = np.exp(-((x + x_c) ** 2) / r_1**2) + np.exp(-((x - x_c) ** 2) / r_1**2)
    return -w_i * g + 0.5 * np.sin(2.0 * np.pi * x / r_p)


@jit
def force(x, w_i, r_1, x_c, r_p):
    """-dU/dx in w_p / L."""
    e1 = np.exp(-((x + x_c) ** 2) / r_1**2)
    e2 = np.exp(-((x - x_c) ** 2) / r_1**2)
    du = w_i * 2.0 / r_1**2 * ((x + x_c) * e1 + (x - x_c) * e2)
    du += 0.5 * (2.0 * np.pi / r_p) * np.cos(2.0 * np.pi * x / r_p)
    return -du


@jit
def curvature(x, w_i, r_1, x_c, r_p):
    """d^2U/dx^2 in w_p / L^2."""
    out = 0.0 * x
    for xc in (-x_c, x_c):
        z = (x - xc) / r_1
        out += w_i * 2.0 / r_1**2 * (1.0 - 2.0 * z * z) * np.exp(-z * z)
    k = 2.0 * np.pi / r_p
    return out - 0.5 * k * k * np.sin(k * x)


@jit
def sort_order(x, order):
    """Insertion-sort the permutation ``order`` so that x[order] ascends.

    Between two calls particles move little, so ``order`` is nearly sorted and this is
    O(N) in practice.
    """
    n = order.shape[0]
    for i in range(1, n):
        k = order[i]
        xk = x[k]
        j = i - 1
        while j >= 0 and x[order[j]] > xk:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k


@jit
def resistance(x, order, lam):
    """Eq. 3: r_M over sorted positions with terminals at -1 and +1 (updates ``order``)."""
    sort_order(x, order)
    n = order.shape[0]
    if n == 0:
        return np.exp(2.0 / lam)
    inv = 1.0 / lam
    prev = -1.0
    r = 0.0
    for i in range(n):
        xi = x[order[i]]
        r += np.exp((xi - prev) * inv)
        prev = xi
    r += np.exp((1.0 - prev) * inv)
    return r


@jit
def source_voltage(tw, vw, t, j):
    """Piecewise-linear waveform value at ``t``; ``j`` is a search hint. Returns (v, j)."""
    m = tw.shape[0]
    if t <= tw[0]:
        return vw[0], 0
    if t >= tw[m - 1]:
        return vw[m - 1], m - 1
    if j < 0 or j >= m - 1 or tw[j] > t:
        j = 0
    while tw[j + 1] <= t:
        j += 1
    span = tw[j + 1] - tw[j]
    if span <= 0.0:
        return vw[j + 1], j
    return vw[j] + (vw[j + 1] - vw[j]) * (t - tw[j]) / span, j


@jit
def advance(x, order, theta, state, tab, inv_dx, p, tw, vw, t_start, n_steps, dt):
    """Advance one device ``n_steps`` Langevin steps of ``dt`` from ``t_start``.

    The step is the stochastic Heun (predictor-corrector) scheme for additive noise: an
    Euler predictor, then the drift averaged over both ends with the same noise kick.
    With three-point or Gaussian increments it has weak order 2 (Kloeden & Platen,
    Sect. 15.1), so barrier-crossing times converge far faster in dt than with
    Euler-Maruyama (at k_B T/w_p = 0.2 Euler's mean escape from a pinning well is 6 %
    long at the default step).

    Parameters
    ----------
    x : float64[N]           positions (updated in place)
    order : int64[N]         permutation sorting x (scratch kept between calls)
    theta : float            k_B T / w_p at t_start
    state : uint64[4]        the device's random stream (advanced in place)
    tab, inv_dx              force table on [-1, 1] and 1/grid spacing
    p : float64[N_PARAMS]    parameter vector
    tw, vw                   source waveform (piecewise linear; held outside its span)
    t_start, n_steps, dt     time of the first step, step count, step

    Returns
    -------
    theta : float            temperature after the last step

    Notes
    -----
    The source drives the device through the series resistance p[P_RSERIES], so the
    device voltage is v_s r_M / (r_M + r_s).  r_M (and its sort) is only needed while the
    source is on: at zero bias there is neither tilt nor heating.  It is then evaluated
    every p[P_COUPLING] steps (multirate splitting: the particles move every step, the
    circuit quantities r_M, v_d and the Joule power are refreshed every m steps, at the
    first biased step always).  Eq. 3 costs as much as moving all particles once (N+1
    exponentials), and r_M changes on the diffusion time scale, many steps.  The
    temperature is advanced exactly for the step's frozen heating power.
    """
    lam = p[P_LAM]
    a = p[P_FIELD]
    eta = p[P_ETA]
    c = p[P_HEAT]
    th0 = p[P_THETA0]
    rs = p[P_RSERIES]
    gaussian = p[P_NOISE] != 0.0
    m_couple = max(int(p[P_COUPLING]), 1)
    n = x.shape[0]
    m = tab.shape[0] - 1
    decay = np.exp(-dt)
    dt_eta = dt / eta
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    noise = np.empty(n)
    j = 0
    r_m = -1.0  # < 0: stale
    age = 0
    for k in range(n_steps):
        vs, j = source_voltage(tw, vw, t_start + k * dt, j)
        if vs != 0.0:
            if r_m < 0.0 or age >= m_couple:
                r_m = resistance(x, order, lam)
                age = 0
            age += 1
            vd = vs * r_m / (r_m + rs)
            th_eq = th0 + c * vd * vd / r_m
        else:
            r_m = -1.0
            vd = 0.0
            th_eq = th0
        drift = a * vd
        sig = np.sqrt(2.0 * theta * dt_eta) if theta > 0.0 else 0.0
        # Noise for all particles first (cheapest draws), then the Heun step per particle.
        if gaussian:
            i = 0
            while i < n:
                r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
                r2, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
                rad = np.sqrt(-2.0 * np.log(u64_to_unit(r)))
                ang = 2.0 * np.pi * u64_to_unit(r2)
                noise[i] = rad * np.cos(ang)
                if i + 1 < n:
                    noise[i + 1] = rad * np.sin(ang)
                i += 2
        else:
            i = 0
            while i < n:
                r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
                for q in range(4):
                    if i >= n:
                        break
                    c16 = (r >> np.uint64(16 * q)) & np.uint64(0xFFFF)
                    if c16 < THREE_POINT_CUT:
                        noise[i] = -THREE_POINT_AMP
                    elif c16 >= np.uint64(65536) - THREE_POINT_CUT:
                        noise[i] = THREE_POINT_AMP
                    else:
                        noise[i] = 0.0
                    i += 1
        for i in range(n):
            xi = x[i]
            kick = sig * noise[i]
            f0 = _table_force(tab, inv_dx, m, xi)
            xp = _reflect(xi + (f0 + drift) * dt_eta + kick)
            f1 = _table_force(tab, inv_dx, m, xp)
            x[i] = _reflect(xi + (0.5 * (f0 + f1) + drift) * dt_eta + kick)
        theta = th_eq + (theta - th_eq) * decay
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return theta


@jit
def invert_cdf(cdf, lo, hi, target):
    """(index, fraction) with cdf[index] <= target <= cdf[index + 1], by bisection over
    cdf[lo..hi] and linear interpolation inside the bracket."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if cdf[mid] < target:
            lo = mid
        else:
            hi = mid
    span = cdf[hi] - cdf[lo]
    return lo, ((target - cdf[lo]) / span if span > 0.0 else 0.5)


@jit
def log_linear_mass(w0, w1, d):
    """Mass of one grid cell (unit width) of a density that is exp(-linear) across it: w0 at
    its left end, w1 = w0 exp(-d) at its right.  Exact for a potential that is linear across
    the cell; the trapezoid (w0 + w1)/2 is not (see :func:`invert_log_linear`)."""
    if abs(d) < 1e-3:
        return w0 * (1.0 - d * (0.5 - d / 6.0))  # the series: relative error d^3/24 < 5e-11
    return (w0 - w1) / d


@jit
def invert_log_linear(cdf, slope, lo, hi, target):
    """:func:`invert_cdf` for a CDF whose cells are :func:`log_linear_mass` with
    ``slope[i]`` = d of cell i: the same bracket, and within it the fraction of the
    exponential density exp(-d s), s in [0, 1], not of a uniform one.

    Why: a tabulated Boltzmann law sampled with trapezoid cells and a uniform density
    inside each cell is wider than the true law by about h^2/2 in variance (grid spacing
    h); with the hop tables' 2001 points that made the hybrid's OFF-state conductance of
    ``wang2017_paper`` at k_B T/w_p 0.10 0.022 % too high (``bench/hybrid_off_state.py``).
    Cells that are exponential across (exact where U is linear) leave 0.0006 %, at the cost
    of one division per grid point and a log1p and an expm1 per particle drawn (+18 % per
    draw_positions call, measured against trapezoid cells).
    """
    i, f = invert_cdf(cdf, lo, hi, target)
    d = slope[i]
    if abs(d) > 1e-9:
        s = -np.log1p(f * np.expm1(-d)) / d
        if 0.0 <= s <= 1.0:  # false only where exp(-d) overflows: keep the linear fraction
            f = s
    return i, f


@jit
def sample_from_cdf(x, state, grid, cdf):
    """Fill ``x`` with independent draws of the density whose CDF is tabulated on ``grid``."""
    m = grid.shape[0]
    for i in range(x.shape[0]):
        k, frac = invert_cdf(cdf, 0, m - 1, uniform(state))
        x[i] = grid[k] + frac * (grid[k + 1] - grid[k])


@jit
def run_ensemble(ens, core, wave, t0, dt, rec, out, cur0):
    """Drive R independent devices through one waveform and record them.

    ``ens`` (:class:`~spicemem.kernels.records.Ensemble`) holds the devices, ``core``
    (``Core``) the model, ``wave`` (``Waveform``) the source from time ``t0``; Langevin
    step ``dt``.  ``rec.at`` (ascending step indices) are the record points; ``rec.out[k]``
    is the output column of ``out`` (``Outputs``) for record k (or -1) and ``rec.snap[k]``
    the snapshot slot (or -1).
    The devices start at step ``cur0`` (0, or the last record of a previous call: the
    caller runs long ensembles in pieces of records, so that Ctrl-C lands between them).
    Realizations run in parallel; each owns its random stream, so the numbers do not
    depend on the thread count.
    """
    x, order, theta, states = ens
    tab, inv_dx, p = core
    rec_steps, rec_out, rec_snap = rec
    g_out, th_out, vd_out, snaps = out
    # the parallel loop takes the arrays one by one (see kernels.hopping.run_ensemble_hybrid
    # for what Numba's parfors do with tuples)
    _ensemble(x, order, theta, states, tab, inv_dx, p, wave.t, wave.v, t0, dt, rec_steps, rec_out,
              rec_snap, g_out, th_out, vd_out, snaps, cur0)


@jit(parallel=True)
def _ensemble(x, order, theta, states, tab, inv_dx, p, tw, vw, t0, dt,
              rec_steps, rec_out, rec_snap, g_out, th_out, vd_out, snaps, cur0):
    """The parallel loop of :func:`run_ensemble` over the devices."""
    n_real = x.shape[0]
    lam = p[P_LAM]
    rs = p[P_RSERIES]
    for r in prange(n_real):
        xr = x[r]
        orr = order[r]
        st = states[r]
        th = theta[r]
        cur = cur0
        for k in range(rec_steps.shape[0]):
            step = rec_steps[k]
            if step > cur:
                th = advance(xr, orr, th, st, tab, inv_dx, p, tw, vw, t0 + cur * dt, step - cur, dt)
                cur = step
            col = rec_out[k]
            if col >= 0:
                r_m = resistance(xr, orr, lam)
                vs, _ = source_voltage(tw, vw, t0 + cur * dt, 0)
                g_out[r, col] = 1.0 / r_m
                th_out[r, col] = th
                vd_out[r, col] = vs * r_m / (r_m + rs)
            sl = rec_snap[k]
            if sl >= 0:
                snaps[r, sl, :] = xr
        theta[r] = th

