"""Compiled group kernels of the diffusive device type (see :mod:`spicemem.bridge.devices_diffusive`).

Each is a Numba ``@cfunc`` ``int64 kernel(int64 block, double t0, double t1)`` called by
:func:`spicemem.bridge.callbacks.send_data` through its address, once per device group and
accepted time point.  It returns 0, or 1 + the global index of a device whose state is no
longer finite.
"""

from __future__ import annotations

import numpy as np
from numba import carray, cfunc, prange
from numba.np.ufunc.parallel import _launch_threads

from ..kernels._jit import jit
from ..kernels.diffusive import P_FIELD, P_LAM, advance, resistance
from ..kernels.hopping import N_CRN, N_HYBRID, HopTables, advance_hybrid, materialize
from ..kernels.records import Core, HybridDevice, HybridModel, Waveform
from ._abi import f64_ptr, i64_ptr, u64_ptr
from .callbacks import GROUP_KERNEL_SIG
from .layout import (A_COUNTS, A_HC, A_KMAX, A_MODES, A_NG, A_NT, A_NV, A_TABLES, AUX_SLOTS, B_AUX,
                     B_DT, B_FSTATE, B_G, B_GSCALE, B_INDEX, B_INV_DX, B_ISTATE, B_KSCALE, B_N,
                     B_NDEV, B_NF, B_NP, B_NT, B_P, B_RNG, B_SCRATCH, B_TABLE, B_TEMP, B_TSCALE,
                     B_V0, B_V1, B_VSCALE, BLOCK_SLOTS)


# The group kernels call a parallel (prange) function.  Numba resolves its thread pool's
# symbols when it first compiles or calls a parallel dispatcher; a cfunc loaded from the disk
# cache does neither, and LLVM would abort on the unresolved symbols.  Start the pool (and
# register its symbols) before any cfunc below is compiled or loaded.
_launch_threads()


@jit
def _diffusive_block(block, extra):
    """The arrays and scales of a diffusive group block (layout ``B_*`` of
    :mod:`spicemem.bridge.layout`): ``extra`` float state columns follow the particles
    (1: temperature; 2 + N_CRN: temperature, the hybrid's clock and its common-random-number
    state)."""
    b = carray(i64_ptr(block), (BLOCK_SLOTS,))
    bf = carray(f64_ptr(block), (BLOCK_SLOTS,))
    n = b[B_N]
    ndev = b[B_NDEV]
    nf = b[B_NF]
    npart = nf - extra
    arrays = (carray(i64_ptr(b[B_INDEX]), (n,)),
              carray(f64_ptr(b[B_V0]), (ndev,)), carray(f64_ptr(b[B_V1]), (ndev,)),
              carray(f64_ptr(b[B_G]), (ndev,)), carray(f64_ptr(b[B_TEMP]), (ndev,)),
              carray(f64_ptr(b[B_FSTATE]), (n, nf)), carray(i64_ptr(b[B_ISTATE]), (n, npart + 1)),
              carray(u64_ptr(b[B_RNG]), (n, 4)), carray(f64_ptr(b[B_P]), (n, b[B_NP])),
              carray(f64_ptr(b[B_TABLE]), (b[B_NT],)), carray(f64_ptr(b[B_SCRATCH]), (16,)))
    scales = (bf[B_TSCALE], bf[B_VSCALE], bf[B_GSCALE], bf[B_KSCALE], bf[B_DT], bf[B_INV_DX])
    return n, npart, arrays, scales


#: Below this many devices a group is advanced on the calling thread.  Every accepted point
#: is one parallel region that waits for its slowest thread; with few devices the work per
#: region is too small to pay for that, and on a busy machine a thread the OS does not
#: schedule holds the region up (measured at load 28 on 2 cores: 4 devices, 34 steps,
#: 0.6 s on 1 thread vs 21 s on 2; 256 devices: 1.29x faster on 2; bench/active.py).
PARALLEL_MIN_DEVICES = 64


