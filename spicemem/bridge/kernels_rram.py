"""Compiled group kernel of the Stanford/PKU RRAM (see :mod:`spicemem.bridge.devices_rram`).

A Numba ``@cfunc`` ``int64 kernel(int64 block, double t0, double t1)`` called by
:func:`spicemem.bridge.callbacks.send_data` once per accepted time point.  Each device is
advanced by :func:`spicemem.kernels.rram.advance` (adaptive Bogacki-Shampine, projected
onto the gap bounds and the F_min surface, the variation from the device's own stream on
its fixed noise grid) with its voltage linear between the solved ``v0`` at t0 and ``v1``
at t1, so the result does not depend on where ngspice puts its points.  The per-device
state and parameters are the model's own records (:data:`spicemem.kernels.rram.STATE`,
:data:`spicemem.kernels.rram.PARAMS`), read here through typed pointers: no slot
constants are repeated.

Coupling step request
---------------------
ngspice holds the gap over a step, so the voltage it solves ignores the change of the gap
within the step.  Behind a series element that change feeds back: SET lowers the gap,
raises the conductance, lowers the device's voltage, and the rate falls steeply with the
voltage -- which is what limits SET behind a resistor (the compliance).  A step longer
than that feedback's time scale misses it and the device runs away to g_min.  As the
drift kernel does (:mod:`spicemem.bridge.kernels_drift`), each device asks for a next step
(:func:`spicemem.bridge.callbacks.request_step`)

    h = c / (|dg/dt| S),   S = |d ln|dg/dt| / dv| |dv/dg|_I,
    |dv/dg|_I = V0 tanh(|v|/V0) / g0,

the time in which the log-rate would move by c if the device's voltage moved as it does
when its *current* is held (I = I0 exp(-g/g0) sinh(v/V0): the worst case; a device driven
by an ideal source has no feedback at all), and, after a step in which the gap moved by
more than c / S (a source ramp, or a selector turning on, raised the rate within it), no
more than c h_last / (S |dg|).  c is ``scratch[S_TOL]``
(:data:`spicemem.bridge.devices_rram.COUPLING_TOL`).  Below the F_min threshold the mean
rate is 0 and nothing is requested; a device held on a bound by an outward rate (SET at
g_min, RESET at g_max) cannot move and requests nothing either (measured: a RESET sitting
at g_max behind 100 Ohm cost 65 000 points before this rule, 433 after); the random term
(if on) is white noise on a fixed grid that no step resolves better, and enters no
request.

A step is committed only up to the point where S |dg| reaches ``TRUNCATE_FACTOR`` c (as the
drift kernel does): if ngspice took a step the device could not follow, the gap stops
there and the rest of the step is dropped (reported as ``rram_time_dropped_s``).  Seen in
the Fig. 6 synapse (docs/synapse.md): a SET behind the diffusive device sits on its F_min
surface (the compliance), where the rate is 0 and nothing is requested; a 16 us step over
which the diffusive conductance crept up put the held voltage 7 mV above the threshold,
and integrated at that held voltage the gap ran from 0.82 nm to g_min (x16 in G) instead
of moving by a few pm.  Only with the variation off: the random term moves the gap by
amounts no step resolves (it enters no request either), so with it on a step is
committed whole, as before.

What is written back: the zero-bias conductance G0 = I0 exp(-g/g0) / V0 in S (the external
source carries G0 / G_scale, see devices_rram) and the filament temperature of the model's
own law (eq. 5) at the accepted point's voltage, in K.
"""

from __future__ import annotations

import numpy as np
from numba import carray, cfunc, from_dtype, prange, types
from numba.extending import intrinsic

from ..kernels._jit import jit
from ..kernels.rram import PARAMS, STATE, advance, current, field_factor, rate, temperature
from ._abi import f64_ptr, i64_ptr
from .callbacks import GROUP_KERNEL_SIG, request_step
from .kernels import PARALLEL_MIN_DEVICES  # (also starts Numba's thread pool: see there)
from .layout import (B_FSTATE, B_G, B_INDEX, B_N, B_NDEV, B_P, B_SCRATCH, B_TEMP, B_V0, B_V1,
                     BLOCK_SLOTS)



def _record_pointer(dtype):
    """An intrinsic ``int64 address -> CPointer(Record)`` for a numpy structured dtype.

    (``_abi``'s scalar pointers take the element's *value* type, which for a record is
    already a pointer to its bytes; the pointer type here is the one ``carray`` expects.)
    """
    rec = from_dtype(dtype)

    @intrinsic
    def as_ptr(typingctx, addr):
        sig = types.CPointer(rec)(types.int64)

        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

        return sig, codegen

    return as_ptr


