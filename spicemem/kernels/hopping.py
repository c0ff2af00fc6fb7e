"""Event-driven hopping for cold devices, and the hybrid integrator (issue 5).

When every occupied well of the tilted landscape U(x) - a v x is many k_B T deep, the
particles sit in its minima and hop over its saddles rarely.  The device state is then the
occupation number of each well (particles do not interact in eq. 4), and the dynamics is a
continuous-time Markov chain between neighbouring wells, advanced exactly by Gillespie's
algorithm at one random draw per hop.

Rates
-----
Milestoning on the minima: a particle at the minimum m_k next reaches m_(k-1) or m_(k+1).
For eq. 4 in one dimension both the mean time T_k of that first passage and the
probability p_R of going right are exact quadratures over the landscape (Gardiner,
Handbook of Stochastic Methods, Sect. 5.2.7).  Written about the start point m = m_k,
with D = theta/eta and psi = exp(U/theta)::

    B_R = int_m^{m_(k+1)} dy psi(y) int_m^y dz / psi(z),   P_R = int_m^{m_(k+1)} psi,
    (B_L, P_L the mirror images),
    T_k = (B_L P_R + B_R P_L) / (D (P_L + P_R)),   p_R = P_L / (P_L + P_R),

and the hop rates are p_R/T_k and (1 - p_R)/T_k, so that the Markov chain has the exact
mean exit time and splitting of the Langevin dynamics.  A well at a wall has one exit;
its rate is the inverse MFPT to the next minimum with the wall reflecting.  Kramers'
formula is the saddle-point limit; the quadrature keeps the finite-barrier corrections
(6-15 % at k_B T/w_p = 0.10-0.20 for the pinning wells).  The integrals are evaluated in log
space (trapezoid rule, spectrally accurate for these smooth bell-shaped integrands).

Tables
------
Landscapes are precomputed once per parameter set on a grid of device voltages (step
``dv``) and, per voltage, for a grid of temperatures uniform in 1/theta.  Between grid
points log T is interpolated linearly in 1/theta (exact for the Arrhenius factor) and
corrected to first order in the residual tilt dv: a tilt lowers the right barrier by
a dv (s_R - m) (Bell's correction), which is exact to first order and leaves an error of
O((a dv r_p)^2 / theta^2) ~ 1e-4 for dv <= 0.005.

Every local minimum is its own basin (no merging: issue 14).  Beside each hop the tables
hold its transit time, the mean time from the saddle down to the next minimum with the
saddle reflecting: the part of the hop during which a Langevin particle is between wells.

Hybrid
------
A device runs Langevin dynamics (:func:`spicemem.kernels.diffusive.advance`) while hot or
strongly biased, and hops while every occupied basin's margin (:func:`basin_rates`: the
lowest barrier over k_B T, and -log of the fraction of time in transit) is at least
``enter`` (leaving again below ``exit``: hysteresis, so it does not chatter).  A hop that
lands in a basin whose margin is below ``exit`` stops the chain: that particle continues by
Langevin dynamics from the minimum it reached.
Positions map to basins by the saddle positions; back, they are drawn from the harmonic
(Boltzmann) distribution of each basin around its minimum.  The temperature (eq. 5) runs
in both regimes; in the hopping regime rates use the temperature at the middle of each
macro-step, whose length keeps theta's change small.

Random numbers (issue 18)
-------------------------
A device's dynamics stream (``rng``) is read by the dynamics only: Langevin noise, which
hop happens, and the next Gillespie waiting time.  Positions that are a *read-out* of a
hopping configuration come from keyed streams that the dynamics never read: (device key,
epoch of H_CHECK steps on the device's clock) for :func:`materialize` in the bridge and the
positions handed to Langevin dynamics on leaving (:func:`keyed_draw`); (key, output column)
for the standalone ensemble's outputs; and RM_DRAWS draws per configuration for the r_M of
Joule heating and the divider (:func:`configuration_rm`).  The Gillespie clock is
a random time change carried across calls (:func:`gillespie`); regime checks sit on the
device's own grid of H_CHECK steps.  So a run does not depend on where its caller cuts time
or how often it reads a device out -- exactly at zero bias and constant temperature, up to
the theta macro-steps' own tolerance otherwise -- and ngspice's step sequence, which moves
with every parameter of a fit, no longer shifts the draws (common random numbers).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from ._jit import jit
from .diffusive import (P_FIELD, P_HEAT, P_LAM, P_RSERIES, P_THETA0, advance,
                        invert_log_linear, log_linear_mass, potential, resistance, source_voltage)
from .records import Core, HybridDevice, HybridModel, Waveform
from .rng import keyed_state, stream_key, uniform

# Hybrid control vector (float64), built by spicemem.devices.diffusive.
H_ENTER = 0  # enter hopping when the lowest relevant barrier >= H_ENTER * theta
H_EXIT = 1  # leave it when it drops below H_EXIT * theta
H_CHECK = 2  # Langevin steps between two regime checks
H_THETA_TOL = 3  # max relative change of theta over a hopping macro-step
H_DV_TOL = 4  # max change of the device voltage over a macro-step on a ramp (in V_th)
H_MODE = 5  # 0: pure Langevin (validation); 1: hybrid; 2: hybrid without the mixed regime
#              (a whole device hops or none of it: the code before it; bench/fast_path.py)
H_LOCAL = 6  # a particle counts as sitting in its well within H_LOCAL k_B T of the minimum
N_HYBRID = 7

MODE_LANGEVIN = 0
MODE_HOPPING = 1
# Mixed (zero bias only): the particles that sit in wells where hopping holds are occupation
# numbers (``counts``), the others -- x[N - m:], m = N - sum(counts) -- run Langevin dynamics.
MODE_MIXED = 2

# Common random numbers (issue 18): a device's float64[N_CRN] array ``crn``
# (:class:`~spicemem.kernels.records.HybridDevice`).  The dynamics stream ``rng`` is read
# only by the dynamics (Langevin noise, the hop chosen, the next waiting time), so a result
# does not depend on how often, or where, the caller cuts time or reads the device out.
C_KEY = 0  # key of the keyed (counter-based) position draws: rng.stream_key of the initial state
C_HAZARD = 1  # residual unit exponential of the Gillespie clock (< 0: none drawn yet)
C_RM = 2  # r_M of the present configuration for heating and the divider (< 0: to be drawn)
C_EPOCH = 3  # epoch (index of H_CHECK Langevin steps on the device's clock) of the last draw
N_CRN = 4
# r_M for Joule heating (and the divider when the kernel has a series resistance) in the
# hopping regime: 1 / (mean conductance of RM_DRAWS keyed draws of the configuration), drawn
# when the configuration begins (a hop, entering hopping) and held until it ends.  Heating
# acts on theta, which averages it over the thermal time 1/kappa (~1900 steps dt for
# SiOxNy_Ag, 8700 for wang2017_paper), far longer than the in-well relaxation (11-22 steps):
# Langevin dynamics heats with the configuration's mean conductance plus little noise.  One
# draw held per configuration (before issue 18) heated a device by one frozen sample of the
# in-well spread for its whole dwell time; a draw refreshed on a grid of the device's clock
# cost extra macro-steps (2-6x the hybrid's CPU on an I-V loop at 64 steps, measured) and,
# at 1024 steps, made the I-V statistics rougher along a parameter through ngspice (0.47
# against 0.28 ensemble SEs).  The configuration starts at a hop or a regime change, whose
# times do not depend on the caller's cuts, so neither does r_M.
RM_DRAWS = 8
_RM_INDEX = 2.0 ** 50  # keyed-draw indices of r_M: apart from materialize's (the epoch)
_OUT_INDEX = 2.0 ** 51  # ... of the standalone ensemble's outputs (by column)
_SNAP_INDEX = 2.0 ** 51 + 2.0 ** 50  # ... and snapshots (by slot)

class HopTables(NamedTuple):
    """The hop tables of one landscape (built by spicemem.devices.diffusive), dimensionless.

    nv voltages, nt inverse temperatures, kmax basins per landscape.  Compiled code reads
    a field by its position, ``tab[T_MIN]`` (the constants below are generated from the
    field order), so the same kernels also take a plain tuple in this order.
    """

    v: np.ndarray  # voltage grid (nv,)
    inv_theta: np.ndarray  # 1/theta grid (nt,)
    n_basins: np.ndarray  # basins per landscape (nv,) int64
    edges: np.ndarray  # basin edges (nv, kmax+1), walls included
    minima: np.ndarray  # basin minima (nv, kmax)
    curvature: np.ndarray  # U'' at the minimum (nv, kmax); 0 at a wall minimum
    slope: np.ndarray  # U' at a wall minimum (nv, kmax)
    barrier_right: np.ndarray  # barrier to the right (nv, kmax), w_p; inf at the right wall
    barrier_left: np.ndarray  # barrier to the left
    saddle_right: np.ndarray  # right saddle position
    saddle_left: np.ndarray  # left saddle position
    log_t_right: np.ndarray  # log MFPT of a right hop (nv, nt, kmax), in log(1/kappa)
    log_t_left: np.ndarray  # log MFPT of a left hop
    u: np.ndarray  # U(x) at zero bias on the quadrature grid
    log_x_right: np.ndarray  # log mean transit time from the right saddle down to the next
    # minimum (nv, nt, kmax)
    log_x_left: np.ndarray  # the same to the left


# Positions of the hop tables (compile-time constants for the kernels).
T_V = HopTables._fields.index("v")
T_ITH = HopTables._fields.index("inv_theta")
T_NB = HopTables._fields.index("n_basins")
T_EDGE = HopTables._fields.index("edges")
T_MIN = HopTables._fields.index("minima")
T_CURV = HopTables._fields.index("curvature")
T_SLOPE = HopTables._fields.index("slope")
T_BAR_R = HopTables._fields.index("barrier_right")
T_BAR_L = HopTables._fields.index("barrier_left")
T_SAD_R = HopTables._fields.index("saddle_right")
T_SAD_L = HopTables._fields.index("saddle_left")
T_LT_R = HopTables._fields.index("log_t_right")
T_LT_L = HopTables._fields.index("log_t_left")
T_U = HopTables._fields.index("u")
T_LX_R = HopTables._fields.index("log_x_right")
T_LX_L = HopTables._fields.index("log_x_left")


# --------------------------------------------------------------------------------------
# Table construction
# --------------------------------------------------------------------------------------
@jit
def _acc_add(scale, acc, t):
    """Add exp(t) to the number acc * exp(scale); returns the new (scale, acc)."""
    if acc == 0.0:
        return t, 1.0
    if t > scale:
        return t, acc * np.exp(scale - t) + 1.0
    return scale, acc + np.exp(t - scale)


@jit
def _log_mfpt(u, i_refl, i_start, i_target, inv_theta, h):
    """log of int_{start}^{target} e^{U(y)/theta} int_{refl}^{y} e^{-U(z)/theta} dz dy.

    Indices into the grid values ``u``; i_refl <= i_start < i_target (right hop) or the
    mirror image (left hop).  Trapezoid rule with spacing h, accumulated in log space.
    """
    d = 1 if i_target > i_start else -1
    half = np.log(0.5 * h)
    i_s, i_a = 0.0, 0.0  # inner integral as i_a * exp(i_s)
    o_s, o_a = 0.0, 0.0  # outer integral
    prev_log_g = 0.0
    i = i_refl
    while True:
        if i != i_refl:
            i_s, i_a = _acc_add(i_s, i_a, half - u[i - d] * inv_theta)
            i_s, i_a = _acc_add(i_s, i_a, half - u[i] * inv_theta)
        if (d > 0 and i >= i_start) or (d < 0 and i <= i_start):
            log_inner = i_s + np.log(i_a) if i_a > 0.0 else -np.inf
            log_g = u[i] * inv_theta + log_inner
            if i != i_start and np.isfinite(prev_log_g):
                o_s, o_a = _acc_add(o_s, o_a, half + prev_log_g)
                if np.isfinite(log_g):
                    o_s, o_a = _acc_add(o_s, o_a, half + log_g)
            prev_log_g = log_g
        if i == i_target:
            break
        i += d
    return o_s + np.log(o_a)


@jit
def _log_int(u, i0, i1, sign_inv_theta, h):
    """log of int exp(sign_inv_theta * U) between grid indices i0 and i1 (trapezoid)."""
    lo, hi = (i0, i1) if i0 <= i1 else (i1, i0)
    s, acc = 0.0, 0.0
    half = np.log(0.5 * h)
    for i in range(lo, hi):
        s, acc = _acc_add(s, acc, half + u[i] * sign_inv_theta)
        s, acc = _acc_add(s, acc, half + u[i + 1] * sign_inv_theta)
    return s + np.log(acc)


@jit
def _logaddexp(p, q):
    if p < q:
        p, q = q, p
    return p + np.log1p(np.exp(q - p))


@jit
def _basins(u, kmax):
    """Basin edges (grid indices, walls included) and minima of the landscape ``u``.

    Every interior local maximum is a saddle: each basin holds exactly one well, however
    shallow (issue 14: merging shallow wells made long sloped basins across which a hop
    skipped the transit).  Whether a well is deep enough to hop from is decided at run
    time, per temperature (:func:`basin_rates`).
    Returns (n_basins, edges[kmax+1], minima[kmax]).
    """
    m = u.shape[0]
    sad = np.empty(m, np.int64)
    ns = 0
    for i in range(1, m - 1):
        if u[i] > u[i - 1] and u[i] >= u[i + 1]:
            sad[ns] = i
            ns += 1
    nb = ns + 1
    if nb > kmax:
        nb = -nb  # caller raises: table too small
        return nb, np.zeros(kmax + 1, np.int64), np.zeros(kmax, np.int64)
    edges = np.zeros(kmax + 1, np.int64)
    mins = np.zeros(kmax, np.int64)
    edges[0] = 0
    for q in range(ns):
        edges[q + 1] = sad[q]
    edges[nb] = m - 1
    for k in range(nb):
        lo, hi = edges[k], edges[k + 1]
        best = lo
        for i in range(lo, hi + 1):
            if u[i] < u[best]:
                best = i
        mins[k] = best
    return nb, edges, mins


@jit
def build_tables(land, n_grid, kmax, tab):
    """Fill the hop tables ``tab`` (a :class:`HopTables` of writable arrays; its ``v`` and
    ``inv_theta`` grids given) of the landscape ``land`` (a
    :class:`~spicemem.kernels.records.Landscape`) for every voltage of ``tab.v``, on a
    quadrature grid of ``n_grid`` points with at most ``kmax`` wells (dimensionless; in
    parallel)."""
    w_i, r_1, x_c, r_p, a, eta = land
    # The parallel loop takes the arrays one by one: with them unpacked from the tuple
    # inside the parallel function, Numba 0.68 lost the writes to n_basins (measured: all 0).
    _fill_tables(w_i, r_1, x_c, r_p, a, eta, tab[T_V], tab[T_ITH], n_grid, kmax, tab[T_NB],
                 tab[T_EDGE], tab[T_MIN], tab[T_CURV], tab[T_SLOPE], tab[T_BAR_R], tab[T_BAR_L],
                 tab[T_SAD_R], tab[T_SAD_L], tab[T_LT_R], tab[T_LT_L], tab[T_LX_R], tab[T_LX_L])


@jit(parallel=True)
def _fill_tables(w_i, r_1, x_c, r_p, a, eta, v_grid, inv_theta_grid, n_grid, kmax,
                 n_basins, edge_x, min_x, curv, slope, bar_r, bar_l, sad_r, sad_l, log_t_r, log_t_l,
                 log_x_r, log_x_l):
    """The loop of :func:`build_tables` over the voltages (in parallel)."""
    xg = np.linspace(-1.0, 1.0, n_grid)
    h = xg[1] - xg[0]
    base = potential(xg, w_i, r_1, x_c, r_p)
    for j in prange(v_grid.shape[0]):
        u = base - a * v_grid[j] * xg
        nb, edges, mins = _basins(u, kmax)
        n_basins[j] = nb
        if nb < 0:
            continue
        for k in range(nb + 1):
            edge_x[j, k] = xg[edges[k]]
        for k in range(nb):
            i = mins[k]
            min_x[j, k] = xg[i]
            if 0 < i < n_grid - 1:
                curv[j, k] = (u[i + 1] - 2 * u[i] + u[i - 1]) / (h * h)
                slope[j, k] = 0.0
            else:  # minimum at a wall
                curv[j, k] = 0.0
                slope[j, k] = (u[1] - u[0]) / h if i == 0 else (u[i] - u[i - 1]) / h
            # Barriers and saddle positions on either side (inf at the walls).
            if k < nb - 1:
                lo, hi = i, mins[k + 1]
                best = lo
                for q in range(lo, hi + 1):
                    if u[q] > u[best]:
                        best = q
                bar_r[j, k] = u[best] - u[i]
                sad_r[j, k] = xg[best]
                i_sad_r = best
            else:
                bar_r[j, k] = np.inf
                sad_r[j, k] = 1.0
                i_sad_r = n_grid - 1
            if k > 0:
                lo, hi = mins[k - 1], i
                best = hi
                for q in range(lo, hi + 1):
                    if u[q] > u[best]:
                        best = q
                bar_l[j, k] = u[best] - u[i]
                sad_l[j, k] = xg[best]
                i_sad_l = best
            else:
                bar_l[j, k] = np.inf
                sad_l[j, k] = -1.0
                i_sad_l = 0
            for it in range(inv_theta_grid.shape[0]):
                b = inv_theta_grid[it]
                pref = np.log(eta * b)  # 1/D = eta / theta
                # Transit: mean time from the saddle down to the next minimum, the saddle
                # reflecting (the part of a hop the chain does not show: the particle is
                # between the wells meanwhile).
                log_x_r[j, it, k] = -np.inf
                log_x_l[j, it, k] = -np.inf
                if k < nb - 1:
                    log_x_r[j, it, k] = pref + _log_mfpt(u, i_sad_r, i_sad_r, mins[k + 1], b, h)
                if k > 0:
                    log_x_l[j, it, k] = pref + _log_mfpt(u, i_sad_l, i_sad_l, mins[k - 1], b, h)
                if nb == 1:
                    log_t_r[j, it, k] = np.inf
                    log_t_l[j, it, k] = np.inf
                elif k == 0:  # wall on the left: one exit, reflecting at the wall
                    log_t_r[j, it, k] = pref + _log_mfpt(u, edges[0], i, mins[1], b, h)
                    log_t_l[j, it, k] = np.inf
                elif k == nb - 1:
                    log_t_l[j, it, k] = pref + _log_mfpt(u, edges[nb], i, mins[nb - 2], b, h)
                    log_t_r[j, it, k] = np.inf
                else:
                    # Two exits: mean first-passage time T from m_k to {m_(k-1), m_(k+1)}
                    # and splitting probability p_R, both written about the start point so
                    # that every term is positive (no cancellation against deep neighbours):
                    #   T = (1/D) (B_l P_r + B_r P_l) / (P_l + P_r),  p_R = P_l / (P_l + P_r),
                    #   B_r = int_m^{m+} e^{U/th} int_m^y e^{-U/th},  P_r = int_m^{m+} e^{U/th}.
                    lb_r = _log_mfpt(u, i, i, mins[k + 1], b, h)
                    lb_l = _log_mfpt(u, i, i, mins[k - 1], b, h)
                    lp_r = _log_int(u, i, mins[k + 1], b, h)
                    lp_l = _log_int(u, mins[k - 1], i, b, h)
                    lp = _logaddexp(lp_l, lp_r)
                    log_t = pref + _logaddexp(lb_l + lp_r, lb_r + lp_l) - lp
                    # rate_R = p_R / T  ->  log(1/rate_R) = log T - log p_R
                    log_t_r[j, it, k] = log_t - (lp_l - lp)
                    log_t_l[j, it, k] = log_t - (lp_r - lp)


# --------------------------------------------------------------------------------------
# Hopping dynamics
# --------------------------------------------------------------------------------------
@jit
def landscape_index(v, v0, inv_dv, nv):
    """Nearest voltage-grid index and the residual tilt v - v_j."""
    j = int(np.floor((v - v0) * inv_dv + 0.5))
    if j < 0:
        j = 0
    elif j > nv - 1:
        j = nv - 1
    return j, v - (v0 + j / inv_dv)


@jit
def _theta_weights(inv_theta_grid, theta):
    """Index i and weight w of linear interpolation in 1/theta (extrapolates a little)."""
    nth = inv_theta_grid.shape[0]
    f = (1.0 / theta - inv_theta_grid[0]) / (inv_theta_grid[1] - inv_theta_grid[0])
    i = int(np.floor(f))
    if i < 0:
        i = 0
    elif i > nth - 2:
        i = nth - 2
    return i, f - i


@jit
def _interp(arr, j, i, w, k):
    a0 = arr[j, i, k]
    a1 = arr[j, i + 1, k]
    if not (np.isfinite(a0) and np.isfinite(a1)):
        return a0  # +-inf marks a missing exit: the same at every temperature
    return a0 + w * (a1 - a0)


@jit
def hop_rates(tab, j, dv, theta, a, k):
    """(right, left) hop rates out of basin k of landscape j at temperature theta."""
    min_x, sad_r, sad_l = tab[T_MIN], tab[T_SAD_R], tab[T_SAD_L]
    i, w = _theta_weights(tab[T_ITH], theta)
    b = 1.0 / theta
    lt_r = _interp(tab[T_LT_R], j, i, w, k)
    lt_l = _interp(tab[T_LT_L], j, i, w, k)
    m = min_x[j, k]
    r_r = 0.0
    r_l = 0.0
    if np.isfinite(lt_r):
        r_r = np.exp(-lt_r + a * dv * (sad_r[j, k] - m) * b)
    if np.isfinite(lt_l):
        r_l = np.exp(-lt_l - a * dv * (m - sad_l[j, k]) * b)
    return r_r, r_l


@jit
def basin_rates(tab, j, dv, theta, a, rr, rl, margin):
    """Hop rates out of every basin of landscape j, and how well each basin is described
    by hopping.

    ``margin[k]`` is the smaller of two logarithms, both of which must be large for the
    Markov chain to stand for the Langevin dynamics of a particle in basin k:

    * the lowest barrier out of the basin over k_B T (corrected for the residual tilt):
      the particle equilibrates inside the well before it leaves, so its position is the
      well's Boltzmann law and its exit a Poisson event;
    * -log of the fraction of time the particle spends in transit, sum over exits of
      rate * (mean time from the saddle down to the next minimum): the chain moves it
      instantly, a Langevin particle is found between the wells meanwhile.  Under a strong
      tilt the next minimum may lie across the whole gap (issue 14).

    Both are compared with the same thresholds (``hop_enter``, ``hop_exit``): the second
    criterion asks the transit to be as negligible as the first asks the in-well relaxation
    to be (its time over the exit time ~ exp(-barrier / k_B T)).
    """
    n_basins, bar_r, bar_l = tab[T_NB], tab[T_BAR_R], tab[T_BAR_L]
    sad_r, sad_l, min_x = tab[T_SAD_R], tab[T_SAD_L], tab[T_MIN]
    i, w = _theta_weights(tab[T_ITH], theta)
    for k in range(n_basins[j]):
        rr[k], rl[k] = hop_rates(tab, j, dv, theta, a, k)
        m = min_x[j, k]
        br = bar_r[j, k] - a * dv * (sad_r[j, k] - m)
        bl = bar_l[j, k] + a * dv * (m - sad_l[j, k])
        low = min(br, bl) / theta
        frac = 0.0
        if rr[k] > 0.0:
            frac += rr[k] * np.exp(_interp(tab[T_LX_R], j, i, w, k))
        if rl[k] > 0.0:
            frac += rl[k] * np.exp(_interp(tab[T_LX_L], j, i, w, k))
        if frac > 0.0:
            low = min(low, -np.log(frac))
        margin[k] = low


@jit
def occupied_margin(counts, margin, nb):
    """The smallest hopping margin (see :func:`basin_rates`) of any occupied basin."""
    low = np.inf
    for k in range(nb):
        if counts[k] > 0 and margin[k] < low:
            low = margin[k]
    return low


@jit
def basin_of(edge_x, j, nb, x):
    """Index k of the basin of landscape j with edge_x[j, k] <= x < edge_x[j, k+1]."""
    lo, hi = 0, nb
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if x >= edge_x[j, mid]:
            lo = mid
        else:
            hi = mid
    return lo


@jit
def landscape_u(tab, x, v, a):
    """U(x) - a v x by linear interpolation of the zero-bias quadrature grid."""
    u_base = tab[T_U]
    ng = u_base.shape[0]
    f = (x + 1.0) * 0.5 * (ng - 1)
    i = int(f)
    if i >= ng - 1:
        i = ng - 2
    elif i < 0:
        i = 0
    w = f - i
    return u_base[i] + w * (u_base[i + 1] - u_base[i]) - a * v * x


@jit
def settled(x, tab, j, dv, a, theta, local):
    """True when every particle lies within ``local`` k_B T of its basin's minimum.

    Wells merged under a strong tilt form long sloped basins; a particle still sliding
    down one is not in local equilibrium and must stay in the Langevin regime.
    """
    n_basins, edge_x, min_x = tab[T_NB], tab[T_EDGE], tab[T_MIN]
    v = tab[T_V][j] + dv
    nb = n_basins[j]
    for i in range(x.shape[0]):
        lo = basin_of(edge_x, j, nb, x[i])
        if landscape_u(tab, x[i], v, a) - landscape_u(tab, min_x[j, lo], v, a) > local * theta:
            return False
    return True


@jit
def remap_is_local(counts, tab, j_old, j_new, dv, a, theta, local):
    """True when every occupied basin's minimum lands within ``local`` k_B T of the
    minimum of its new basin (no particle would be carried down a slope)."""
    n_basins, edge_x, min_x = tab[T_NB], tab[T_EDGE], tab[T_MIN]
    v = tab[T_V][j_new] + dv
    nb_new = n_basins[j_new]
    for k in range(n_basins[j_old]):
        if counts[k] == 0:
            continue
        xm = min_x[j_old, k]
        lo = basin_of(edge_x, j_new, nb_new, xm)
        if landscape_u(tab, xm, v, a) - landscape_u(tab, min_x[j_new, lo], v, a) > local * theta:
            return False
    return True


@jit
def zero_span(tw, vw, t):
    """(True, end) when the source is identically zero from ``t`` until ``end`` (inf: for
    good), else (False, t).  Only then are the particles independent (no tilt, no Joule
    heating, theta relaxing to theta_0 whatever they do), so some can hop while others run
    Langevin dynamics."""
    m = tw.shape[0]
    if t < tw[0]:
        if vw[0] != 0.0:
            return False, t
        q = 0  # held at vw[0] until tw[0]; continue over the zero segments after it
    elif t >= tw[m - 1]:
        return vw[m - 1] == 0.0, np.inf
    else:
        q = 0
        while tw[q + 1] <= t:
            q += 1
        if vw[q] != 0.0 or vw[q + 1] != 0.0:
            return False, t
        q += 1
    while q < m - 1 and vw[q + 1] == 0.0:
        q += 1
    if q == m - 1 and vw[m - 1] == 0.0:
        return True, np.inf
    return True, tw[q]


@jit
def split_particles(x, tab, j, dv, a, theta, local, margin, enter, counts):
    """Move the particles that may hop (their basin's margin >= ``enter`` and within
    ``local`` k_B T of its minimum) to the front of ``x`` and count them into ``counts``;
    the others end up in the tail.  Returns the number left for Langevin dynamics."""
    n_basins, edge_x, min_x = tab[T_NB], tab[T_EDGE], tab[T_MIN]
    v = tab[T_V][j] + dv
    nb = n_basins[j]
    counts[:] = 0
    g = 0
    for i in range(x.shape[0]):
        k = basin_of(edge_x, j, nb, x[i])
        if (margin[k] >= enter and landscape_u(tab, x[i], v, a)
                - landscape_u(tab, min_x[j, k], v, a) <= local * theta):
            counts[k] += 1
            xi = x[i]
            x[i] = x[g]
            x[g] = xi
            g += 1
    return x.shape[0] - g


@jit
def assign_basins(x, tab, j, counts):
    """Occupation numbers of the basins of landscape j for positions x."""
    n_basins, edge_x = tab[T_NB], tab[T_EDGE]
    nb = n_basins[j]
    counts[:] = 0
    for i in range(x.shape[0]):
        counts[basin_of(edge_x, j, nb, x[i])] += 1


@jit
def remap_counts(counts, tab, j_old, j_new, scratch):
    """Move occupation numbers from landscape j_old to j_new by each basin's minimum."""
    n_basins, edge_x, min_x = tab[T_NB], tab[T_EDGE], tab[T_MIN]
    nb_new = n_basins[j_new]
    scratch[:] = 0
    for k in range(n_basins[j_old]):
        c = counts[k]
        if c == 0:
            continue
        xm = min_x[j_old, k]
        lo = basin_of(edge_x, j_new, nb_new, xm)
        scratch[lo] += c
    counts[:] = scratch