@jit
def _diffusive_one(j, index, v0, v1, g, temp, fs, ist, rng, p, tab, scales, npart, u0, u1, target):
    """Advance device j of a diffusive group to the Langevin step ``target``; 0 or 1 + its
    global index if its state is no longer finite.  Touches only device j's rows, so devices
    may be advanced on any threads in any order with the same numbers (own random stream)."""
    ts, vs, gs, ks, dt, inv_dx = scales
    k = ist[j, npart]
    if target <= k:
        return 0
    gi = index[j]
    tw = np.empty(2)
    vw = np.empty(2)
    tw[0] = u0
    tw[1] = u1
    vw[0] = v0[gi] / vs
    vw[1] = v1[gi] / vs
    x = fs[j, :npart]
    order = ist[j, :npart]
    th = advance(x, order, fs[j, npart], rng[j], tab, inv_dx, p[j], tw, vw, k * dt,
                 target - k, dt)
    fs[j, npart] = th
    ist[j, npart] = target
    r = resistance(x, order, p[j, P_LAM])
    g[gi] = gs / r
    temp[gi] = th * ks
    if not (np.isfinite(r) and np.isfinite(th)):
        return gi + 1
    return 0


@jit(parallel=True)
def _diffusive_all(index, v0, v1, g, temp, fs, ist, rng, p, tab, scales, npart, u0, u1, target):
    """All devices of a group on Numba's threads (``numba.get_num_threads()`` of the calling
    thread); the first bad device in group order, as the serial loop reports it."""
    n = index.shape[0]
    bad = np.zeros(n, dtype=np.int64)
    for j in prange(n):
        bad[j] = _diffusive_one(j, index, v0, v1, g, temp, fs, ist, rng, p, tab, scales, npart,
                                u0, u1, target)
    for j in range(n):
        if bad[j] != 0:
            return bad[j]
    return 0


@cfunc(GROUP_KERNEL_SIG, cache=True)
def diffusive_group(block, t0, t1):
    """Advance diffusive devices from t0 to t1 (s).

    Each device keeps its own Langevin clock (an integer step count k, time k dt): it takes
    the steps k dt < t1 (up to rounding), so it lags ngspice's time by less than one step dt
    and a run split at any accepted points takes exactly the steps of an unsplit run
    (:func:`spicemem.devices.ensemble.simulate` with the same seed gives the same numbers when
    ``coupling_steps`` is 1).  The source voltage is linear between (t0, v0) and (t1, v1).
    Groups of ``PARALLEL_MIN_DEVICES`` or more are advanced on all of Numba's threads; each
    device owns its random stream, so the numbers do not depend on the thread count.
    """
    n, npart, arrays, scales = _diffusive_block(block, 1)
    index, v0, v1, g, temp, fs, ist, rng, p, tab, scr = arrays
    dt = scales[4]
    u0 = t0 / scales[0]
    u1 = t1 / scales[0]
    target = np.int64(np.floor(u1 / dt + 1e-9))
    if n >= PARALLEL_MIN_DEVICES:
        return _diffusive_all(index, v0, v1, g, temp, fs, ist, rng, p, tab, scales, npart,
                              u0, u1, target)
    for j in range(n):
        bad = _diffusive_one(j, index, v0, v1, g, temp, fs, ist, rng, p, tab, scales, npart,
                             u0, u1, target)
        if bad != 0:
            return bad
    return 0


@jit
def _hybrid_one(j, index, v0, v1, g, temp, fs, ist, rng, p, tabf, inv_dx, scales, npart, counts,
                modes, hc, tab, u0, u1):
    """Advance device j of a hybrid group to u1 (units of the time scale); 0 or 1 + its
    global index if its state is no longer finite.  Touches only device j's rows (the
    tables and the hybrid control are read only)."""
    ts, vs, gs, ks, dt, _ = scales
    clock = fs[j, npart + 1]
    if u1 <= clock:
        return 0
    gi = index[j]
    tw = np.empty(2)
    vw = np.empty(2)
    tw[0] = u0
    tw[1] = u1
    vw[0] = v0[gi] / vs
    vw[1] = v1[gi] / vs
    x = fs[j, :npart]
    order = ist[j, :npart]
    crn = fs[j, npart + 2:]
    th, reached = advance_hybrid(HybridDevice(x, order, counts[j], modes[j], rng[j], crn), fs[j, npart],
                                 HybridModel(Core(tabf, inv_dx, p[j]), hc, tab), Waveform(tw, vw),
                                 clock, u1, dt)
    fs[j, npart] = th
    fs[j, npart + 1] = reached  # within dt/2 of t1: the remainder carries over
    materialize(x, counts[j], modes[j], th, crn, tab, p[j, P_FIELD], vw[1])
    r = resistance(x, order, p[j, P_LAM])
    g[gi] = gs / r
    temp[gi] = th * ks
    if not (np.isfinite(r) and np.isfinite(th)):
        return gi + 1
    return 0


