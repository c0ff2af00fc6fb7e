"""The one seed derivation of spicemem: a child seed in [0, 2**63) from a parent seed and keys.

::

    derive_seed(entropy, spawn_key=()) = SeedSequence(entropy, spawn_key).generate_state(1, uint64)[0] >> 1

NumPy's ``SeedSequence`` mixes its entropy with O'Neill's hash; the shift keeps the result
in [0, 2**63), the range every spicemem seed accepts.  The sweep's task seeds
(:mod:`spicemem.sweep.seeding`: entropy = the base seed, spawn key = (point, realization))
and the experiments' per-case seeds (entropy = [seed, *keys], e.g. the synapse experiments'
per-point seeds, entropy = [seed, 0x5E1A, point]) are this function.
"""

from __future__ import annotations

import numpy as np


def derive_seed(entropy, spawn_key=()) -> int:
    """A seed in [0, 2**63) from ``entropy`` (an int or a sequence of non-negative ints) and
    an optional ``spawn_key`` (the position in NumPy's tree of spawned sequences)."""
    ss = np.random.SeedSequence(entropy, spawn_key=tuple(int(k) for k in spawn_key))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
