"""Sweeps and Monte Carlo runs: many points x realizations, on local processes or Dask.

    from spicemem.sweep import load_spec, run_sweep
    summary = run_sweep(load_spec("examples/sweep_relaxation.toml"), "out/relax", workers=2)

or ``spicemem sweep SPEC.toml --out DIR [--workers N] [--scheduler tcp://host:8786]``.
See ``docs/sweeps.md``.  Importing this package loads neither Numba nor Dask.
"""

from .runner import SweepSummary, plan, run_sweep
from .seeding import task_seed
from .spec import SpecError, SweepSpec, load_spec

__all__ = ["SpecError", "SweepSpec", "SweepSummary", "load_spec", "plan", "run_sweep", "task_seed"]