@jit(parallel=True)
def _hybrid_all(index, v0, v1, g, temp, fs, ist, rng, p, tabf, inv_dx, scales, npart, counts,
                modes, hc, tab, u0, u1):
    """All devices of a hybrid group on Numba's threads (see :func:`_diffusive_all`)."""
    n = index.shape[0]
    bad = np.zeros(n, dtype=np.int64)
    for j in prange(n):
        bad[j] = _hybrid_one(j, index, v0, v1, g, temp, fs, ist, rng, p, tabf, inv_dx, scales,
                             npart, counts, modes, hc, tab, u0, u1)
    for j in range(n):
        if bad[j] != 0:
            return bad[j]
    return 0


@cfunc(GROUP_KERNEL_SIG, cache=True)
def diffusive_hybrid_group(block, t0, t1):
    """Advance diffusive devices from t0 to t1 (s) with the hybrid integrator.

    As :func:`diffusive_group`, but each device runs
    :func:`spicemem.kernels.hopping.advance_hybrid`: Langevin dynamics while hot or biased,
    exact hopping between wells while cold.  Each device keeps a continuous clock (float
    state column ``npart + 1``) and its common-random-number state (the N_CRN columns after
    it); in the hopping regime its positions are drawn from the wells' Boltzmann laws at
    every accepted point, so that ngspice sees the conductance of the present
    configuration -- a keyed read-out (:func:`spicemem.kernels.hopping.materialize`) that
    does not shift the dynamics' random numbers, so ngspice's step sequence does not
    either.
    """
    n, npart, arrays, scales = _diffusive_block(block, 2 + N_CRN)
    index, v0, v1, g, temp, fs, ist, rng, p, tabf, scr = arrays
    ts, vs, gs, ks, dt, inv_dx = scales
    aux = carray(i64_ptr(carray(i64_ptr(block), (BLOCK_SLOTS,))[B_AUX]), (AUX_SLOTS,))
    nv, nt, km, ng = aux[A_NV], aux[A_NT], aux[A_KMAX], aux[A_NG]
    counts = carray(i64_ptr(aux[A_COUNTS]), (n, km))
    modes = carray(i64_ptr(aux[A_MODES]), (n, 2))
    hc = carray(f64_ptr(aux[A_HC]), (N_HYBRID,))
    q = A_TABLES
    tab = HopTables(carray(f64_ptr(aux[q]), (nv,)), carray(f64_ptr(aux[q + 1]), (nt,)),
           carray(i64_ptr(aux[q + 2]), (nv,)), carray(f64_ptr(aux[q + 3]), (nv, km + 1)),
           carray(f64_ptr(aux[q + 4]), (nv, km)), carray(f64_ptr(aux[q + 5]), (nv, km)),
           carray(f64_ptr(aux[q + 6]), (nv, km)), carray(f64_ptr(aux[q + 7]), (nv, km)),
           carray(f64_ptr(aux[q + 8]), (nv, km)), carray(f64_ptr(aux[q + 9]), (nv, km)),
           carray(f64_ptr(aux[q + 10]), (nv, km)), carray(f64_ptr(aux[q + 11]), (nv, nt, km)),
           carray(f64_ptr(aux[q + 12]), (nv, nt, km)), carray(f64_ptr(aux[q + 13]), (ng,)),
           carray(f64_ptr(aux[q + 14]), (nv, nt, km)), carray(f64_ptr(aux[q + 15]), (nv, nt, km)))
    u0 = t0 / ts
    u1 = t1 / ts
    if n >= PARALLEL_MIN_DEVICES:
        return _hybrid_all(index, v0, v1, g, temp, fs, ist, rng, p, tabf, inv_dx, scales, npart,
                           counts, modes, hc, tab, u0, u1)
    for j in range(n):
        bad = _hybrid_one(j, index, v0, v1, g, temp, fs, ist, rng, p, tabf, inv_dx, scales,
                          npart, counts, modes, hc, tab, u0, u1)
        if bad != 0:
            return bad
    return 0
