"""The ngspice callbacks of the bridge, compiled with Numba ``@cfunc``.

ngspice calls three functions of ours while it integrates a circuit:

``get_vsrc`` (GetVSRCData), also registered as ``get_isrc`` (GetISRCData)
    on every Newton iteration, once per external source -- the conductance sources of the
    memristors, external current sources into 1 Ohm (:mod:`spicemem.bridge.netlist`).  It
    hashes the source name (FNV-1a), finds the device in an open-addressing table and
    returns the device's committed conductance (scaled, see :mod:`spicemem.bridge.netlist`).  No device state changes here: trial points that
    ngspice later rejects see the same value.
``send_data`` (SendData)
    once per *accepted* time point, with the solved value of every saved vector.  It reads
    each device's terminal voltages, advances every device from the previous accepted point
    to this one with the voltage interpolated linearly in between (one call per device
    group, through the group's compiled kernel), commits the new state, records the
    history, and measures the largest relative conductance change of the step for the step
    control.
``get_sync`` (GetSyncData)
    before every step (location 0) and after a step that ngspice itself rejected
    (location 1, ``redostep`` = 1).  It lowers ngspice's next step to the cap computed by
    :mod:`spicemem.bridge.stepping`; it never lowers it below the floor and never asks
    for a redo of a converged step (that would bypass ngspice's own minimum-step check
    and can hang it).

All three read and write only NumPy arrays whose addresses sit in the process-wide
context array :data:`CTX` (layout :data:`spicemem.bridge.layout.CONTEXT`).  A fourth cfunc, :data:`sigint_handler`,
is installed as the C-level SIGINT handler during a run: Python's own handler cannot run
while ngspice holds the thread, so Ctrl-C sets a context flag that the callbacks turn into
an abort.

Errors never escape a callback: it records an error code (``ERROR``/``ERROR_ARG``) and
returns NaN from ``get_vsrc``, which makes ngspice abandon the analysis ("Timestep too
small"); :mod:`spicemem.bridge.run` then raises the real error.
"""

from __future__ import annotations

import numpy as np
import llvmlite.binding as _llvm
from numba import carray, cfunc, types

from ..kernels._jit import jit
from ._abi import (CTX_SLOTS, CTX_SYMBOL, call_group_kernel, ctx_address, f64_ptr, i32_ptr,
                   i64_ptr, u8_ptr, u64_ptr, voidptr_to_int)
from .layout import (A_G, A_GOLD, A_GROUPS, A_GSCALE_INV, A_GSRC, A_HASH, A_HIST, A_TEMP, A_V0,
                     A_V1, A_VECA, A_VECB, A_VINV, ACTIVE, ERROR, ERROR_ARG, FROZEN, H_CAP,
                     H_DEVICE, H_FLOOR, H_REST, HASH_MASK, HIST_CAP, HIST_ROWS, HIST_SKIP,
                     HIST_STRIDE, INTERRUPT, LAST_BIAS, LAST_DLN, LAST_H, LIVE, MAX_DLN,
                     N_ACCEPTED, N_CAPPED, N_REJECT_NGSPICE, N_SYNC_CALLS, N_VSRC_CALLS,
                     NDEV, NGROUPS, REST_BIAS, T_PREV, TIME_INDEX, TOL, A_NODEA, A_NODEB,
                     A_NODESUM, MEASURE, NNODES)

# -- the context ---------------------------------------------------------------------------
#: The one process-wide context (int64 slots; float slots share the memory through
#: :data:`CTX_F`).  It must outlive every compiled callback, so it is a module global:
#: this is the C-visible state of the single ngspice instance a process may hold.
CTX = np.zeros(CTX_SLOTS, dtype=np.int64)
CTX_F = CTX.view(np.float64)
_llvm.add_symbol(CTX_SYMBOL, CTX.ctypes.data)

# The slots of the context are declared in spicemem.bridge.layout (CONTEXT).

# error codes
ERR_UNKNOWN_SOURCE = 1  # ERROR_ARG: low 62 bits of the name hash
ERR_NONFINITE = 2  # ERROR_ARG: device index
ERR_INTERRUPTED = 3
ERR_INIT = 4  # the Python SendInitData handler failed (message kept in Python)
ERR_NO_VECTOR = 5  # ERROR_ARG: device index whose node voltage is not in the data

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)