@jit
def draw_positions(x, counts, tab, j, theta, state, a, dv):
    """Positions drawn from the exact Boltzmann law of each occupied basin.

    The density exp(-(U(x) - a v x)/theta) restricted to the basin is tabulated on the
    quadrature grid (only for occupied basins) and sampled by inverse CDF, so the
    conductance of a hopping device has the same distribution as a Langevin device whose
    particles have equilibrated inside their wells.  Each grid cell is exponential across
    (U linear between grid points: :func:`~spicemem.kernels.diffusive.invert_log_linear`);
    trapezoid cells, uniform inside, widened the law by h^2/2 in variance.
    """
    n_basins, edge_x, u_base = tab[T_NB], tab[T_EDGE], tab[T_U]
    ng = u_base.shape[0]
    h = 2.0 / (ng - 1)
    v = tab[T_V][j] + dv
    inv_theta = 1.0 / theta
    cdf = np.empty(ng)
    slope = np.empty(ng)  # (U(x_(q+1)) - U(x_q)) / theta of cell q
    i = 0
    for k in range(n_basins[j]):
        c = counts[k]
        if c == 0:
            continue
        lo = int((edge_x[j, k] + 1.0) / h + 0.5)
        hi = int((edge_x[j, k + 1] + 1.0) / h + 0.5)
        umin = np.inf
        for q in range(lo, hi + 1):
            uq = u_base[q] - a * v * (-1.0 + q * h)
            if uq < umin:
                umin = uq
        cdf[lo] = 0.0
        e_prev = (u_base[lo] - a * v * (-1.0 + lo * h) - umin) * inv_theta
        prev = np.exp(-e_prev)
        for q in range(lo + 1, hi + 1):
            e = (u_base[q] - a * v * (-1.0 + q * h) - umin) * inv_theta
            cur = np.exp(-e)
            slope[q - 1] = e - e_prev
            cdf[q] = cdf[q - 1] + log_linear_mass(prev, cur, e - e_prev)
            prev = cur
            e_prev = e
        total = cdf[hi]
        for _ in range(c):
            a_i, frac = invert_log_linear(cdf, slope, lo, hi, uniform(state) * total)
            x[i] = -1.0 + (a_i + frac) * h
            i += 1


