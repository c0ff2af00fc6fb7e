"""Compiled group kernel of the TaOx drift memristor (see :mod:`spicemem.bridge.devices_drift`).

A Numba ``@cfunc`` ``int64 kernel(int64 block, double t0, double t1)`` called by
:func:`spicemem.bridge.callbacks.send_data` once per accepted time point.  Each device is
advanced by :func:`spicemem.kernels.drift.advance` (adaptive SDIRK2, error-controlled, the
interval split where the voltage changes sign) with its voltage linear between the solved
``v0`` at t0 and ``v1`` at t1, so the result does not depend on where ngspice puts its
points (the integrator's own step hint is carried from call to call).

Coupling step request
---------------------
ngspice holds x over a step, so the voltage it solves ignores the change of x within the
step.  Behind a series element that change feeds back: SET raises G, which lowers the
device's share of the voltage and its power, which is what limits SET (the compliance).
A step longer than the device's own time scale misses the feedback and the device runs
away to x = 1 (measured: 2.5 V through 1 kOhm, x = 1 instead of 0.185).  The kernel
therefore asks for a next step (:func:`spicemem.bridge.callbacks.request_step`)

    h = c / (|dx/dt| S),   S = |d ln G/dx| |v d ln|dx/dt| / dv|,

the time in which the log-rate would move by c if the device's voltage moved by as much
as its conductance (|d ln v| = |d ln G|: the worst case, a current-driven device; a
voltage-driven one has no feedback), and, after a step
in which x moved by more than c / S (a source ramp, or a partner device turning on, raised
the rate within it), no more than c h_last / (S |dx|).  c = ``scr[S_TOL]``
(:data:`spicemem.bridge.devices_drift.COUPLING_TOL`).  The request is a step *limit*; at
rest or at low bias the rate is tiny and the request is far above the bridge's cap.

No criterion compares rates of successive points: next to a stochastic device (the
diffusive memristor of the synapse, whose conductance is redrawn at every accepted point)
the rate jumps by e^5 between points whatever the step, and such a criterion shrinks the
steps geometrically (measured: ngspice crawling at 1e-15 s).

A step is committed only up to the point where S |dx| reaches ``cmax`` (5 c): if ngspice
took a step the device could not follow (the rate rose e^10 within it on a source ramp),
x stops there and the rest of the step is dropped (see :func:`advance_coupled`); the time
dropped is reported (``drift_time_dropped_s`` in the run's ``extra``).
"""

from __future__ import annotations

import numpy as np
from numba import carray, cfunc, prange

from ..kernels.drift import (P_A, P_B, P_BETA, P_GM, P_SIG_OFF, P_SIG_ON, P_SIG_P, advance,
                             beyond_ceiling, rate)
from ._abi import f64_ptr, i64_ptr
from ..kernels._jit import jit
from .callbacks import GROUP_KERNEL_SIG, request_step
from .kernels import PARALLEL_MIN_DEVICES  # (also starts Numba's thread pool: see there)
from .layout import (B_FSTATE, B_G, B_INDEX, B_KSCALE, B_N, B_NDEV, B_NF, B_NP, B_P,
                     B_SCRATCH, B_TEMP, B_V0, B_V1, BLOCK_SLOTS)

# float state columns of a drift device
F_X = 0  # state x in [0, 1]
F_H = 1  # the integrator's step hint, s
F_BEYOND = 2  # 1 once the fitted rate has exceeded the ceiling rate_max (validity warning)
N_FSTATE = 3
# scratch slots
S_OVERRUNS = 0  # device-intervals whose sub-step budget ran out (bounded, inaccurate)
S_TOL = 1  # coupling tolerance c of the step request (dimensionless)
S_TOL_MAX = 2  # largest coupling change S |dx| a step may make before it is truncated
S_DROPPED = 3  # device time dropped by truncated steps, s (summed over devices)
S_TRUNCATED = 4  # truncated device-steps
#: Smallest step a drift device requests, s (a guard: the request shrinks only while the
#: rate grows, and x is bounded, so it is not reached in practice).
H_REQUEST_MIN = 1e-15