# -- signatures (sharedspice.h of ngspice 39) ----------------------------------------------------
SEND_DATA_SIG = types.int32(types.voidptr, types.int32, types.int32, types.voidptr)
GET_VSRC_SIG = types.int32(types.CPointer(types.float64), types.float64, types.voidptr,
                           types.int32, types.voidptr)
GET_SYNC_SIG = types.int32(types.float64, types.CPointer(types.float64), types.float64,
                           types.int32, types.int32, types.int32, types.voidptr)
SIGINT_SIG = types.void(types.int32)
#: Signature of a device-group kernel: ``int64 kernel(int64 block, double t0, double t1)``,
#: returning 0 or 1 + the global index of a device whose state became non-finite.
GROUP_KERNEL_SIG = types.int64(types.int64, types.float64, types.float64)


@jit
def _ctx():
    base = ctx_address()
    return carray(i64_ptr(base), (CTX_SLOTS,)), carray(f64_ptr(base), (CTX_SLOTS,))


@jit
def _vec_value(vecsa, k):
    """creal of entry k of the ``pvecvalues`` array (struct vecvalues: name, creal, ...)."""
    return f64_ptr(i64_ptr(vecsa + 8 * k)[0] + 8)[0]


@jit
def _record(ci, t, gused, gnew, temp, n):
    """Append one history row; when the buffer is full, keep every other row and halve
    the recording rate (the result interpolates onto ngspice's time axis)."""
    if ci[HIST_SKIP] > 0:
        ci[HIST_SKIP] -= 1
        return
    cap = ci[HIST_CAP]
    if cap <= 0:
        return
    width = 1 + 3 * n
    hist = carray(f64_ptr(ci[A_HIST]), (cap, width))
    rows = ci[HIST_ROWS]
    if rows >= cap:
        keep = (cap + 1) // 2
        for r in range(1, keep):
            hist[r, :] = hist[2 * r, :]
        rows = keep
        ci[HIST_STRIDE] *= 2
    hist[rows, 0] = t
    for i in range(n):
        hist[rows, 1 + i] = gused[i]
        hist[rows, 1 + n + i] = gnew[i]
        hist[rows, 1 + 2 * n + i] = temp[i]
    ci[HIST_ROWS] = rows + 1
    ci[HIST_SKIP] = ci[HIST_STRIDE] - 1


@jit
def request_step(h):
    """Called by a group kernel: limit ngspice's next step to ``h`` (s, > 0).

    For devices whose rate is deterministic and can outrun the circuit within one step
    (the drift memristor's Joule-driven SET): the circuit holds each device's conductance
    over a step, so a device that would change its own voltage appreciably within the
    step asks for a shorter one.  Unlike the rate control (see :mod:`.stepping`) the
    request is not bounded by the floor.  The smallest request of the step wins.
    """
    ci, cf = _ctx()
    if h > 0.0 and (cf[H_DEVICE] <= 0.0 or h < cf[H_DEVICE]):
        cf[H_DEVICE] = h