@jit
def init_crn(states, crn):
    """Fill the common-random-number state ``crn`` (R, N_CRN) of R devices from their
    initial dynamics streams ``states`` (R, 4): the key of each device's read-out draws, no
    waiting time drawn yet, no r_M cached."""
    for r in range(states.shape[0]):
        crn[r, C_KEY] = stream_key(states[r])
        crn[r, C_HAZARD] = -1.0
        crn[r, C_RM] = -1.0
        crn[r, C_EPOCH] = 0.0


@jit
def epoch_of(t, dt, check):
    """Index of the epoch of ``check`` Langevin steps dt that holds the device time t."""
    return max(np.floor(t / (dt * check) + 1e-6), 0.0)


@jit
def keyed_draw(x, counts, tab, j, theta, crn, a, dv, t, dt, check):
    """:func:`draw_positions` with the keyed stream (crn[C_KEY], epoch of t): the in-well
    positions of a hopping configuration as a *read-out* that leaves the dynamics stream
    alone.

    Why keyed by the epoch (H_CHECK steps dt of the device's clock) and not redrawn at every
    call: a Langevin particle's in-well position decorrelates on eta / U'' (about 22 steps
    dt for SiOxNy_Ag, 10 for wang2017_paper; H_CHECK is 64), so positions held for one
    epoch and drawn afresh in the next are as independent between accepted points farther
    apart than an epoch as Langevin's, and as correlated within one, to that precision;
    and they depend on the device's time only, not on the caller's cuts.  Positions held
    for a whole configuration (until the next hop) would instead freeze one draw of the
    in-well spread for up to the dwell time, which Langevin dynamics averages out.  The
    same uniforms in the same epoch give positions that move continuously with theta and
    the tilt (inverse CDF).  A hop of one particle does not redraw the others' offsets in
    their wells (the uniforms are assigned in basin order), as in Langevin dynamics.
    """
    crn[C_EPOCH] = epoch_of(t, dt, check)
    draw_positions(x, counts, tab, j, theta, keyed_state(crn[C_KEY], crn[C_EPOCH]), a, dv)