#: Typed pointers to the model's records (B_FSTATE: STATE[n], B_P: PARAMS[n]).
state_ptr = _record_pointer(STATE)
params_ptr = _record_pointer(PARAMS)

# scratch slots (float64[16])
S_OVERRUNS = 0  # device-intervals whose sub-step budget ran out (bounded, inaccurate)
S_TOL = 1  # coupling tolerance c of the step request (dimensionless)
S_MIN_REQUEST = 2  # smallest step requested in the run, s (inf: none)
S_DROPPED = 3  # device time dropped by truncated steps, s (summed over devices)
S_TRUNCATED = 4  # truncated device-steps
#: Smallest step an RRAM device requests, s (a guard against a request of 0).
H_REQUEST_MIN = 1e-15
#: A step moving a device by more than this many coupling tolerances (S |dg| > 5 c) is
#: truncated (variation off only): the drift kernel's factor.
TRUNCATE_FACTOR = 5.0


@jit
def dlnrate_dv(v, g, p):
    """|d ln|dg/dt| / d|v|| at fixed gap, in 1/V (0 where the mean rate is 0).

    ln r = ln nu0 - E_a/(k T) + ln sinh(u), u = gamma |v| field_k / T, T = T0 + |v I| R_th:
    d ln r/d|v| = (E_a/k) T'/T^2 + u coth(u) (1/|v| - T'/T),  T' = R_th d|v I|/d|v|.
    """
    a = abs(v)
    if a == 0.0 or field_factor(v, g, p) <= 0.0:
        return 0.0
    gam = field_factor(v, g, p)
    t = temperature(v, g, p)
    pre = p.i0 * np.exp(-g / p.g0)
    x = a / p.v0
    dpow = pre * (np.sinh(x) + x * np.cosh(x))  # d|v I|/d|v|, W/V
    dt = p.r_th * dpow
    u = gam * a * p.field_k / t
    ucoth = 1.0 if u < 1e-8 else u / np.tanh(u)
    return abs(p.ea_k * dt / (t * t) + ucoth * (1.0 / a - dt / t))


@jit
def sensitivity(v, g, p):
    """S = |d ln|dg/dt|/dv| |dv/dg|_I in 1/m (see the module docstring); 0 at v = 0."""
    if v == 0.0:
        return 0.0
    return dlnrate_dv(v, g, p) * p.v0 * np.tanh(abs(v) / p.v0) / p.g0


@jit
def step_request(ga, g, va, vb, used, p, c):
    """The next step (s) a device asks for after moving from ``ga`` to ``g`` (m) over
    ``used`` s with its voltage from ``va`` to ``vb`` (V); inf: no request."""
    hr = np.inf
    r = rate(vb, g, p)
    if (g <= p.g_min and r <= 0.0) or (g >= p.g_max and r >= 0.0):
        return hr  # held on a bound by an outward rate: the gap cannot move, no feedback
    r1 = abs(r)
    if r1 > 0.0 and np.isfinite(g):
        sens = sensitivity(vb, g, p)
        if sens > 0.0:
            hr = c / (r1 * sens)
        # after the fact: a step in which the gap moved further than the criterion allows
        dg = abs(g - ga)
        s_max = max(sens, sensitivity(va, ga, p))
        if dg * s_max > c and used > 0.0:
            hr = min(hr, c * used / (dg * s_max))
    return hr


@jit
def advance_truncated(ga, dev, va, vb, dt, p, cmax):
    """:func:`~spicemem.kernels.rram.advance` one device (variation off) over at most ``dt``
    s, stopping where S |g - ga| would exceed ``cmax``; returns (g, h, steps, used).

    ``used`` < ``dt`` only for a step the device could not follow (see the module
    docstring); the remainder is dropped.  Bisection on the committed time, as
    :func:`spicemem.bridge.kernels_drift.advance_coupled`.
    """
    g, chi, t_left, h, steps = advance(ga, 0.0, dev.t_left, dev.rng, va, vb, dt, p, dev.h)
    s_a = sensitivity(va, ga, p)
    if dt <= 0.0 or abs(g - ga) * max(sensitivity(vb, g, p), s_a) <= cmax:
        return g, h, steps, dt
    lo = 0.0
    hi = dt
    g_lo, h_lo, n_lo = ga, dev.h, 0
    for _ in range(80):
        if lo > 0.0 and hi - lo <= 1e-3 * dt:
            break
        mid = 0.5 * (lo + hi)
        vm = va + (vb - va) * (mid / dt)
        # cheap rejection first: the rate at the piece's end voltage and the start gap
        # already moves it too far (a held runaway only accelerates)
        if abs(rate(vm, ga, p)) * mid * max(sensitivity(vm, ga, p), s_a) > cmax:
            hi = mid
            continue
        gm, chi, t_left, hm, nm = advance(ga, 0.0, dev.t_left, dev.rng, va, vm, mid, p, dev.h)
        if abs(gm - ga) * max(sensitivity(vm, gm, p), s_a) > cmax:
            hi = mid
        else:
            lo, g_lo, h_lo, n_lo = mid, gm, hm, nm
    return g_lo, h_lo, n_lo, lo