@jit
def sensitivity(v, x, p):
    """S = |d ln G/dx| |v d ln|dx/dt|/dv| at device voltage v (V) and state x (see the
    module docstring); 0 at v = 0.  G is the chord conductance i/v."""
    if v == 0.0:
        return 0.0
    av = abs(v)
    sq = np.sqrt(av)
    fp = p[P_A] * np.exp(p[P_B] * sq)
    g = p[P_GM] * x + fp * (1.0 - x)
    dlng = abs(p[P_GM] - fp) / g
    pw = av * av * g
    vdp = 2.0 * pw + av * av * fp * (1.0 - x) * 0.5 * p[P_B] * sq  # v dp/dv
    if v > 0.0:
        u = av / p[P_SIG_ON]
        e = u / np.tanh(u) + vdp / p[P_SIG_P]
    else:
        u = av / p[P_SIG_OFF]
        q = 1.0 + p[P_BETA] * pw
        e = abs(u / np.tanh(u) - p[P_BETA] * vdp / (q * q))
    return dlng * e


@jit
def advance_coupled(xa, va, vb, dt, p, hint, c, cmax):
    """Advance one device over an accepted step and compute its step request.

    Returns (x, hint, steps, used, h_request): the state after ``used`` s of the step's
    ``dt`` s, the integrator's hint, its sub-step count (< 0: budget exhausted), and the
    next step it asks for (inf: none).  ``used`` < ``dt`` only when the whole step would
    have moved x by more than ``cmax`` in units of the coupling measure S |dx| (see the
    module docstring): the circuit solved the step with x held, so the remainder is
    dropped (the device loses that time) rather than integrated against a voltage that
    ignores the change; the next step is shortened to fit.
    """
    x, h, steps = advance(xa, va, vb, dt, p, hint)
    used = dt
    if dt > 0.0 and abs(x - xa) * max(sensitivity(vb, x, p), sensitivity(va, xa, p)) > cmax:
        lo = 0.0
        hi = dt
        x_lo, h_lo, n_lo = xa, hint, 0
        s_a = sensitivity(va, xa, p)
        for _ in range(80):
            if lo > 0.0 and hi - lo <= 1e-3 * dt:
                break
            mid = 0.5 * (lo + hi)
            vm = va + (vb - va) * (mid / dt)
            # cheap rejection first: the rate at the piece's end voltage and the start state
            # already moves x too far (a runaway held at its voltage only accelerates); only
            # a piece that passes is integrated (in a runaway each integration resolves the
            # explosion to x = 1 and costs thousands of sub-steps)
            if abs(rate(vm, xa, p)) * mid * max(sensitivity(vm, xa, p), s_a) > cmax:
                hi = mid
                continue
            xm, hm, nm = advance(xa, va, vm, mid, p, hint)
            if abs(xm - xa) * max(sensitivity(vm, xm, p), s_a) > cmax:
                hi = mid
            else:
                lo, x_lo, h_lo, n_lo = mid, xm, hm, nm
        # lo = 0 only if even dt 2^-80 moves too far: then x stays (the request below
        # shrinks the next step to the device's time scale)
        x, h, steps, used = x_lo, h_lo, n_lo, lo
    # the request is for the next step, which starts at the voltage vb (after a truncated
    # step the device skips to the end of the step)
    hr = np.inf
    r1 = rate(vb, x, p)
    # on a face of [0, 1] with the rate pushing outwards, x cannot move: no feedback, no
    # request (without this, a SET held at x = 1 by a large voltage requested steps of
    # c / (rate_max S) ~ 1e-12 s for as long as the pulse lasted)
    if (x >= 1.0 and r1 > 0.0) or (x <= 0.0 and r1 < 0.0):
        r1 = 0.0
    r1 = abs(r1)
    if r1 > 0.0 and np.isfinite(x):
        sens = sensitivity(vb, x, p)
        if sens > 0.0:
            hr = c / (r1 * sens)
        # after the fact: a step in which x moved further than the criterion allows (a
        # source ramp, or a partner device turning on, raised the rate within it)
        dx = abs(x - xa)
        if dx * sens > c and used > 0.0:
            hr = min(hr, c * used / (dx * sens))
        elif used <= 0.0 < dt:
            hr = min(hr, 1e-3 * dt)
    return x, h, steps, used, hr