@jit
def configuration_rm(x, order, counts, tab, j, theta, crn, a, dv, lam, t, dt, check):
    """r_M of a hopping configuration for heating and the divider: 1 / the mean conductance
    of RM_DRAWS keyed draws (indices apart from the read-outs', named by the epoch the
    configuration begins in; see RM_DRAWS).  Leaves the last draw in ``x``."""
    base = _RM_INDEX + epoch_of(t, dt, check) * RM_DRAWS
    g = 0.0
    for q in range(RM_DRAWS):
        draw_positions(x, counts, tab, j, theta, keyed_state(crn[C_KEY], base + q), a, dv)
        g += 1.0 / resistance(x, order, lam)
    return RM_DRAWS / g


@jit
def gillespie(counts, rr, rl, margin, exit_margin, nb, span, state, crn, stop_on_hop):
    """Advance occupations over ``span`` with frozen rates ``rr``, ``rl`` (per basin).

    The clock is a random time change carried across calls in crn[C_HAZARD]: each segment
    consumes total_rate * span of the stored unit exponential, and an event happens when it
    is used up; a new one is drawn after each event.  Exact for piecewise-constant rates,
    and the event times do not depend on how the caller cuts time (issue 18: the waiting
    time drawn afresh in every call, and discarded at its end, made every later draw depend
    on the caller's step sequence).  A hop invalidates the cached r_M (crn[C_RM]).

    Returns (time used, landing basin).  The landing basin is -1 unless a hop lands in a
    basin whose margin (:func:`basin_rates`) is below ``exit_margin``: the chain stops at
    that hop, because the particle that just arrived must go on by Langevin dynamics from
    the minimum it reached (the milestone whose first-passage time the rates give).
    With ``stop_on_hop`` it returns at the first hop (the caller refreshes what depends on
    the configuration, e.g. r_M for Joule heating); otherwise it runs to ``span``.
    """
    t = 0.0
    while True:
        total = 0.0
        for k in range(nb):
            total += counts[k] * (rr[k] + rl[k])
        if total <= 0.0:
            return span, -1
        if crn[C_HAZARD] < 0.0:
            crn[C_HAZARD] = -np.log(uniform(state))
        tau = crn[C_HAZARD] / total
        if t + tau >= span:
            crn[C_HAZARD] = max(crn[C_HAZARD] - (span - t) * total, 0.0)
            return span, -1
        t += tau
        target = uniform(state) * total
        crn[C_HAZARD] = -np.log(uniform(state))  # the next event's
        acc = 0.0
        src = -1
        dest = -1
        for k in range(nb):
            c = counts[k]
            if c == 0:
                continue
            acc += c * rr[k]
            if target < acc:
                src, dest = k, k + 1
                break
            acc += c * rl[k]
            if target < acc:
                src, dest = k, k - 1
                break
        if src >= 0:
            counts[src] -= 1
            counts[dest] += 1
            crn[C_RM] = -1.0
            if margin[dest] < exit_margin:
                return t, dest
        if stop_on_hop:
            return t, -1


