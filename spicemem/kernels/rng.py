"""Counter-free, splittable random numbers inside Numba.

NumPy's global seed does not seed Numba, and Numba's own generator is per thread, so
results would depend on the thread count.  Each realization (or device) therefore carries
its own xoshiro256+ state of four ``uint64`` words, derived from ``(seed, stream index)``
by SplitMix64.  The same seed and index give the same numbers whatever thread runs them.

References
----------
D. Blackman and S. Vigna, "Scrambled linear pseudorandom number generators",
ACM Trans. Math. Softw. 47, 36 (2021).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S17 = np.uint64(17)
_S45 = np.uint64(45)
_S19 = np.uint64(19)
_S11 = np.uint64(11)
_S32 = np.uint64(32)
_TWO_M53 = 1.0 / 9007199254740992.0
_TWO_M32 = 1.0 / 4294967296.0


@jit
def splitmix64(z):
    """One SplitMix64 output for the 64-bit input ``z`` (a bijective mixer)."""
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def seed_streams(seed, first_index, count):
    """States for streams ``first_index .. first_index+count-1`` of ``seed``.

    Returns an array of shape ``(count, 4)`` of ``uint64``.  Stream ``k`` depends only on
    ``(seed, k)``, so a sweep split across workers reproduces a single-process run.
    """
    out = np.empty((count, 4), dtype=np.uint64)
    base = splitmix64(np.uint64(seed))
    for k in range(count):
        z = splitmix64(base ^ splitmix64(np.uint64(first_index + k) + _GOLDEN))
        for w in range(4):
            z = splitmix64(z)
            out[k, w] = z
        if out[k, 0] == 0 and out[k, 1] == 0 and out[k, 2] == 0 and out[k, 3] == 0:
            out[k, 0] = _GOLDEN  # the all-zero state is the generator's one fixed point
    return out


@jit
def next_u64(s0, s1, s2, s3):
    """xoshiro256+ step on a state held in four scalars; returns (output, new state)."""
    result = s0 + s3
    t = s1 << _S17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _S45) | (s3 >> _S19)
    return result, s0, s1, s2, s3


@jit
def u64_to_unit(r):
    """A double uniform in (0, 1) from the top 53 bits of ``r``."""
    return (np.float64(r >> _S11) + 0.5) * _TWO_M53


@jit
def u64_to_two_symmetric(r):
    """Two independent uniforms in (-1, 1) from the two 32-bit halves of ``r``.

    xoshiro256+'s weak low bits only affect the last of 32 bits here, far below anything
    the Langevin step resolves.
    """
    hi = np.float64(r >> _S32)
    lo = np.float64(r & np.uint64(0xFFFFFFFF))
    return (hi + 0.5) * (2.0 * _TWO_M32) - 1.0, (lo + 0.5) * (2.0 * _TWO_M32) - 1.0


@jit
def uniform(state):
    """One uniform in (0, 1) drawn from (and advancing) a ``uint64[4]`` state array."""
    r, s0, s1, s2, s3 = next_u64(state[0], state[1], state[2], state[3])
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return u64_to_unit(r)


@jit
def normal(state):
    """One standard normal (Box-Muller, one of the pair), advancing ``state``."""
    u1 = uniform(state)
    u2 = uniform(state)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@jit
def stream_key(state):
    """A 53-bit key (as a float64, exact) that names the stream ``state`` started as.

    Taken once from a device's initial state, it seeds the keyed draws of
    :func:`keyed_state`, which never advance the device's own stream (issue 18: read-outs
    must not shift the dynamics' random numbers).  Float64 so that it can live in a float
    state column; every integer below 2**53 is exact there.
    """
    z = splitmix64(state[0] ^ splitmix64(state[2] ^ _M2))
    return np.float64(z >> _S11)


@jit
def keyed_state(key, index):
    """A fresh ``uint64[4]`` state for draw number ``index`` of ``key`` (both float64
    integers below 2**53): a counter-based stream, so the same (key, index) always gives
    the same numbers, whatever was drawn before."""
    out = np.empty(4, dtype=np.uint64)
    z = splitmix64(np.uint64(key) ^ splitmix64(np.uint64(index) + _GOLDEN))
    for w in range(4):
        z = splitmix64(z)
        out[w] = z
    if out[0] == 0 and out[1] == 0 and out[2] == 0 and out[3] == 0:
        out[0] = _GOLDEN
    return out