@jit
def _drift_one(j, index, v0, v1, g, temp, fs, p, dt, c, cmax, kscale, out):
    """Advance device j of a drift group (its own rows only); ``out[j]`` = (steps, used,
    request) for the serial reduction of :func:`drift_group`."""
    gi = index[j]
    xa = fs[j, F_X]
    x, h, steps, used, hr = advance_coupled(xa, v0[gi], v1[gi], dt, p[j], fs[j, F_H], c, cmax)
    if fs[j, F_BEYOND] == 0.0 and beyond_ceiling(v0[gi], v1[gi], xa, x, p[j]):
        fs[j, F_BEYOND] = 1.0
    fs[j, F_X] = x
    fs[j, F_H] = h
    g[gi] = p[j, P_GM] * x + (1.0 - x) * p[j, P_A]
    temp[gi] = kscale
    out[j, 0] = steps
    out[j, 1] = used
    out[j, 2] = hr


@jit(parallel=True)
def _drift_all(index, v0, v1, g, temp, fs, p, dt, c, cmax, kscale, out):
    """All devices of a drift group on Numba's threads (each touches only its own rows)."""
    for j in prange(index.shape[0]):
        _drift_one(j, index, v0, v1, g, temp, fs, p, dt, c, cmax, kscale, out)


@cfunc(GROUP_KERNEL_SIG, cache=True)
def drift_group(block, t0, t1):
    """Advance drift devices from t0 to t1 (s); write G0 = G_m x + (1 - x) a (S)."""
    b = carray(i64_ptr(block), (BLOCK_SLOTS,))
    bf = carray(f64_ptr(block), (BLOCK_SLOTS,))
    n = b[B_N]
    ndev = b[B_NDEV]
    index = carray(i64_ptr(b[B_INDEX]), (n,))
    v0 = carray(f64_ptr(b[B_V0]), (ndev,))
    v1 = carray(f64_ptr(b[B_V1]), (ndev,))
    g = carray(f64_ptr(b[B_G]), (ndev,))
    temp = carray(f64_ptr(b[B_TEMP]), (ndev,))
    fs = carray(f64_ptr(b[B_FSTATE]), (n, b[B_NF]))
    p = carray(f64_ptr(b[B_P]), (n, b[B_NP]))
    scr = carray(f64_ptr(b[B_SCRATCH]), (16,))
    dt = t1 - t0
    c = scr[S_TOL]
    cmax = scr[S_TOL_MAX]
    out = np.empty((n, 3))
    if n >= PARALLEL_MIN_DEVICES:
        _drift_all(index, v0, v1, g, temp, fs, p, dt, c, cmax, bf[B_KSCALE], out)
    else:
        for j in range(n):
            _drift_one(j, index, v0, v1, g, temp, fs, p, dt, c, cmax, bf[B_KSCALE], out)
    # the shared counters and the step request in group order, so that the numbers do not
    # depend on the thread count
    for j in range(n):
        if out[j, 0] < 0:
            scr[S_OVERRUNS] += 1.0
        if out[j, 1] < dt:
            scr[S_DROPPED] += dt - out[j, 1]
            scr[S_TRUNCATED] += 1.0
        if out[j, 2] < np.inf:
            request_step(max(out[j, 2], H_REQUEST_MIN))
    for j in range(n):
        if not np.isfinite(fs[j, F_X]):
            return index[j] + 1
    return 0
