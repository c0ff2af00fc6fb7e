"""The one helper that compiles every kernel (numba-stats' pattern)."""

from __future__ import annotations

import numba

from .._numba_cache import configure as _configure_cache

_configure_cache()  # before any cache=True kernel is defined (see spicemem/_numba_cache.py)


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