@cfunc(SEND_DATA_SIG, cache=True)
def send_data(vdata, nvecs, ident, user):
    ci, cf = _ctx()
    if ci[ACTIVE] == 0 or ci[LIVE] == 0 or ci[ERROR] != 0:
        return 0
    if ci[INTERRUPT] != 0:
        ci[ERROR] = ERR_INTERRUPTED
        return 0
    n = ci[NDEV]
    addr = voidptr_to_int(vdata)
    count = i32_ptr(addr)[0]
    vecsa = i64_ptr(addr + 8)[0]
    it = ci[TIME_INDEX]
    if it < 0 or it >= count:
        ci[ERROR] = ERR_NO_VECTOR
        ci[ERROR_ARG] = -1
        return 0
    t = _vec_value(vecsa, it)
    veca = carray(i64_ptr(ci[A_VECA]), (n,))
    vecb = carray(i64_ptr(ci[A_VECB]), (n,))
    v0 = carray(f64_ptr(ci[A_V0]), (n,))
    v1 = carray(f64_ptr(ci[A_V1]), (n,))
    g = carray(f64_ptr(ci[A_G]), (n,))
    temp = carray(f64_ptr(ci[A_TEMP]), (n,))
    gsrc = carray(f64_ptr(ci[A_GSRC]), (n,))
    ginv = carray(f64_ptr(ci[A_GSCALE_INV]), (n,))
    for i in range(n):
        ka = veca[i]
        kb = vecb[i]
        if ka >= count or kb >= count or ka < -1 or kb < -1:
            ci[ERROR] = ERR_NO_VECTOR
            ci[ERROR_ARG] = i
            return 0
        va = _vec_value(vecsa, ka) if ka >= 0 else 0.0
        vb = _vec_value(vecsa, kb) if kb >= 0 else 0.0
        v1[i] = va - vb
    first = ci[N_ACCEPTED] == 0
    ci[N_ACCEPTED] += 1
    if first:
        # The first accepted point is normally t = 0 (the operating point).  With UIC
        # ngspice reports nothing at t = 0: the voltage before the first point is then
        # taken as constant.
        vinv0 = carray(f64_ptr(ci[A_VINV]), (n,))
        bias0 = 0.0
        for i in range(n):
            v0[i] = v1[i]
            if abs(v1[i]) * vinv0[i] > bias0:
                bias0 = abs(v1[i]) * vinv0[i]
        cf[LAST_BIAS] = bias0
        if t <= 0.0:
            cf[T_PREV] = t
            _record(ci, t, g, g, temp, n)
            return 0
        cf[T_PREV] = 0.0
    t0 = cf[T_PREV]
    if t <= t0:
        return 0
    # G used by the circuit over (t0, t] is the committed G at t0 (held, see stepping.py).
    gused = carray(f64_ptr(ci[A_GOLD]), (n,))
    for i in range(n):
        gused[i] = g[i]
    cf[H_DEVICE] = 0.0  # the kernels may request a step limit for the next step
    if ci[FROZEN] == 0:
        groups = carray(i64_ptr(ci[A_GROUPS]), (ci[NGROUPS], 2))
        for k in range(ci[NGROUPS]):
            bad = call_group_kernel(groups[k, 0], groups[k, 1], t0, t)
            if bad != 0:
                ci[ERROR] = ERR_NONFINITE
                ci[ERROR_ARG] = bad - 1
                return 0
    vinv = carray(f64_ptr(ci[A_VINV]), (n,))
    dln = 0.0
    bias = 0.0
    by_node = ci[MEASURE] == 1
    if by_node:
        nna = carray(i64_ptr(ci[A_NODEA]), (n,))
        nnb = carray(i64_ptr(ci[A_NODEB]), (n,))
        nsum = carray(f64_ptr(ci[A_NODESUM]), (ci[NNODES], 2))
        nsum[:, :] = 0.0
    for i in range(n):
        gi = g[i]
        if not (gi > 0.0 and gi < np.inf):
            ci[ERROR] = ERR_NONFINITE
            ci[ERROR_ARG] = i
            return 0
        # Relative change of the device current over the step, |ln(G1/G0)|, weighted by
        # min(1, |V|/V_scale): an unbiased device's conductance noise costs no accuracy.
        vmax = max(abs(v0[i]), abs(v1[i]))
        w = vmax * vinv[i]
        if w > bias:
            bias = w
        if by_node:
            # the current the lag withholds from the device's nodes, and the device current
            # there (stepping.py, 'The error measure')
            lag = min(w, 1.0) * vmax * abs(gi - gused[i])
            cur = vmax * min(gi, gused[i])
            for nd in (nna[i], nnb[i]):
                if nd >= 0:
                    nsum[nd, 0] += lag
                    nsum[nd, 1] += cur
        else:
            d = abs(np.log(gi / gused[i])) * min(w, 1.0)
            if d > dln:
                dln = d
        gsrc[i] = gi * ginv[i]
        v0[i] = v1[i]
    if by_node:
        for nd in range(ci[NNODES]):
            if nsum[nd, 1] > 0.0:
                d = np.log1p(nsum[nd, 0] / nsum[nd, 1])
                if d > dln:
                    dln = d
    cf[LAST_DLN] = dln
    cf[LAST_BIAS] = bias
    cf[LAST_H] = t - t0
    if dln > cf[MAX_DLN]:
        cf[MAX_DLN] = dln
    cf[T_PREV] = t
    _record(ci, t, gused, g, temp, n)
    return 0


