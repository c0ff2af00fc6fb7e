"""Shared analysis of the Fig. 4 experiments: start states, crossings, relaxation times,
cluster occupations and the Arrhenius fit.

Everything here works on plain arrays (time in any unit, conductance as G/G_max, positions
in units of the half-length L) so that it can be tested without running a simulation.
"""

from __future__ import annotations

import numpy as np

#: Relaxation level of the Fig. 4a inset: tau is the time from the end of the pulse until
#: G < 0.02 G_max (Wang et al. 2017, Fig. 4 caption).
RELAX_LEVEL = 0.02
#: Switching level of the delay: the mean conductance reaches 0.1 G_max (the paper's V_th
#: definition uses the same 10 % level).
SWITCH_LEVEL = 0.1
#: A particle belongs to a terminal cluster when it is farther than this from the centre,
#: in L: the interfacial wells sit at +-0.85 L with width R_1 = 0.1 L, so |x| > 0.6 L is
#: 2.5 well widths from their centres and four pinning periods from the middle.
CLUSTER_EDGE = 0.6


def two_cluster_start(params, realizations: int, seed: int, *, theta: float | None = None,
                      first_stream: int = 0):
    """Initial positions (R, N) in m: N/2 particles in each terminal cluster.

    Each half is drawn from the Boltzmann law exp(-U/k_B T0) restricted to that half of
    the device, i.e. each cluster is in local equilibrium (the paper's Fig. 4a1: "two large
    clusters ... near each terminal").

    Notes
    -----
    The global Boltzmann law is not the paper's starting state: with the stated
    x_c = 0.85 L and R_p = 0.15 L the pinning term sin(2 pi x/R_p) deepens the right well
    by 0.74 w_p, so in global equilibrium only 13 % of the particles (5 of 40) sit in the
    left cluster at k_B T0/w_p = 0.30.  The barrier between the clusters is 4.7 w_p
    (16 k_B T0), so the two-cluster state is metastable for the whole of every run.

    Realization r depends only on (seed, first_stream + r), like the Langevin streams.
    """
    core = params.core
    theta = params.theta_ambient if theta is None else float(theta)
    grid, cdf = core.boltzmann_cdf(theta)
    c_mid = float(np.interp(0.0, grid, cdf))
    n = params.n_particles
    n_left = n // 2
    x = np.empty((realizations, n))
    for r in range(realizations):
        rng = np.random.default_rng([int(seed), int(first_stream) + r, 0x4C52])  # 'LR': a stream of its own
        u = np.concatenate([rng.uniform(0.0, c_mid, n_left), rng.uniform(c_mid, 1.0, n - n_left)])
        x[r] = np.interp(u, cdf, grid)
    return x * params.half_length