# --------------------------------------------------------------------------------------
# The hybrid integrator
# --------------------------------------------------------------------------------------
@jit
def _mixed_step(dev, theta, model, wave, t, t_end, dt, rr, rl, margin):
    """One macro-step of the mixed regime (zero bias): the particles counted in ``counts``
    hop (Gillespie, rates at the macro-step's mid temperature), x[nh:] take Langevin steps
    of dt over the same time, in chunks of H_CHECK steps; after each chunk a Langevin
    particle that has reached a well where hopping holds (margin >= H_ENTER, within H_LOCAL
    k_B T of the minimum) joins the counts, and a hop that lands in a well below H_EXIT
    hands that particle to Langevin dynamics at the minimum it reached, the hop's time
    rounded to the step grid (an error below dt/2 per such hop).  Exact in distribution
    as far as hopping is: without bias the particles of eq. 4 are independent and theta
    relaxes to theta_0 whatever they do.

    Returns (theta, t, stop); stop when less than half a step is left before t_end.
    Sets mode[0] to MODE_HOPPING when no particle is left to Langevin, MODE_LANGEVIN when
    the bias comes on or an occupied well's margin drops below H_EXIT.  The arguments are
    those of :func:`advance_hybrid` plus its rate buffers ``rr``, ``rl``, ``margin``.
    """
    x, order, counts, mode, state, crn = dev
    tab_f, inv_dx, p = model.core
    hc, tab = model.hc, model.hop
    tw, vw = wave
    n = x.shape[0]
    j = mode[1]
    nb = tab[T_NB][j]
    min_x, edge_x = tab[T_MIN], tab[T_EDGE]
    dvr = -tab[T_V][j]  # zero bias: the residual tilt of the landscape nearest to v = 0
    th0 = p[P_THETA0]
    a = p[P_FIELD]
    check = max(int(hc[H_CHECK]), 1)
    nh = 0
    for k in range(nb):
        nh += counts[k]
    zero, z_end = zero_span(tw, vw, t)
    if zero and z_end >= t_end:
        n_steps = int((t_end - t) / dt + 0.5)  # as the Langevin regime: nearest whole step
        if n_steps == 0:
            return theta, t, True
    elif zero:
        n_steps = int((z_end - t) / dt)  # every step before the bias comes on
    else:
        n_steps = 0
    if theta > 1.0 / tab[T_ITH][0]:
        n_steps = 0  # beyond the tables (an ambient above them): Langevin for all
    if n_steps == 0:
        keyed_draw(x[:nh], counts, tab, j, theta, crn, a, dvr, t, dt, check)
        mode[0] = MODE_LANGEVIN
        return theta, t, False
    gap = abs(theta - th0)
    if gap > 0.0:
        n_th = int(hc[H_THETA_TOL] * theta / gap / dt)
        if n_th < 1:
            n_th = 1
        if n_th < n_steps:
            n_steps = n_th
    th_mid = th0 + (theta - th0) * np.exp(-0.5 * n_steps * dt)
    basin_rates(tab, j, dvr, th_mid, a, rr, rl, margin)
    if occupied_margin(counts, margin, nb) < hc[H_EXIT]:
        keyed_draw(x[:nh], counts, tab, j, theta, crn, a, dvr, t, dt, check)
        mode[0] = MODE_LANGEVIN
        return theta, t, False
    v = tab[T_V][j] + dvr
    local = hc[H_LOCAL]
    done = 0
    while done < n_steps:
        # chunks end on the device's global grid of H_CHECK steps (issue 18: where the
        # caller cuts time must not move the joining checks)
        to_check = check - int(np.floor(t / dt + 0.5)) % check
        k_steps = min(to_check, n_steps - done)
        used, landed = gillespie(counts, rr, rl, margin, hc[H_EXIT], nb, k_steps * dt, state,
                                 crn, False)
        on_grid = k_steps == to_check
        if landed >= 0:
            k_steps = int(used / dt + 0.5)
        if k_steps > 0:
            theta = advance(x[nh:], order[:n - nh], theta, state, tab_f, inv_dx, p, tw, vw, t,
                            k_steps, dt)
            t += k_steps * dt
            done += k_steps
        if landed >= 0:
            counts[landed] -= 1
            nh -= 1
            x[nh] = min_x[j, landed]
        if not (on_grid or landed >= 0):
            continue  # the call ends between two checks
        # Langevin particles that have settled in a well where hopping holds join the counts.
        i = nh
        while i < n:
            k = basin_of(edge_x, j, nb, x[i])
            if (margin[k] >= hc[H_ENTER] and landscape_u(tab, x[i], v, a)
                    - landscape_u(tab, min_x[j, k], v, a) <= local * theta):
                counts[k] += 1
                xi = x[i]
                x[i] = x[nh]
                x[nh] = xi
                nh += 1
            i += 1
        if nh == n:
            mode[0] = MODE_HOPPING
            crn[C_RM] = -1.0
            break
    if abs(t_end - t) < 1e-6 * dt:
        t = t_end
    return theta, t, False