@jit
def _rram_one(j, index, v0, v1, gout, temp, devs, prm, dt, c, out):
    """Advance device j of an RRAM group (its own records only); ``out[j]`` = (steps,
    used, request) for the serial reduction of :func:`rram_group` (request inf: none)."""
    gi = index[j]
    dev = devs[j]
    p = prm[j]
    ga = dev.g
    used = dt
    if p.dgap0 == 0.0:
        chi, t_left = dev.chi, dev.t_left
        g, h, steps, used = advance_truncated(ga, dev, v0[gi], v1[gi], dt, p,
                                              TRUNCATE_FACTOR * c)
    else:
        g, chi, t_left, h, steps = advance(ga, dev.chi, dev.t_left, dev.rng, v0[gi], v1[gi],
                                           dt, p, dev.h)
    dev.g = g
    dev.chi = chi
    dev.t_left = t_left
    dev.h = h
    hr = step_request(ga, g, v0[gi], v1[gi], used, p, c)
    if used <= 0.0 < dt:
        hr = min(hr, 1e-3 * dt)
    gout[gi] = p.i0 * np.exp(-g / p.g0) / p.v0
    temp[gi] = temperature(v1[gi], g, p)
    out[j, 0] = steps
    out[j, 1] = used
    out[j, 2] = hr
    out[j, 3] = 1.0 if (np.isfinite(g) and np.isfinite(current(v1[gi], g, p))) else 0.0


@jit(parallel=True)
def _rram_all(index, v0, v1, gout, temp, devs, prm, dt, c, out):
    """All devices of an RRAM group on Numba's threads (each owns its stream and records)."""
    for j in prange(index.shape[0]):
        _rram_one(j, index, v0, v1, gout, temp, devs, prm, dt, c, out)


@cfunc(GROUP_KERNEL_SIG, cache=True)
def rram_group(block, t0, t1):
    """Advance RRAM devices from t0 to t1 (s); write G0 (S) and the temperature (K)."""
    b = carray(i64_ptr(block), (BLOCK_SLOTS,))
    n = b[B_N]
    ndev = b[B_NDEV]
    index = carray(i64_ptr(b[B_INDEX]), (n,))
    v0 = carray(f64_ptr(b[B_V0]), (ndev,))
    v1 = carray(f64_ptr(b[B_V1]), (ndev,))
    gout = carray(f64_ptr(b[B_G]), (ndev,))
    temp = carray(f64_ptr(b[B_TEMP]), (ndev,))
    devs = carray(state_ptr(b[B_FSTATE]), (n,))
    prm = carray(params_ptr(b[B_P]), (n,))
    scr = carray(f64_ptr(b[B_SCRATCH]), (16,))
    dt = t1 - t0
    c = scr[S_TOL]
    out = np.empty((n, 4))
    if n >= PARALLEL_MIN_DEVICES:
        _rram_all(index, v0, v1, gout, temp, devs, prm, dt, c, out)
    else:
        for j in range(n):
            _rram_one(j, index, v0, v1, gout, temp, devs, prm, dt, c, out)
    # the shared counters and the step request in group order, so that the numbers do not
    # depend on the thread count
    for j in range(n):
        if out[j, 1] < dt:
            scr[S_DROPPED] += dt - out[j, 1]
            scr[S_TRUNCATED] += 1.0
        if out[j, 0] < 0:
            scr[S_OVERRUNS] += 1.0
        hr = out[j, 2]
        if hr < np.inf:
            hr = max(hr, H_REQUEST_MIN)
            request_step(hr)
            if hr < scr[S_MIN_REQUEST]:
                scr[S_MIN_REQUEST] = hr
    for j in range(n):
        if out[j, 3] == 0.0:
            return index[j] + 1
    return 0
