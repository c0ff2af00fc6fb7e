"""The one helper that compiles every kernel (numba-stats' pattern)."""

from __future__ import annotations

import os

import numba

from .._numba_cache import configure as _configure_cache

_configure_cache()  # before any cache=True kernel is defined (see spicemem/_numba_cache.py)

# Numba's OpenMP threading layer (GNU libgomp here) lets a worker that has finished its part of
# a parallel loop spin, waiting for the others and for the next loop.  The bridge runs one
# short parallel loop per accepted time point, with ngspice's serial solve between two, so on
# a machine with more threads busy than cores a spinning worker takes the core that the
# thread it waits for needs.  Measured (bench/active_breakdown.py --quick --dt-factor 0.2
# --threads 2, 16x16, load 25 on 2 cores): the live run 4.84 s CPU / 18.6 s wall with
# libgomp's default policy, 1.84 s / 7.4 s with OMP_WAIT_POLICY=PASSIVE; on 1 thread 2.0 s
# CPU.  Passive workers sleep and are woken per loop (microseconds, once per accepted
# point).  libgomp reads the variable once, when it is loaded -- by the first parallel loop,
# after this import -- and a policy the user has set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def jit(func=None, *, parallel: bool = False):
    """Compile ``func`` in nopython mode with the project's options.

    ``cache=True`` so a second process loads the machine code from disk; ``nogil`` so the
    bridge can call kernels from ngspice's callback thread; no ``fastmath``: the
    stochastic tests compare against analytic results and must see IEEE arithmetic.
    Compilation is lazy (no signature), so importing a kernel module compiles nothing.
    """

    def wrap(f):
        return numba.njit(cache=True, nogil=True, parallel=parallel, error_model="numpy")(f)

    return wrap if func is None else wrap(func)