@cfunc(GET_VSRC_SIG, cache=True)
def get_vsrc(vret, time, name, ident, user):
    ci, cf = _ctx()
    if ci[ACTIVE] == 0:
        vret[0] = 0.0
        return 0
    ci[N_VSRC_CALLS] += 1
    # FNV-1a of the NUL-terminated name
    p = voidptr_to_int(name)
    h = _FNV_OFFSET
    k = 0
    while True:
        c = u8_ptr(p + k)[0]
        if c == 0:
            break
        h = (h ^ np.uint64(c)) * _FNV_PRIME
        k += 1
    mask = ci[HASH_MASK]
    table = carray(u64_ptr(ci[A_HASH]), (mask + 1, 2))
    j = np.int64(h & np.uint64(mask))
    idx = -1
    for _ in range(mask + 1):
        slot = table[j, 1]
        if slot == 0:
            break
        if table[j, 0] == h:
            idx = np.int64(slot) - 1
            break
        j = (j + 1) & mask
    if idx < 0:
        if ci[ERROR] == 0:
            ci[ERROR] = ERR_UNKNOWN_SOURCE
            ci[ERROR_ARG] = np.int64(h >> np.uint64(2))
        vret[0] = np.nan
        return 0
    if ci[INTERRUPT] != 0 and ci[ERROR] == 0:
        ci[ERROR] = ERR_INTERRUPTED
    if ci[ERROR] != 0:
        vret[0] = np.nan  # makes ngspice give up the analysis at once
        return 0
    # D + 1 slots: the last is the idle source of a netlist without memristors, which
    # exists so that a Ctrl-C (the NaN above) can stop any run
    vret[0] = carray(f64_ptr(ci[A_GSRC]), (ci[NDEV] + 1,))[idx]
    return 0


#: GetISRCData has GetVSRCData's signature, and the bridge's state sources are current
#: sources (issue 17: no branch unknown, see spicemem.bridge.netlist): one dispatch by name
#: serves both, so ``get_isrc`` is the same compiled function.
get_isrc = get_vsrc


@cfunc(GET_SYNC_SIG, cache=True)
def get_sync(time, delta, olddelta, redostep, ident, location, user):
    ci, cf = _ctx()
    if ci[ACTIVE] == 0 or ci[LIVE] == 0:
        return 0
    ci[N_SYNC_CALLS] += 1
    if ci[INTERRUPT] != 0 and ci[ERROR] == 0:
        ci[ERROR] = ERR_INTERRUPTED
    if ci[ERROR] != 0:
        return 0  # get_vsrc returns NaN from now on, which aborts the analysis
    if location == 1 and redostep == 0:
        return 0  # a converged step: accept it (see the module docstring)
    if location == 1:
        ci[N_REJECT_NGSPICE] += 1
    cap = cf[H_CAP]
    if cf[LAST_BIAS] < cf[REST_BIAS]:
        cap = cf[H_REST]  # every device at rest: no splitting error (see stepping.py)
    dln = cf[LAST_DLN]
    lh = cf[LAST_H]
    tol = cf[TOL]
    if tol > 0.0 and dln > 0.0 and lh > 0.0:
        rate_cap = tol * lh / dln
        if rate_cap < cap:
            cap = rate_cap
    if cap < cf[H_FLOOR]:
        cap = cf[H_FLOOR]
    # A deterministic device's own request (request_step) may go below the floor: it comes
    # from the device's rate, not from noise, and grows back as the device settles.
    hd = cf[H_DEVICE]
    if hd > 0.0 and hd < cap:
        cap = hd
    if delta[0] > cap:
        delta[0] = cap
        ci[N_CAPPED] += 1
    return 0


@cfunc(SIGINT_SIG, cache=True)
def sigint_handler(signum):
    ci, cf = _ctx()
    ci[INTERRUPT] = 1