@jit
def advance_hybrid(dev, theta, model, wave, t_start, t_end, dt):
    """Advance one device from t_start to t_end, choosing Langevin or hopping by its state.

    ``dev`` is a :class:`~spicemem.kernels.records.HybridDevice`, ``model`` a
    :class:`~spicemem.kernels.records.HybridModel`, ``wave`` a
    :class:`~spicemem.kernels.records.Waveform`; ``theta`` the device temperature.

    ``mode`` is an int64[2] array: [regime, landscape index of ``counts``].  In the
    hopping regime ``counts`` holds the basin occupations and ``x`` is stale until
    :func:`materialize` draws positions.  Returns (theta, t): the time reached.  In the
    Langevin regime the device takes the nearest whole number of steps dt, so t may end up
    to dt/2 before or after t_end; the caller keeps t as the device's clock, so the
    difference is carried into the next call instead of being dropped.  (Dropping it made a
    device stand still under ngspice steps shorter than dt/2: measured, SRDP through the
    bridge fell from +29 % to +6 % as the drift coupling tolerance, and so the step, shrank,
    while pure Langevin gave +29 % at both.)  Cumulated over calls the step count is the
    one pure Langevin dynamics takes, so a hybrid that never hops is pure Langevin.

    ``dev.crn`` (``C_*``) carries what keeps the random numbers common across calls: the
    key of the read-out draws, the residual hazard of the Gillespie clock, the cached r_M
    and its epoch, and the epoch :func:`materialize` draws in (set on return).  Regime
    checks happen every H_CHECK steps of the device's own step grid (round(t / dt)), not at
    call ends, so a call ending between two checks does not add one.
    """
    x, order, counts, mode, state, crn = dev
    tab_f, inv_dx, p = model.core
    hc, tab = model.hc, model.hop
    tw, vw = wave
    a = p[P_FIELD]
    c = p[P_HEAT]
    th0 = p[P_THETA0]
    rs = p[P_RSERIES]
    lam = p[P_LAM]
    v_grid = tab[T_V]
    inv_theta_grid = tab[T_ITH]
    nv = v_grid.shape[0]
    v0 = v_grid[0]
    inv_dv = 1.0 / (v_grid[1] - v_grid[0])
    v_lim = max(abs(v_grid[0]), abs(v_grid[nv - 1]))
    theta_hi = 1.0 / inv_theta_grid[0]
    hybrid = hc[H_MODE] != 0.0
    per_particle = hc[H_MODE] == 1.0
    check = max(int(hc[H_CHECK]), 1)
    scratch = np.empty_like(counts)
    n_basins = tab[T_NB]
    rr = np.empty(counts.shape[0])
    rl = np.empty(counts.shape[0])
    margin = np.empty(counts.shape[0])
    t = t_start
    jw = 0
    dvr = 0.0
    while t_end - t > 1e-12 * max(1.0, abs(t_end)):
        if mode[0] == MODE_LANGEVIN:
            n = int((t_end - t) / dt + 0.5)  # the nearest whole number of steps
            # The regime checks sit on the device's own grid of H_CHECK steps, not at the
            # caller's cuts (issue 18: else each call end is one more chance to enter
            # hopping, and ngspice's step sequence would move the entry).
            to_check = check - int(np.floor(t / dt + 0.5)) % check
            if hybrid and n > to_check:
                n = to_check
            if n == 0:
                break  # less than half a step left: it is carried into the next call
            theta = advance(x, order, theta, state, tab_f, inv_dx, p, tw, vw, t, n, dt)
            t += n * dt
            if abs(t_end - t) < 1e-6 * dt:
                t = t_end  # on the step grid up to rounding: no remainder to carry
            if not hybrid or theta > theta_hi or n < to_check:
                continue
            vs, jw = source_voltage(tw, vw, t, jw)
            vd = vs
            if vs != 0.0 and rs > 0.0:
                rr_ = resistance(x, order, lam)
                vd = vs * rr_ / (rr_ + rs)
            if abs(vd) > v_lim:
                continue
            j, dvr = landscape_index(vd, v0, inv_dv, nv)
            assign_basins(x, tab, j, counts)
            basin_rates(tab, j, dvr, theta, a, rr, rl, margin)
            if (occupied_margin(counts, margin, n_basins[j]) >= hc[H_ENTER]
                    and settled(x, tab, j, dvr, a, theta, hc[H_LOCAL])):
                mode[0] = MODE_HOPPING
                mode[1] = j
                crn[C_RM] = -1.0
            elif per_particle and vs == 0.0 and zero_span(tw, vw, t)[0]:
                # Unbiased: the particles in wells where hopping holds hop, the rest go on
                # by Langevin dynamics (a device with one particle on a shoulder well no
                # longer integrates all of them).
                if split_particles(x, tab, j, dvr, a, theta, hc[H_LOCAL], margin, hc[H_ENTER],
                                   counts) < x.shape[0]:
                    mode[0] = MODE_MIXED
                    mode[1] = j
            continue

        if mode[0] == MODE_MIXED:
            theta, t, stop = _mixed_step(dev, theta, model, wave, t, t_end, dt, rr, rl, margin)
            if stop:
                break  # less than half a step left: it is carried into the next call
            continue

        # ---- hopping regime: one macro-step ----
        vs, jw = source_voltage(tw, vw, t, jw)
        # r_M of the configuration, for the divider and Joule heating: keyed, held across
        # calls until the configuration changes (see RM_DRAWS)
        r_m = crn[C_RM]
        if vs != 0.0 and (rs > 0.0 or c > 0.0) and r_m < 0.0:
            # on the grid landscape itself (the residual tilt, at most half the grid step of
            # 0.02 V_th, shifts a well's energy across its spread by ~1e-3 k_B T: negligible),
            # so that r_M does not depend on whether the call began with this macro-step
            r_m = configuration_rm(x, order, counts, tab, mode[1], theta, crn, a, 0.0, lam, t, dt,
                                   check)
            crn[C_RM] = r_m
        vd = vs
        if vs != 0.0 and rs > 0.0:
            vd = vs * r_m / (r_m + rs)
        leave = theta > theta_hi or abs(vd) > v_lim
        if not leave:
            j, dvr_new = landscape_index(vd, v0, inv_dv, nv)
            if j != mode[1]:
                if remap_is_local(counts, tab, mode[1], j, dvr_new, a, theta, hc[H_LOCAL]):
                    remap_counts(counts, tab, mode[1], j, scratch)
                    mode[1] = j
                else:
                    leave = True  # draw in the old wells; Langevin carries them on
            if not leave:
                dvr = dvr_new
        if leave:
            keyed_draw(x, counts, tab, mode[1], theta, crn, a, dvr, t, dt, check)
            mode[0] = MODE_LANGEVIN
            continue
        th_eq = th0
        if vd != 0.0:
            th_eq = th0 + c * vd * vd / r_m
        # Macro-step: to t_end, the next waveform breakpoint, a small voltage change on a
        # ramp, and a small change of theta.
        h = t_end - t
        m_w = tw.shape[0]
        if t < tw[m_w - 1]:
            q = jw
            while q < m_w - 1 and tw[q + 1] <= t:
                q += 1
            nxt = tw[q + 1] if t >= tw[0] else tw[0]
            if nxt - t < h:
                h = nxt - t
            if t >= tw[0]:
                span = tw[q + 1] - tw[q]
                if span > 0.0:
                    slope_v = abs(vw[q + 1] - vw[q]) / span
                    if slope_v > 0.0 and hc[H_DV_TOL] / slope_v < h:
                        h = hc[H_DV_TOL] / slope_v
        gap = abs(theta - th_eq)
        if gap > 0.0:
            h_th = hc[H_THETA_TOL] * theta / gap
            if h_th < h:
                h = h_th
        if h < 1e-12:
            h = 1e-12
        th_mid = th_eq + (theta - th_eq) * np.exp(-0.5 * h)
        nb = n_basins[mode[1]]
        basin_rates(tab, mode[1], dvr, th_mid, a, rr, rl, margin)
        if occupied_margin(counts, margin, nb) < hc[H_EXIT]:
            keyed_draw(x, counts, tab, mode[1], theta, crn, a, dvr, t, dt, check)
            mode[0] = MODE_LANGEVIN
            continue
        used, landed = gillespie(counts, rr, rl, margin, hc[H_EXIT], nb, h, state, crn,
                                 vd != 0.0)
        theta = th_eq + (theta - th_eq) * np.exp(-used)
        t += used
        if landed >= 0:
            # The particle that arrived sits at the minimum it reached; Langevin dynamics
            # takes it over -- at zero bias it alone, the others keep hopping (mixed regime);
            # under bias all of them, drawn in their wells' Boltzmann laws.
            counts[landed] -= 1
            n = x.shape[0]
            if per_particle and vd == 0.0 and zero_span(tw, vw, t)[0]:
                nh = 0
                for k in range(nb):
                    nh += counts[k]
                x[nh] = tab[T_MIN][mode[1], landed]
                mode[0] = MODE_MIXED
                continue
            keyed_draw(x[:n - 1], counts, tab, mode[1], theta, crn, a, dvr, t, dt, check)
            x[n - 1] = tab[T_MIN][mode[1], landed]
            counts[landed] += 1
            mode[0] = MODE_LANGEVIN
            continue
    crn[C_EPOCH] = epoch_of(t, dt, check)  # what materialize draws in
    return theta, t


