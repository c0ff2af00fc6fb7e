"""The seed of every task of a sweep, derived from (base seed, point, realization).

Scheme (stable, documented, reproducible in any language that has NumPy's algorithm)::

    seed(base, p, r) = SeedSequence(base, spawn_key=(p, r)).generate_state(1, uint64)[0] >> 1

``SeedSequence(base, spawn_key=(p, r))`` is exactly the grandchild that
``SeedSequence(base).spawn(P)[p].spawn(R)[r]`` returns: NumPy's own tree of independent
streams (O'Neill's hash-based entropy mixing).  The shift keeps the seed in [0, 2**63),
the range every spicemem seed accepts.  A seed depends on nothing else, so the task that
computes realization r of point p gets the same seed whichever worker, pool size or Dask
cluster runs it, and a resumed sweep recomputes exactly the missing rows.

Point indices count the points in the order :meth:`SweepSpec.points` lists them (the
first parameter axis varies slowest); a spec whose axes change therefore changes the seeds,
which is one reason a resume refuses a changed spec.

References
----------
M. E. O'Neill, "Developing a seed_seq better than seed_seq" (2015);
NumPy, ``numpy.random.SeedSequence``.
"""

from __future__ import annotations

import numpy as np

from ..seeds import derive_seed

SEED_LIMIT = 2**63


def check_seed(seed, what: str = "seed") -> int:
    """A base seed as a Python int in [0, 2**63), or ValueError naming ``what``."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"{what} must be an integer in [0, 2**63), got {seed!r}")
    seed = int(seed)
    if not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"{what} must be an integer in [0, 2**63), got {seed!r}")
    return seed


def task_seed(base_seed: int, point: int, realization: int) -> int:
    """Seed of realization ``realization`` of point ``point`` of a sweep with ``base_seed``.

    Parameters
    ----------
    base_seed : int
        The sweep's base seed, in [0, 2**63).
    point, realization : int
        Zero-based indices.

    Returns
    -------
    int
        A seed in [0, 2**63).
    """
    base_seed = check_seed(base_seed, "base seed")
    if point < 0 or realization < 0:
        raise ValueError(f"point and realization must be >= 0, got {point!r}, {realization!r}")
    return derive_seed(base_seed, spawn_key=(point, realization))
