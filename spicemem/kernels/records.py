"""Typed records of the compiled kernels' arguments (issue 15): a kernel that needs a
waveform, a model and a device's state takes three records, not sixteen positional arrays
whose order is written out at every call.

They are ``NamedTuple`` classes: Numba passes them as (heterogeneous) tuples of arrays and
scalars, unpacks them at no cost inside compiled code and builds them there too.  Every
quantity is dimensionless (the units of :class:`spicemem.devices.units.Scales`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Waveform(NamedTuple):
    """Breakpoints of a piecewise-linear source: times ``t`` (K,) and voltages ``v`` (K,)."""

    t: np.ndarray
    v: np.ndarray


class Core(NamedTuple):
    """What a Langevin step reads of a diffusive model: the force table, its inverse
    spacing and the parameter vector (``kernels.diffusive.P_*``)."""

    table: np.ndarray
    inv_dx: float
    p: np.ndarray


class HybridModel(NamedTuple):
    """What the hybrid integrator reads: the Langevin :class:`Core`, the hybrid control
    vector (``kernels.hopping.H_*``) and the hop tables (a ``HopTables`` or a plain tuple
    in its field order)."""

    core: Core
    hc: np.ndarray
    hop: tuple


class HybridDevice(NamedTuple):
    """One device of the hybrid integrator: positions ``x`` (N,), their sort ``order`` (N,),
    basin occupations ``counts`` (kmax,), ``mode`` int64[2] (regime, landscape), its
    random stream ``rng`` uint64[4] (the dynamics: Langevin noise, hop choices, waiting
    times) and ``crn`` float64[N_CRN], the state that keeps its random numbers common
    across ways of cutting time (``kernels.hopping.C_*``: key of the read-out draws,
    residual Gillespie hazard, cached r_M, epoch)."""

    x: np.ndarray
    order: np.ndarray
    counts: np.ndarray
    mode: np.ndarray
    rng: np.ndarray
    crn: np.ndarray


class Ensemble(NamedTuple):
    """R devices of the Langevin integrator: ``x`` (R, N), ``order`` (R, N), ``theta`` (R,),
    ``rng`` (R, 4); updated in place."""

    x: np.ndarray
    order: np.ndarray
    theta: np.ndarray
    rng: np.ndarray


class HybridEnsemble(NamedTuple):
    """R devices of the hybrid integrator (rows of :class:`HybridDevice`, ``crn`` (R,
    N_CRN)), their temperatures ``theta`` (R,) and clocks ``clock`` (R,); updated in
    place."""

    x: np.ndarray
    order: np.ndarray
    counts: np.ndarray
    modes: np.ndarray
    theta: np.ndarray
    rng: np.ndarray
    clock: np.ndarray
    crn: np.ndarray


class Records(NamedTuple):
    """Record points of an ensemble run: ``at`` (ascending step indices, or times for the
    hybrid), ``out`` (the output column of each, or -1) and ``snap`` (the snapshot slot, or
    -1)."""

    at: np.ndarray
    out: np.ndarray
    snap: np.ndarray


class Outputs(NamedTuple):
    """The recorded series of an ensemble run: 1/r_M ``g`` (R, K), ``theta`` (R, K), the
    device voltage ``vd`` (R, K) and particle snapshots ``snaps`` (R, S, N)."""

    g: np.ndarray
    theta: np.ndarray
    vd: np.ndarray
    snaps: np.ndarray


class Landscape(NamedTuple):
    """The potential of eq. 4 and the friction (the hop tables' inputs): ``w_i``, ``r_1``,
    ``x_c``, ``r_p``, the field coupling ``a`` and the friction ``eta``."""

    w_i: float
    r_1: float
    x_c: float
    r_p: float
    a: float
    eta: float