@jit
def materialize(x, counts, mode, theta, crn, tab, a, v):
    """Make ``x`` current: in the hopping regime draw positions from the occupations
    (in the landscape of device voltage ``v``, which must map to landscape mode[1]); in the
    mixed regime only those of the hopping particles, x[:sum(counts)].

    A read-out: the draw is keyed by the device's ``crn`` (its key and the epoch
    :func:`advance_hybrid` left it in, see :func:`keyed_draw`) and does not touch the
    dynamics stream, so reading a device out any number of times leaves its later
    trajectory unchanged."""
    if mode[0] != MODE_LANGEVIN:
        v_grid = tab[T_V]
        j, dvr = landscape_index(v, v_grid[0], 1.0 / (v_grid[1] - v_grid[0]), v_grid.shape[0])
        if j != mode[1]:
            dvr = v - v_grid[mode[1]]
        nh = 0
        for k in range(tab[T_NB][mode[1]]):
            nh += counts[k]
        draw_positions(x[:nh], counts, tab, mode[1], theta,
                       keyed_state(crn[C_KEY], crn[C_EPOCH]), a, dvr)


@jit
def run_ensemble_hybrid(ens, model, wave, dt, rec, out):
    """Hybrid counterpart of :func:`spicemem.kernels.diffusive.run_ensemble` (record times
    are continuous here, not step indices): ``ens`` a
    :class:`~spicemem.kernels.records.HybridEnsemble`, ``model`` a ``HybridModel``, ``wave``
    a ``Waveform``, ``rec`` the ``Records`` (times), ``out`` the ``Outputs``.  ``ens.clock``
    (R,) holds each device's time, in and out (:func:`advance_hybrid` may stop within dt/2
    of a record), so that a long ensemble runs in pieces of records with the same numbers
    as in one call.

    The parallel loop (:func:`_ensemble_hybrid`) takes the arrays one by one, and the
    records are rebuilt per device outside it (:func:`_advance_one`): Numba 0.68's parfors
    cannot hand a nested tuple to the loop body ("scalar type ... given for non scalar
    argument"), and a tuple built inside the body came out wrong *silently* (measured: a
    zero-bias relaxation of bench/fast_path.py relaxed 4x faster, at 3x the CPU)."""
    x, order, counts, modes, theta, states, clock, crn = ens
    tab_f, inv_dx, p = model.core
    rec_times, rec_out, rec_snap = rec
    g_out, th_out, vd_out, snaps = out
    _ensemble_hybrid(x, order, counts, modes, theta, states, crn, tab_f, inv_dx, p, model.hc,
                     model.hop, wave.t, wave.v, clock, dt, rec_times, rec_out, rec_snap, g_out,
                     th_out, vd_out, snaps)