def first_crossing(t, y, level: float, *, start: float, rising: bool, stop: float | None = None) -> float:
    """First time in [``start``, ``stop``] at which ``y`` reaches ``level`` (upwards if
    ``rising``): the one crossing finder of spicemem (issue 15).

    Linear interpolation between the sample before the first sample past the level and that
    sample (a step-function reading -- the first sample past it -- is late by up to one
    sample interval, always in the same direction; interpolation is unbiased for a signal
    linear between samples); never earlier than ``start``.  Only samples in [start, stop]
    are searched; the first sample at or after ``start`` is returned if ``y`` is already past
    the level there.  NaN if it never gets there.
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    k0 = int(np.searchsorted(t, start))
    k1 = t.size if stop is None else int(np.searchsorted(t, stop, side="right"))
    if k0 >= k1:
        return float("nan")
    past = y[k0:k1] >= level if rising else y[k0:k1] < level
    if not past.any():
        return float("nan")
    k = k0 + int(np.argmax(past))
    if k == k0 or k == 0:
        return float(max(t[k], start))
    t1, t2, y1, y2 = t[k - 1], t[k], y[k - 1], y[k]
    if y2 == y1:
        return float(t2)
    return float(max(t1 + (level - y1) * (t2 - t1) / (y2 - y1), start))


def relaxation_times(t, g, t_off: float, *, level: float = RELAX_LEVEL, switched: float = SWITCH_LEVEL):
    """Per-realization relaxation: time from ``t_off`` until G/G_max < ``level``.

    Parameters
    ----------
    t : (K,) times;  g : (R, K) conductance over G_max;  t_off : end of the pulse.
    switched : only realizations with G >= ``switched`` at ``t_off`` count (a device that
        is OFF when the pulse ends has nothing to relax); the others are NaN.

    Returns
    -------
    tau : (R,) array, NaN for unswitched realizations and +inf for those still above
        ``level`` at the end of the record (censored).
    """
    t = np.asarray(t, dtype=float)
    g = np.atleast_2d(np.asarray(g, dtype=float))
    k_off = min(int(np.searchsorted(t, t_off)), t.size - 1)
    out = np.full(g.shape[0], np.nan)
    for r, gr in enumerate(g):
        if gr[k_off] < switched:
            continue
        tc = first_crossing(t, gr, level, start=t_off, rising=False)
        out[r] = np.inf if np.isnan(tc) else tc - t_off
    return out


def censored_median(tau) -> float:
    """Median of the finite-or-inf values of ``tau`` (NaN ignored); inf if half are censored."""
    tau = np.asarray(tau, dtype=float)
    tau = tau[~np.isnan(tau)]
    if tau.size == 0:
        return float("nan")
    return float(np.median(tau))  # +inf sorts last: exact while fewer than half are censored


def median_stderr(tau, *, n_boot: int = 400, seed: int = 0) -> float:
    """Bootstrap standard error of :func:`censored_median` (NaN if undefined)."""
    tau = np.asarray(tau, dtype=float)
    tau = tau[~np.isnan(tau)]
    if tau.size < 3:
        return float("nan")
    rng = np.random.default_rng(seed)
    meds = np.median(rng.choice(tau, size=(n_boot, tau.size), replace=True), axis=1)
    meds = meds[np.isfinite(meds)]
    return float(np.std(meds, ddof=1)) if meds.size > 2 else float("nan")


def fit_arrhenius(theta, tau, tau_stderr=None, *, scatter_floor: bool = False):
    """Fit ln(kappa tau) = A + B / theta (theta = k_B T0/w_p, tau in 1/kappa): the one
    Arrhenius fit of spicemem (with theta = k_B T in eV, B is E_a in eV).

    Weighted least squares with weights 1/var(ln tau) = (tau/stderr)^2 when standard errors
    are given (unweighted otherwise, or if any is not finite and > 0).  Returns ``(A, B,
    A_stderr, B_stderr)``; the standard errors come from the weights when given, else from
    the residuals.  ``scatter_floor``: with weights and more than two points, scale the
    errors up by sqrt(chi^2/dof) when the points scatter more than their errors say (never
    claim more precision than the scatter shows).
    """
    theta = np.asarray(theta, dtype=float)
    tau = np.asarray(tau, dtype=float)
    ok = np.isfinite(tau) & (tau > 0)
    if ok.sum() < 2:
        return (float("nan"),) * 4
    xs = 1.0 / theta[ok]
    ys = np.log(tau[ok])
    if tau_stderr is not None:
        se = np.asarray(tau_stderr, dtype=float)[ok] / tau[ok]
        w = np.where(np.isfinite(se) & (se > 0), 1.0 / np.maximum(se, 1e-12) ** 2, 0.0)
        if not np.all(w > 0):
            w = np.ones_like(ys)
            weighted = False
        else:
            weighted = True
    else:
        w = np.ones_like(ys)
        weighted = False
    a_mat = np.stack([np.ones_like(xs), xs], axis=1)
    cov = np.linalg.inv(a_mat.T @ (w[:, None] * a_mat))
    coef = cov @ (a_mat.T @ (w * ys))
    dof = max(ys.size - 2, 1)
    res = ys - a_mat @ coef
    if not weighted:
        cov = cov * float(res @ res) / dof
    elif scatter_floor and ys.size > 2:
        cov = cov * max(float(res @ (w * res)) / dof, 1.0)
    return float(coef[0]), float(coef[1]), float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1]))


def cluster_counts(x_over_l, *, edge: float = CLUSTER_EDGE):
    """Particles in the left cluster, the gap and the right cluster.

    ``x_over_l``: positions over L, shape (..., N).  Returns three arrays of shape (...).
    """
    x = np.asarray(x_over_l, dtype=float)
    left = np.sum(x < -edge, axis=-1)
    right = np.sum(x > edge, axis=-1)
    return left, x.shape[-1] - left - right, right


def values_at(t, y, times):
    """``y`` (..., K) at the last sample at or before each of ``times`` (a time within a
    relative 1e-12 of a sample counts as at it): the one sample picker of spicemem."""
    t = np.asarray(t, dtype=float)
    idx = np.searchsorted(t, np.asarray(times, dtype=float) * (1 + 1e-12) + 1e-18, side="right") - 1
    idx = np.clip(idx, 0, t.size - 1)
    return np.asarray(y)[..., idx]
