"""Where a diffusive-memristor preset's numbers mean something, and a warning when a run
leaves it (issue 14; scikit-rf warns the same way outside a model's valid range).

Temperature.  Every preset's G_th is an effective coupling (docs/presets.md), so the device
temperature of eq. 5 is an effective one; we claim no lattice temperature.  What the model
itself needs is the two Ag clusters whose positions are its ON and OFF states: they exist
while k_B T is below the depth w_i of the interfacial wells that hold them.  Above
k_B T = w_i the clusters evaporate into a gas of particles and the conductance no longer
refers to a memristor state; that is the limit stated and checked here, the same rule for
every preset (T_max = w_i / k_B: 4.5 w_p for the wang2017 sets, 1.2 w_p for the measured
devices, e.g. 3760 K for SiOxNy_Ag).

Cold limit of the hybrid.  The hop tables span k_B T / w_p >= HOP_THETA_MIN; below it the
rates are extrapolated in 1/theta (Arrhenius-exact to first order, but unchecked): a
hybrid device colder than that is flagged.

Voltage.  The hop tables span |v| <= HOP_V_MAX V_th; beyond it the hybrid integrates
Langevin dynamics, the reference itself, so a voltage beyond the tables is reported in the
range but is no reason to warn.
"""

from __future__ import annotations

import warnings

import numpy as np

from .diffusive import HOP_THETA_MIN, HOP_V_MAX
from .units import K_B_EV


class ValidityWarning(RuntimeWarning):
    """A run left a model's stated range of validity (results there are outside its scope)."""


def diffusive_range(params) -> dict:
    """The stated validity range of a :class:`~spicemem.devices.diffusive.DiffusiveParams`
    (temperatures in K, voltages in V)."""
    t_max = params.well_depth_ratio * params.w_pin / K_B_EV
    out = {"t_max_k": float(t_max),
           "t_max_reason": "k_B T = w_i: the interfacial wells no longer hold the clusters",
           "hop_tables_v_max_v": float(HOP_V_MAX * params.v_threshold),
           "hop_tables_note": "beyond it the hybrid integrates Langevin dynamics (no warning)"}
    if params.integrator == "hybrid":
        out["t_min_k"] = float(HOP_THETA_MIN * params.w_pin / K_B_EV)
        out["t_min_reason"] = "hop rates extrapolated below the tables' coldest temperature"
    return out


def check_diffusive(params, temperature_k, names=None, *, what: str = "device") -> list[dict]:
    """Per device that left the range: a record; one :class:`ValidityWarning` line if any.

    ``temperature_k``: (D, K) in K (one row per device or realization); ``names``: the D
    names (default the row numbers).
    """
    temp = np.atleast_2d(np.asarray(temperature_k, dtype=float))
    if temp.size == 0:
        return []
    rng = diffusive_range(params)
    hi = np.nanmax(temp, axis=1)
    lo = np.nanmin(temp, axis=1)
    names = [str(i) for i in range(temp.shape[0])] if names is None else [str(n) for n in names]
    records = []
    for k in range(temp.shape[0]):
        left = []
        if hi[k] > rng["t_max_k"]:
            left.append(f"T up to {hi[k]:.3g} K > {rng['t_max_k']:.3g} K ({rng['t_max_reason']})")
        if "t_min_k" in rng and lo[k] < rng["t_min_k"]:
            left.append(f"T down to {lo[k]:.3g} K < {rng['t_min_k']:.3g} K ({rng['t_min_reason']})")
        if left:
            records.append({"device": names[k], "t_max_reached_k": float(hi[k]),
                            "t_min_reached_k": float(lo[k]), "left": left})
    if records:
        first = records[0]
        warnings.warn(f"{len(records)} of {temp.shape[0]} {what}s left the model's validity range "
                      f"(first: {first['device']}: {'; '.join(first['left'])})",
                      ValidityWarning, stacklevel=3)
    return records
