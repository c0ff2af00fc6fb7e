"""Kernels of the TaOx drift memristor (Strachan et al. 2013), plain SI floats.

The model (as restated by every public re-implementation we could read; see
``docs/drift_model.md`` for the sources and where they differ)::

    i  = v [G_m x + a exp(b sqrt|v|) (1 - x)]                                  (current)
    p  = i v                                                                 (Joule power)
    dx/dt = B sinh(v/sigma_on)  exp(-(x/x_on)^2)   exp(p/sigma_p)      v > 0  (ON, SET)
    dx/dt = A sinh(v/sigma_off) exp(-(x_off/x)^2)  exp(1/(1 + beta p)) v < 0  (OFF, RESET)
    dx/dt = 0                                                          v = 0

with the state x in [0, 1] (area fraction of the metallic channel).  x is confined to
[0, 1]: where the rate pushes x out of the box, x stays on the face (projection).

Why plain SI floats and not a dimensionless core (STYLE.md, practice 2): x is already
dimensionless, every exponent argument is a ratio of the paper's own SI constants, and
the rates span 1e-10 ... 1e300 1/s with no natural time scale to divide by.  Scaling
would add a conversion and remove no risk.  The single SI -> kernel mapping is
``DriftParams.kernel_vector`` (the parameter vector ``p`` indexed by ``P_*`` below).

Integration (see :func:`advance`): the state equation is solved by an adaptive,
L-stable, stiffly accurate two-stage SDIRK method of order 2 (Alexander 1977,
gamma = 1 - 1/sqrt 2) with an embedded first-order error estimate (plus a check of
the rate at the step's start, which the stages never sample), step rejection, and each
implicit stage solved as a box-constrained scalar equation (bracketed Brent root
finder; on the ON branch a march from the previous state to the first sign change, so
the root connected to it is taken; projection onto [0, 1]).  The source voltage is linear inside each call, and
the interval is split at a zero crossing of the voltage, where the rate switches branch.

Importing this module compiles nothing (lazy, cached compilation).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

# Indices into the parameter vector p (built by DriftParams.kernel_vector).
P_GM = 0  # metallic-channel conductance G_m, S
P_A = 1  # Frenkel-Poole prefactor a, S
P_B = 2  # Frenkel-Poole exponent b, V^-1/2
P_RATE_OFF = 3  # A, 1/s
P_SIG_OFF = 4  # sigma_off, V
P_BETA = 5  # beta, 1/W
P_X_OFF = 6  # x_off, dimensionless
P_RATE_ON = 7  # B, 1/s
P_SIG_ON = 8  # sigma_on, V
P_SIG_P = 9  # sigma_p, W
P_X_ON = 10  # x_on, dimensionless
P_RSERIES = 11  # series resistance between source and device, Ohm (0: v is the device voltage)
P_RTOL = 12  # relative local error tolerance on x
P_ATOL = 13  # absolute local error tolerance on x
P_HMIN = 14  # step below which a step is accepted without error control, s
P_HMAX = 15  # largest sub-step, s (0: no limit)
P_LOG_RATE_MAX = 16  # ln of the physical ceiling on |dx/dt| (rate_max in 1/s)
N_PARAMS = 17

#: exp(690) ~ 1e299 1/s: a numerical guard only (keeps every product finite).  The physical
#: ceiling is the model parameter rate_max (p[P_LOG_RATE_MAX], far below this guard).
LOG_RATE_CAP = 690.0
#: SDIRK2 (Alexander): gamma = 1 - 1/sqrt(2) makes the method L-stable.
GAMMA = 1.0 - 1.0 / np.sqrt(2.0)
#: Sub-steps allowed in one call before giving up (returned as a negative step count).
MAX_STEPS = 10_000_000


@jit
def current(v, x, p):
    """Device current i(v, x) in A for the device voltage ``v`` in V (scalar floats)."""
    return v * (p[P_GM] * x + p[P_A] * np.exp(p[P_B] * np.sqrt(abs(v))) * (1.0 - x))


@jit
def didv(v, x, p):
    """Small-signal conductance di/dv in S (finite at v = 0: d/dv of v exp(b sqrt|v|))."""
    s = np.sqrt(abs(v))
    fp = p[P_A] * np.exp(p[P_B] * s) * (1.0 - x)
    return p[P_GM] * x + fp * (1.0 + 0.5 * p[P_B] * s)


@jit
def _log_sinh(u):
    """log(sinh(u)) for u > 0 without overflow (sinh overflows at u ~ 710)."""
    if u > 20.0:
        return u - np.log(2.0) + np.log1p(-np.exp(-2.0 * u))
    return np.log(np.sinh(u))


@jit
def log_rate(v, x, p):
    """ln |dx/dt| of the fitted law *without* the physical ceiling (-inf where it is 0).

    Compared with p[P_LOG_RATE_MAX] to tell whether a run has left the range in which the
    fitted kinetics are used (see :func:`beyond_ceiling`).
    """
    if v == 0.0:
        return -np.inf
    if x < 0.0:
        x = 0.0
    elif x > 1.0:
        x = 1.0
    pw = v * current(v, x, p)  # >= 0: i has the sign of v
    if v > 0.0:
        return (np.log(p[P_RATE_ON]) + _log_sinh(v / p[P_SIG_ON]) - (x / p[P_X_ON]) ** 2
                + pw / p[P_SIG_P])
    if x <= 0.0:
        return -np.inf  # the OFF window exp(-(x_off/x)^2) vanishes at x = 0
    return (np.log(p[P_RATE_OFF]) + _log_sinh(-v / p[P_SIG_OFF]) - (p[P_X_OFF] / x) ** 2
            + 1.0 / (1.0 + p[P_BETA] * pw))


@jit
def rate(v, x, p):
    """dx/dt in 1/s at device voltage ``v`` (V) and state ``x`` (clamped to [0, 1]).

    |dx/dt| never exceeds the physical ceiling rate_max = exp(p[P_LOG_RATE_MAX]): the
    fitted law grows super-exponentially beyond the voltages it was measured at (SET from
    x = 0 at 1.5 V would take 1e-56 s), while no measured TaOx switching is faster than
    ~100 ps (docs/drift_model.md, "Validity range").
    """
    lg = log_rate(v, x, p)
    if lg == -np.inf:
        return 0.0
    lg = min(min(lg, p[P_LOG_RATE_MAX]), LOG_RATE_CAP)
    if v > 0.0:
        return np.exp(lg)
    return -np.exp(lg)


@jit
def beyond_ceiling(va, vb, xa, xb, p):
    """True if the fitted rate exceeds the ceiling at either end of an interval.

    Checked at the four corners (start/end voltage x start/end state): the log-rate grows
    monotonically with |v| at fixed x, and the voltage is linear inside the interval, so
    a crossing of the ceiling at constant sign of v is seen at an end point unless the
    state moved through a maximum of the rate inside the interval (then the next
    interval sees it).
    """
    cap = p[P_LOG_RATE_MAX]
    return (log_rate(va, xa, p) > cap or log_rate(vb, xb, p) > cap
            or log_rate(va, xb, p) > cap or log_rate(vb, xa, p) > cap)


@jit
def _residual(y, c, gh, vs, p):
    """Implicit stage residual y - c - gh dx/dt(y) at source voltage vs."""
    return y - c - gh * rate(device_voltage(vs, y, p), y, p)


@jit
def _brent(xa, xb, fa, fb, c, gh, vs, p, xtol):
    """Root of the stage residual in [xa, xb] given fa, fb of opposite signs.

    Brent's method as in scipy's ``brentq`` (inverse quadratic interpolation with a
    bisection safeguard): superlinear on smooth residuals, never leaves the bracket, so
    it converges even where the rate is exponentially steep.
    """
    xpre = xa
    xcur = xb
    fpre = fa
    fcur = fb
    xblk = 0.0
    fblk = 0.0
    spre = 0.0
    scur = 0.0
    if fpre == 0.0:
        return xpre
    if fcur == 0.0:
        return xcur
    for _ in range(200):
        if fpre != 0.0 and fcur != 0.0 and ((fpre < 0.0) != (fcur < 0.0)):
            xblk = xpre
            fblk = fpre
            spre = xcur - xpre
            scur = spre
        if abs(fblk) < abs(fcur):
            xpre = xcur
            xcur = xblk
            xblk = xpre
            fpre = fcur
            fcur = fblk
            fblk = fpre
        delta = 0.5 * (xtol + 4.0e-16 * abs(xcur))
        sbis = 0.5 * (xblk - xcur)
        if fcur == 0.0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2.0 * abs(stry) < min(abs(spre), 3.0 * abs(sbis) - delta):
                spre = scur
                scur = stry
            else:
                spre = sbis
                scur = sbis
        else:
            spre = sbis
            scur = sbis
        xpre = xcur
        fpre = fcur
        if abs(scur) > delta:
            xcur += scur
        elif sbis > 0.0:
            xcur += delta
        else:
            xcur -= delta
        fcur = _residual(xcur, c, gh, vs, p)
    return xcur


@jit
def device_voltage(vs, x, p):
    """Voltage across the device (V) when the source ``vs`` (V) drives it through R_s.

    Solves r(v) = v + R_s i(v, x) - vs = 0.  For vs > 0, r is increasing and convex on
    [0, vs] (i is odd, increasing, convex for v > 0) and r(vs) = R_s i(vs) >= 0, so
    Newton from v = vs descends monotonically onto the unique root without overshoot
    (vs < 0 is the mirror image).  No bracket bookkeeping is needed.
    """
    rs = p[P_RSERIES]
    if rs == 0.0 or vs == 0.0:
        return vs
    v = vs
    for _ in range(200):
        r = v + rs * current(v, x, p) - vs
        dv = r / (1.0 + rs * didv(v, x, p))
        v -= dv
        if abs(dv) <= 1e-15 * abs(vs):
            break
    return v


@jit
def _stage(c, gh, vs, p, xtol):
    """Solve y = Pi_[0,1](c + gh dx/dt(y)) at source voltage ``vs`` (box-constrained stage).

    The rate has the sign of vs, so the root lies above c for vs > 0 and below it for
    vs < 0.  We want the root *connected to c* (the one the exact flow reaches first):

    * vs < 0 (OFF): |dx/dt| grows with y (the window exp(-(x_off/y)^2) dominates), so
      the residual is increasing on [0, c] and its root there is unique: Brent on the
      bracket, or the face x = 0 / x = 1 if the residual does not change sign.
    * vs > 0 (ON): the Joule term exp(p/sigma_p) can make the rate grow faster than
      linearly in y, so the residual may have two roots (or none) in [c, 1] and a plain
      bracket [c, 1] can jump past the physical one.  We march up from c with doubling
      increments, starting from the explicit-Euler increment, to the first sign change,
      and only then call Brent; if the residual stays negative up to 1 the state hits
      the face x = 1.  The step-size control then judges the step.
    """
    if vs == 0.0:
        return min(max(c, 0.0), 1.0)
    cc = min(max(c, 0.0), 1.0)
    if vs < 0.0:
        glo = _residual(0.0, c, gh, vs, p)
        if glo >= 0.0:
            return 0.0
        ghi = _residual(cc, c, gh, vs, p)
        if ghi <= 0.0:
            return cc
        return _brent(0.0, cc, glo, ghi, c, gh, vs, p, xtol)
    a = cc
    ga = _residual(a, c, gh, vs, p)
    if ga >= 0.0:
        return a
    # First probe: the explicit-Euler increment from a, but at least the solve tolerance
    # and a few ulps of a, so every probe moves (an increment below one ulp of a would
    # stall the march: b = a, d = 0, and after 2100 probes the state jumped to 1 -- seen
    # with atol = 1e-20, where xtol = 1e-23 is below the ulp of x ~ 0.4).
    d = max(-ga, max(xtol, 4.0e-16 * cc))
    for _ in range(2100):  # 2^2100 * xtol > 1 for any xtol > 1e-600: reaches x = 1
        b = min(a + 2.0 * d, 1.0)
        gb = _residual(b, c, gh, vs, p)
        if gb >= 0.0:
            return _brent(a, b, ga, gb, c, gh, vs, p, xtol)
        if b >= 1.0:
            return 1.0
        d = b - cc
        a = b
        ga = gb
    return 1.0


@jit
def _start_rate(vs, x, p):
    """dx/dt at the start of a step, projected like the stages (0 where x is pushed out)."""
    r = rate(device_voltage(vs, x, p), x, p)
    if (x >= 1.0 and r > 0.0) or (x <= 0.0 and r < 0.0):
        return 0.0
    return r


@jit
def _integrate(x, vs0, vs1, dt, p, h):
    """Adaptive SDIRK2 over [0, dt] with vs linear from vs0 to vs1 (no sign change).

    Returns (x, h_next, n_steps); n_steps < 0 if MAX_STEPS was hit (then the remainder
    was covered by one projected implicit step, which is bounded but not accurate).
    """
    if dt <= 0.0 or (vs0 == 0.0 and vs1 == 0.0):
        return x, h, 0  # dx/dt(x, 0) = 0 exactly: the state is held (non-volatility)
    rtol = p[P_RTOL]
    atol = p[P_ATOL]
    hmin = p[P_HMIN]
    hmax = p[P_HMAX]
    # Stage solves 1000x tighter than the error control, and never looser than 1e-12
    # (a fixed-step run switches the control off with a huge atol).
    xtol = min(1e-3 * atol, 1e-12)
    slope = (vs1 - vs0) / dt
    if h <= 0.0 or h > dt:
        h = dt
    if hmax > 0.0 and h > hmax:
        h = hmax
    t = 0.0
    n = 0
    h_next = h
    k0 = _start_rate(vs0, x, p)
    while dt - t > 1e-14 * dt:
        remaining = dt - t
        last = h >= remaining
        hs = remaining if last else h
        gh = GAMMA * hs
        v_a = vs0 + slope * (t + gh)
        v_b = vs1 if last else vs0 + slope * (t + hs)
        y1 = _stage(x, gh, v_a, p, xtol)
        k1 = (y1 - x) / gh
        c2 = x + (1.0 - GAMMA) * hs * k1
        y2 = _stage(c2, gh, v_b, p, xtol)
        k2 = (y2 - c2) / gh
        # Embedded order-1 solution x + hs k1; the difference is O(hs^2).  The SDIRK
        # stages never sample the rate at the step's start, so a rate that collapses
        # early in the step (sinh of a voltage ramping towards 0) would pass unseen; the
        # second term compares the start rate k0 with k1.  It is O(hs^2) as well, so it
        # changes neither the order nor the controller's exponent.
        err = max(abs(gh * (k2 - k1)), abs(gh * (k1 - k0)))
        scale = atol + rtol * max(abs(x), abs(y2))
        ratio = err / scale
        if ratio <= 1.0 or hs <= hmin or n >= MAX_STEPS:
            t = dt if last else t + hs
            x = y2
            n += 1
            k0 = _start_rate(vs1 if last else vs0 + slope * t, x, p)
            fac = 5.0 if ratio < 1e-4 else min(5.0, 0.9 / np.sqrt(ratio))
            if not last or hs >= h:
                h_next = hs * fac
            else:
                h_next = h  # a step clipped to the interval end says nothing about h
            h = h_next
            if hmax > 0.0 and h > hmax:
                h = hmax
            if n >= MAX_STEPS:
                # Give up accuracy, keep boundedness: one projected implicit step to the end.
                rest = dt - t
                if rest > 0.0:
                    x = _stage(x, rest, vs1, p, xtol)
                return x, h_next, -n
        else:
            h = hs * max(0.2, 0.9 / np.sqrt(ratio))
            if h < hmin:
                h = hmin
    return x, h_next, n


@jit
def advance(x, vs0, vs1, dt, p, h):
    """Advance one device over an interval of ``dt`` s with a linear source voltage.

    Parameters
    ----------
    x : float          state at the start, in [0, 1]
    vs0, vs1 : float   source voltage at the start and end, V (the device voltage when
                       p[P_RSERIES] = 0, as in the ngspice bridge)
    dt : float         interval length, s
    p : float64[N_PARAMS]
    h : float          step-size hint, s (<= 0: try the whole interval first)

    Returns
    -------
    x : float          state at the end
    h : float          step-size hint for the next call, s
    n : int            accepted sub-steps (negative if MAX_STEPS was hit)

    Notes
    -----
    The rate switches branch at v = 0, where it is continuous but not differentiable;
    the interval is split at a zero crossing so no step straddles the kink.
    """
    if vs0 * vs1 < 0.0:
        tz = dt * vs0 / (vs0 - vs1)
        x, h, n1 = _integrate(x, vs0, 0.0, tz, p, h)
        x, h, n2 = _integrate(x, 0.0, vs1, dt - tz, p, h)
        if n1 < 0 or n2 < 0:
            return x, h, -(abs(n1) + abs(n2))
        return x, h, n1 + n2
    return _integrate(x, vs0, vs1, dt, p, h)


@jit
def advance_ensemble(x, v0, v1, dt, p, h):
    """Advance D devices over one interval (what the ngspice bridge calls per accepted point).

    ``x`` (D,) states, updated in place; ``v0``, ``v1`` (D,) device voltages in V at the
    start and end of the interval; ``dt`` in s; ``h`` (D,) step hints in s, updated in
    place.  Returns the number of devices whose sub-step budget ran out (0 normally).
    Plain loops over arrays, so other nopython code (the bridge callback) can call it.
    """
    failed = 0
    for d in range(x.shape[0]):
        xd, hd, n = advance(x[d], v0[d], v1[d], dt, p, h[d])
        x[d] = xd
        h[d] = hd
        if n < 0:
            failed += 1
    return failed


@jit
def run_waveform(x, tg, vg, p, h, x_out, vd_out, i_out):
    """Drive D devices through the piecewise-linear source (tg, vg) and record every point.

    ``x`` (D,) initial states (updated in place); ``h`` (D,) step hints; outputs
    (D, K): state, device voltage (V), current (A) at each grid time.  The source
    reaches the device through p[P_RSERIES].  Returns the number of budget overruns.
    """
    n_dev = x.shape[0]
    k_pts = tg.shape[0]
    failed = 0
    for d in range(n_dev):
        xd = x[d]
        hd = h[d]
        for k in range(k_pts):
            if k > 0:
                xd, hd, n = advance(xd, vg[k - 1], vg[k], tg[k] - tg[k - 1], p, hd)
                if n < 0:
                    failed += 1
            vd = device_voltage(vg[k], xd, p)
            x_out[d, k] = xd
            vd_out[d, k] = vd
            i_out[d, k] = current(vd, xd, p)
        x[d] = xd
        h[d] = hd
    return failed


@jit
def ceiling_flags(x_out, vd_out, p, flags):
    """flags[d] = 1 where device d's fitted rate exceeded the ceiling between any two
    recorded points (states ``x_out`` and device voltages ``vd_out``, both (D, K))."""
    n_dev, k_pts = x_out.shape
    for d in range(n_dev):
        flags[d] = 0
        for k in range(1, k_pts):
            if beyond_ceiling(vd_out[d, k - 1], vd_out[d, k], x_out[d, k - 1], x_out[d, k], p):
                flags[d] = 1
                break
