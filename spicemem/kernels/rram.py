"""Kernels of the Stanford/PKU metal-oxide RRAM compact model, plain SI floats.

The model (Jiang et al., IEEE TED 63, 1884 (2016), eqs. 1-6, as coded in the authors'
public Verilog-A ``rram_v_1_0_0.va``, doi:10.4231/D37H1DN48; first published by Guan,
Yu & Wong, IEEE EDL 33, 1405 (2012))::

    I      = I0 exp(-g/g0) sinh(V/V0)                                     (eq. 6, current)
    T      = T0 + |V I| R_th                                            (eq. 5, Joule heat)
    gamma  = gamma0 - beta (g / 1 nm)^alpha                         (eq. 4, field factor)
    gamma  = 0   where gamma |V| / t_ox < F_min            (Verilog-A: minimum field)
    dg/dt  = -nu0 exp(-E_a/(k T)) sinh(gamma a0 q V / (t_ox k T))    (eq. 1, mean gap)
           + delta_g(T) chi(t)                                       (eq. 2, variation)
    delta_g(T) = delta_g0 / (1 + exp((T_crit - T)/T_smth))               (eq. 3)

with the gap g confined to [g_min, g_max] (where the rate pushes g out of the box, g
stays on the face: projection).  V > 0 (top electrode positive) shrinks the gap (SET),
V < 0 grows it (RESET).  gamma0 may differ between SET and RESET (Jiang 2016, Sect. III;
the Verilog-A hard-codes gamma0 = 16 for V < 0).

chi(t) is a zero-mean, unit-variance Gaussian sequence "randomly generated at each time
step" (Jiang 2016 below eq. 3); the Verilog-A redraws it at every simulator step and bounds
the step to ``time_step`` = 1 ns.  Its effect therefore depends on the step.  Here chi is
held constant over a fixed grid of ``noise_interval`` (p.noise_dt, default the
Verilog-A's 1 ns) in absolute time, independent of the integrator's and the caller's
steps: the gap then receives delta_g chi_k noise_interval per interval, as in the
Verilog-A run at its bound step, and the result does not depend on how finely a caller
samples the output.  Draws come from the device's own xoshiro256+ stream
(:mod:`spicemem.kernels.rng`).

Why plain SI floats and not a dimensionless core (STYLE.md, practice 2): as for the
drift model, every exponent argument is already a ratio of the paper's SI constants and
the rates span 0 ... 1e40 m/s with no natural time scale to divide by.  The single
SI -> kernel mapping is ``RRAMParams.kernel_params``.  Gaps are in m, tolerances on them
too (atol ~ 1e-15 m).

Integration (:func:`advance`): the deterministic dynamics is not stiff in the sense that
matters here -- the runaway of SET (gap down, current and temperature up, rate up) is an
*unstable* direction that an explicit method follows exactly, and the self-limiting
directions (RESET, SET behind a series resistor) have a decay rate proportional to the
rate itself, so the step that resolves the motion is also stable.  We therefore use the
explicit Bogacki-Shampine 3(2) pair with FSAL, adaptive steps, and projection of every
stage onto [g_min, g_max] (the rates are evaluated at the projected gap, so at a bound an
outward rate simply keeps g there).  The error estimate is formed from the rates
themselves, not from the projected solutions: the minimum-field cut-off makes the rate
jump at a threshold, and a runaway's rate grows by decades within a step; both show up
as disagreeing stages (the last stage sits at the step's end) and the step is rejected
until the jump is resolved, even when both solutions would land on the same bound.  A
step whose every stage sits on one bound with an outward rate is exact (g stays there)
and is accepted whatever the rates do.  The F_min surface, where the mean rate drops to
zero, is treated like a bound when the flow runs into it (see :func:`_stage_state`).

Importing this module compiles nothing (lazy, cached compilation).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit
from .rng import normal

#: The parameter record ``p`` every kernel takes: one layout, named once (a numpy structured
#: dtype, a Numba record inside the kernels).  Built in SI by ``RRAMParams.kernel_params``.
PARAMS = np.dtype([
    ("i0", np.float64),  # current prefactor I0, A
    ("g0", np.float64),  # gap decay length g0 of the current, m
    ("v0", np.float64),  # voltage scale V0 of the current, V
    ("log_nu0", np.float64),  # log of the gap velocity prefactor nu0 (nu0 in m/s)
    ("ea_k", np.float64),  # activation energy over Boltzmann's constant, E_a / k_B, K
    ("field_k", np.float64),  # a0 q / (t_ox k_B), K/V: sinh argument gamma |V| field_k / T
    ("gamma_set", np.float64),  # gamma0 for V > 0
    ("gamma_reset", np.float64),  # gamma0 for V < 0
    ("beta", np.float64),  # beta of eq. 4
    ("alpha", np.float64),  # alpha of eq. 4 (gap in nm)
    ("fmin_tox", np.float64),  # F_min t_ox, V: gamma |V| below it switches the field factor off
    ("g_min", np.float64),  # smallest gap, m
    ("g_max", np.float64),  # largest gap, m
    ("r_th", np.float64),  # thermal resistance R_th, K/W
    ("t0", np.float64),  # ambient temperature, K
    ("t_crit", np.float64),  # T_crit of eq. 3, K
    ("t_smth", np.float64),  # T_smth of eq. 3, K
    ("dgap0", np.float64),  # delta_g0 of eq. 3, m/s (0: variation off, no random numbers drawn)
    ("noise_dt", np.float64),  # interval over which chi is held, s
    ("r_series", np.float64),  # between source and device, Ohm (0: v is the device voltage)
    ("rtol", np.float64),  # relative local error tolerance on g
    ("atol", np.float64),  # absolute local error tolerance on g, m
    ("h_min", np.float64),  # step below which a step is accepted without error control, s
    ("h_max", np.float64),  # largest sub-step, s (0: no limit)
], align=True)

#: A log-rate of 690 is ~1e299 m/s: the gap crosses its range in < 1e-300 s.  Capping
#: there changes no observable and keeps every product finite.
LOG_RATE_CAP = 690.0
#: Sub-steps allowed in one call before giving up (returned as a negative step count).
MAX_STEPS = 10_000_000
#: A noise-grid boundary closer than this fraction of the noise interval to the end of
#: a caller's interval is taken to coincide with it, so the number of draws (and hence
#: every later random number) does not depend on round-off in the caller's time grid.
NOISE_SNAP = 1e-9
NM = 1e-9  # the length unit of eq. 4


@jit
def current(v, g, p):
    """Device current I(v, g) in A (eq. 6) for the device voltage ``v`` in V, gap ``g`` in m."""
    return p.i0 * np.exp(-g / p.g0) * np.sinh(v / p.v0)


@jit
def didv(v, g, p):
    """Small-signal conductance dI/dv in S."""
    return p.i0 * np.exp(-g / p.g0) * np.cosh(v / p.v0) / p.v0


@jit
def temperature(v, g, p):
    """Local filament temperature T = T0 + |v I| R_th in K (eq. 5)."""
    return p.t0 + abs(v * current(v, g, p)) * p.r_th


@jit
def field_factor(v, g, p):
    """gamma of eq. 4, set to 0 where gamma |v| / t_ox < F_min (the Verilog-A's cut-off)."""
    g0 = p.gamma_set if v > 0.0 else p.gamma_reset
    gam = g0 - p.beta * (g / NM) ** p.alpha
    if gam * abs(v) < p.fmin_tox:
        return 0.0
    return gam


@jit
def _log_sinh(u):
    """log(sinh(u)) for u > 0 without overflow (sinh overflows at u ~ 710)."""
    if u > 20.0:
        return u - np.log(2.0) + np.log1p(-np.exp(-2.0 * u))
    return np.log(np.sinh(u))


@jit
def _clamp(g, p):
    return min(max(g, p.g_min), p.g_max)


@jit
def field_margin(v, g, p):
    """gamma |v| - F_min t_ox in V (gamma before the cut-off): the gap moves only where >= 0."""
    g0 = p.gamma_set if v > 0.0 else p.gamma_reset
    return (g0 - p.beta * (g / NM) ** p.alpha) * abs(v) - p.fmin_tox


@jit
def rate(v, g, p):
    """Mean gap velocity d<g>/dt in m/s (eq. 1) at device voltage ``v`` and gap ``g``."""
    if v == 0.0:
        return 0.0
    g = _clamp(g, p)
    gam = field_factor(v, g, p)
    if gam <= 0.0:
        return 0.0
    t = temperature(v, g, p)
    u = gam * abs(v) * p.field_k / t
    lg = p.log_nu0 - p.ea_k / t + _log_sinh(u)
    r = np.exp(min(lg, LOG_RATE_CAP))
    return -r if v > 0.0 else r


@jit
def noise_amplitude(v, g, p):
    """delta_g(T) of eq. 3 in m/s (0 when the variation is off)."""
    if p.dgap0 == 0.0:
        return 0.0
    t = temperature(v, _clamp(g, p), p)
    return p.dgap0 / (1.0 + np.exp((p.t_crit - t) / p.t_smth))


@jit
def device_voltage(vs, g, p):
    """Voltage across the device (V) when the source ``vs`` (V) drives it through R_s.

    Solves r(v) = v + R_s I(v, g) - vs = 0.  For vs > 0, r is increasing and convex on
    [0, vs], so Newton from any point right of the root descends onto it without
    overshoot (vs < 0 is the mirror image).  The start is the smaller of vs and the
    voltage at which R_s I alone equals vs (r > 0 there too): from vs itself Newton would
    creep down by ~V0 per iteration on the exponential flank.
    """
    rs = p.r_series
    if rs == 0.0 or vs == 0.0:
        return vs
    a = abs(vs)
    pre = rs * p.i0 * np.exp(-g / p.g0)
    v = min(a, p.v0 * np.arcsinh(a / pre))
    for _ in range(200):
        r = v + rs * current(v, g, p) - a
        dv = r / (1.0 + rs * didv(v, g, p))
        v -= dv
        if abs(dv) <= 1e-15 * a:
            break
    return v if vs > 0.0 else -v


@jit
def _rhs(vs, g, chi, p):
    """dg/dt (m/s) at source voltage ``vs`` with the held noise value ``chi``, evaluated at
    g projected onto [g_min, g_max] (the state itself is projected after every stage)."""
    g = _clamp(g, p)
    vd = device_voltage(vs, g, p)
    r = rate(vd, g, p)
    if chi != 0.0:
        r += chi * noise_amplitude(vd, g, p)
    return r


@jit
def _stage_state(g_a, g_b, vs, chi, p):
    """The stage state g_b, projected onto [g_min, g_max] and onto the F_min surface.

    The mean rate jumps to 0 where the field margin turns negative.  If the flow from the
    active side (at g_a) would carry g across that surface into a region whose own rate
    (the noise term alone) does not carry it on, the exact (Filippov) solution slides on
    the surface: this is how RESET stops at the gap where gamma(g) |V| = F_min t_ox and
    how a series resistance limits SET.  Treating the surface like a bound keeps the
    stages consistent; integrating across it would chatter with ever smaller steps.
    """
    g_b = _clamp(g_b, p)
    if p.fmin_tox == 0.0 or vs == 0.0 or g_b == g_a:
        return g_b
    va = device_voltage(vs, g_a, p)
    if field_margin(va, g_a, p) < 0.0:
        return g_b
    vb = device_voltage(vs, g_b, p)
    if field_margin(vb, g_b, p) >= 0.0:
        return g_b
    # Beyond the surface only the noise term acts; if it points back (or is 0), slide.
    c = chi * noise_amplitude(vb, g_b, p)
    if (g_b - g_a) * c > 0.0:
        return g_b
    lo = g_a  # active side (margin >= 0)
    hi = g_b
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid == lo or mid == hi or abs(hi - lo) <= 1e-6 * p.atol:
            break
        if field_margin(device_voltage(vs, mid, p), mid, p) >= 0.0:
            lo = mid
        else:
            hi = mid
    return lo


@jit
def _pinned(s1, s2, s3, s4, k1, k2, k3, k4, p):
    """True if all four stages sit on the same bound with rates pushing outwards."""
    lo = p.g_min
    hi = p.g_max
    if s1 <= lo and s2 <= lo and s3 <= lo and s4 <= lo:
        return k1 <= 0.0 and k2 <= 0.0 and k3 <= 0.0 and k4 <= 0.0
    if s1 >= hi and s2 >= hi and s3 >= hi and s4 >= hi:
        return k1 >= 0.0 and k2 >= 0.0 and k3 >= 0.0 and k4 >= 0.0
    return False


@jit
def _integrate(g, vs0, vs1, dt, chi, p, h):
    """Adaptive Bogacki-Shampine 3(2) over [0, dt], source linear from vs0 to vs1.

    Returns (g, h_next, n_steps); n_steps < 0 if MAX_STEPS was hit (then the rest of the
    interval was covered by one projected Euler step: bounded, not accurate).
    """
    if dt <= 0.0:
        return g, h, 0
    if chi == 0.0 and vs0 == 0.0 and vs1 == 0.0:
        return g, h, 0  # dg/dt = 0 exactly at zero bias without noise: non-volatile
    rtol = p.rtol
    atol = p.atol
    hmin = p.h_min
    hmax = p.h_max
    slope = (vs1 - vs0) / dt
    if h <= 0.0 or h > dt:
        h = dt
    if hmax > 0.0 and h > hmax:
        h = hmax
    t = 0.0
    n = 0
    h_next = h
    k1 = _rhs(vs0, g, chi, p)
    while dt - t > 1e-14 * dt:
        remaining = dt - t
        last = h >= remaining
        hs = remaining if last else h
        v_2 = vs0 + slope * (t + 0.5 * hs)
        s2 = _stage_state(g, g + 0.5 * hs * k1, v_2, chi, p)
        k2 = _rhs(v_2, s2, chi, p)
        v_3 = vs0 + slope * (t + 0.75 * hs)
        s3 = _stage_state(g, g + 0.75 * hs * k2, v_3, chi, p)
        k3 = _rhs(v_3, s3, chi, p)
        v_end = vs1 if last else vs0 + slope * (t + hs)
        y3 = _stage_state(g, g + hs * (2.0 / 9.0 * k1 + 1.0 / 3.0 * k2 + 4.0 / 9.0 * k3),
                          v_end, chi, p)
        k4 = _rhs(v_end, y3, chi, p)
        if _pinned(g, s2, s3, y3, k1, k2, k3, k4, p):
            err = 0.0  # held on a bound by an outward rate at every stage: exact
        else:
            # Embedded order-2 difference, from the *unprojected* rates: a step whose two
            # solutions both land on a bound still shows a jump of the rate inside it (the
            # F_min threshold, the onset of a runaway) and is rejected until resolved.
            err = abs(hs * (-5.0 / 72.0 * k1 + 1.0 / 12.0 * k2 + 1.0 / 9.0 * k3 - 0.125 * k4))
        ratio = err / (atol + rtol * max(abs(g), abs(y3)))
        if ratio <= 1.0 or hs <= hmin or n >= MAX_STEPS:
            t = dt if last else t + hs
            g = y3
            k1 = k4  # FSAL: the end rate is the next step's first stage
            n += 1
            fac = 5.0 if ratio < 1e-4 else min(5.0, 0.9 * ratio ** (-1.0 / 3.0))
            if not last or hs >= h:
                h_next = hs * fac
            else:
                h_next = h  # a step clipped to the interval end says nothing about h
            h = h_next
            if hmax > 0.0 and h > hmax:
                h = hmax
            if n >= MAX_STEPS:
                rest = dt - t
                if rest > 0.0:
                    g = _clamp(g + rest * k1, p)
                return g, h_next, -n
        else:
            h = hs * max(0.2, 0.9 * ratio ** (-1.0 / 3.0))
            if h < hmin:
                h = hmin
    return g, h_next, n


@jit
def advance(g, chi, t_left, state, vs0, vs1, dt, p, h):
    """Advance one device over an interval of ``dt`` s with a linear source voltage.

    Parameters
    ----------
    g : float            gap at the start, m, in [g_min, g_max]
    chi : float          noise value held since the last draw (0 before the first)
    t_left : float       time until the next draw, s (<= 0: draw at once)
    state : uint64[4]    the device's random stream, advanced in place
    vs0, vs1 : float     source voltage at the start and end, V (the device voltage when
                         p.r_series = 0, as a circuit bridge would call it)
    dt : float           interval length, s
    p : PARAMS record
    h : float            step-size hint, s (<= 0: try the whole interval first)

    Returns
    -------
    (g, chi, t_left, h, n): the new gap (m), noise value, time to the next draw (s),
    step hint (s) and accepted sub-steps (negative if MAX_STEPS was hit).

    Notes
    -----
    With the variation off (p.dgap0 = 0) no random number is drawn and chi stays 0.
    With it on, the interval is cut at the draws of the fixed noise grid; the noise value
    is constant on each piece, so each piece is an ordinary ODE solved to tolerance.
    """
    if p.dgap0 == 0.0:
        g, h, n = _integrate(g, vs0, vs1, dt, 0.0, p, h)
        return g, 0.0, t_left, h, n
    tau = p.noise_dt
    snap = NOISE_SNAP * tau
    amp0 = noise_amplitude(0.0, p.g_min, p)  # delta_g(T0): no current flows at 0 V
    t = 0.0
    n_tot = 0
    failed = False
    while dt - t > 0.0:
        if t_left <= snap:
            chi = normal(state)
            t_left = tau
        remaining = dt - t
        if abs(t_left - remaining) <= snap or t_left > remaining:
            seg = remaining
        else:
            seg = t_left
        slope = (vs1 - vs0) / dt
        va = vs0 + slope * t
        vb = vs1 if seg == remaining else vs0 + slope * (t + seg)
        if va == 0.0 and vb == 0.0:
            # At zero bias I = 0, T = T0 and the mean rate vanishes: dg/dt = chi delta_g(T0)
            # is constant on the piece, so the projected solution is exact in one line
            # (a rest between pulses costs one draw per noise interval, no ODE steps).
            g = _clamp(g + seg * chi * amp0, p)
        else:
            g, h, n = _integrate(g, va, vb, seg, chi, p, h)
            if n < 0:
                failed = True
            n_tot += abs(n)
        t_left = 0.0 if abs(t_left - seg) <= snap else t_left - seg
        if seg == remaining:
            break
        t += seg
    return g, chi, t_left, h, (-n_tot if failed else n_tot)


#: The state of one device between calls, one layout named once (a Numba record in the
#: kernels): gap (m), the noise value held since the last draw, the time to the next draw
#: (s, <= 0: draw at once), the step-size hint (s) and the device's own random stream.
STATE = np.dtype([
    ("g", np.float64),
    ("chi", np.float64),
    ("t_left", np.float64),
    ("h", np.float64),
    ("rng", np.uint64, (4,)),
], align=True)


@jit
def advance_ensemble(devs, v0, v1, dt, p):
    """Advance D devices sharing one parameter record over one interval.

    (spicemem's ngspice bridge calls :func:`advance` per device instead, each device with
    its own record -- instances may set ``temp`` -- and its own step request; see
    :mod:`spicemem.bridge.kernels_rram`.)

    ``devs`` (D,) STATE records, updated in place; ``v0``, ``v1`` (D,) device voltages in V
    at the start and end of the interval; ``dt`` in s.  Returns the number of devices
    whose sub-step budget ran out (0 normally).  Plain loops, callable from nopython code.
    """
    failed = 0
    for d in range(devs.shape[0]):
        if _advance_record(devs[d], v0[d], v1[d], dt, p) < 0:
            failed += 1
    return failed


@jit
def _advance_record(dev, v0, v1, dt, p):
    """:func:`advance` one STATE record in place; returns advance's step count (< 0: the
    sub-step budget ran out)."""
    g, chi, t_left, h, n = advance(dev.g, dev.chi, dev.t_left, dev.rng, v0, v1, dt, p, dev.h)
    dev.g = g
    dev.chi = chi
    dev.t_left = t_left
    dev.h = h
    return n


@jit
def run_waveform(devs, tg, vg, p, g_out, vd_out, i_out, temp_out):
    """Drive R devices through the piecewise-linear source (tg, vg) and record every point.

    ``devs`` (R,) STATE records (advanced in place); outputs (R, K): gap (m), device
    voltage (V), current (A) and temperature (K) at each grid time.  The source reaches
    the device through p.r_series.  Returns the number of device-intervals that
    exhausted the sub-step budget.
    """
    n_dev = devs.shape[0]
    k_pts = tg.shape[0]
    failed = 0
    for d in range(n_dev):
        dev = devs[d]
        for k in range(k_pts):
            if k > 0 and _advance_record(dev, vg[k - 1], vg[k], tg[k] - tg[k - 1], p) < 0:
                failed += 1
            vd = device_voltage(vg[k], dev.g, p)
            g_out[d, k] = dev.g
            vd_out[d, k] = vd
            i_out[d, k] = current(vd, dev.g, p)
            temp_out[d, k] = temperature(vd, dev.g, p)
    return failed