@jit
def _advance_one(xr, orr, cr, md, th, st, cn, tab_f, inv_dx, p, hc, tab, tw, vw, cur, tk, dt):
    """:func:`advance_hybrid` of one device of :func:`_ensemble_hybrid` (the records are
    built here, outside the parallel loop)."""
    return advance_hybrid(HybridDevice(xr, orr, cr, md, st, cn), th,
                          HybridModel(Core(tab_f, inv_dx, p), hc, tab), Waveform(tw, vw),
                          cur, tk, dt)


@jit(parallel=True)
def _ensemble_hybrid(x, order, counts, modes, theta, states, crn, tab_f, inv_dx, p, hc, tab,
                     tw, vw, clock, dt, rec_times, rec_out, rec_snap, g_out, th_out, vd_out, snaps):
    """The parallel loop of :func:`run_ensemble_hybrid` over the devices."""
    lam = p[P_LAM]
    rs = p[P_RSERIES]
    for r in prange(x.shape[0]):
        xr = x[r]
        orr = order[r]
        st = states[r]
        cn = crn[r]
        cr = counts[r]
        md = modes[r]
        th = theta[r]
        cur = clock[r]
        for k in range(rec_times.shape[0]):
            tk = rec_times[k]
            if tk > cur:
                th, cur = _advance_one(xr, orr, cr, md, th, st, cn, tab_f, inv_dx, p, hc, tab, tw,
                                       vw, cur, tk, dt)
            # the record is at tk (the state within dt/2 of it, as pure Langevin records
            # at the nearest step): the source at tk, so the divider holds exactly
            vs, _ = source_voltage(tw, vw, tk, 0)
            if rec_out[k] >= 0 or rec_snap[k] >= 0:
                # The device voltage needs r_M: use the divider of the last configuration
                # (exact at zero bias or without series resistance).
                vd0 = vs
                if rs > 0.0 and vs != 0.0 and md[0] == MODE_LANGEVIN:
                    r0 = resistance(xr, orr, lam)
                    vd0 = vs * r0 / (r0 + rs)
                # Keyed by the output column (or snapshot slot), not the epoch: a fit scales
                # its record grid with the parameters' time scale (fit.model.scaled_record),
                # so the k-th output is the same point of the relaxation at every parameter
                # and keeps its read-out noise common; keyed by the epoch of an absolute time
                # it was redrawn (measured: the synthetic-relaxation fits of tests/test_fit.py
                # ended at chi2 1.3-26 instead of 0.07-1.7).  Extra snapshots do not move it.
                ep = cn[C_EPOCH]
                cn[C_EPOCH] = (_OUT_INDEX + rec_out[k] if rec_out[k] >= 0
                               else _SNAP_INDEX + rec_snap[k])
                materialize(xr, cr, md, th, cn, tab, p[P_FIELD], vd0)
                cn[C_EPOCH] = ep
            col = rec_out[k]
            if col >= 0:
                r_m = resistance(xr, orr, lam)
                g_out[r, col] = 1.0 / r_m
                th_out[r, col] = th
                vd_out[r, col] = vs * r_m / (r_m + rs)
            sl = rec_snap[k]
            if sl >= 0:
                snaps[r, sl, :] = xr
        theta[r] = th
        clock[r] = cur
