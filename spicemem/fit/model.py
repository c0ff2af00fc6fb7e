"""The simulated side of a fit: run the model through the measurement protocols and reduce
the ensembles to the same summary statistics as the data.

Protocol (the standalone hybrid path, no ngspice): **relaxation** at ambient temperature T.
Every simulated device starts in the ON state of the bridge's ``state=on`` (the N particles
evenly spaced across the gap: the maximum conductance, R_min) and relaxes at zero bias; its
relaxation time is the first time its conductance falls below the ON/OFF level
1/sqrt(R_min R_OFF) (:func:`spicemem.experiments.measured.relaxation_level`, the level of
the ``delay-relaxation`` and ``arrhenius`` experiments), interpolated in ln G between output
samples so that the statistic moves continuously with the parameters.  A device still ON at
the end of the record is censored (inf).

Common random numbers: condition k of a fit always uses the seed
``task_seed(crn_seed, k, 0)`` and device r its stream r of it, whatever the parameters, so
that two nearby parameter sets see the same noise and the objective is smooth enough for
finite differences (docs/fit.md).
"""

from __future__ import annotations

import json
import math

import numpy as np

#: Output samples per relaxation record (the crossing is interpolated between them).
N_OUT = 201


def on_state(params) -> np.ndarray:
    """Positions (m) of the ON state: N particles evenly spaced across the gap."""
    n = params.n_particles
    return np.linspace(-1.0, 1.0, n + 2)[1:-1] * params.half_length


def relaxation_times(params, temperature: float, record: float, devices: int, seed: int) -> np.ndarray:
    """Relaxation times (s) of ``devices`` devices from the ON state at ``temperature`` (K)
    and zero bias, each censored (inf) if still ON after ``record`` s."""
    from ..devices.ensemble import simulate
    from ..experiments.measured import relaxation_level

    p = params.replace(t_ambient=temperature)
    level = relaxation_level(p)
    res = simulate(p, [0.0, record], [0.0, 0.0], realizations=devices, seed=seed,
                   x0=on_state(p), n_out=N_OUT)
    return crossing_times(res.t, res.conductance, level)


def crossing_times(t, g, level) -> np.ndarray:
    """Per row of ``g`` (R, K): first time below ``level``, interpolated in ln g; inf if never."""
    out = np.full(g.shape[0], np.inf)
    lg = np.log(np.maximum(g, 1e-300))
    ll = math.log(level)
    for r in range(g.shape[0]):
        below = np.nonzero(g[r] < level)[0]
        if below.size == 0:
            continue
        k = int(below[0])
        if k == 0:
            out[r] = t[0]
            continue
        a, b = lg[r, k - 1], lg[r, k]
        f = (a - ll) / (a - b) if a != b else 1.0
        out[r] = t[k - 1] + f * (t[k] - t[k - 1])
    return out


def condition_seed(crn_seed: int, k: int) -> int:
    from ..sweep.seeding import task_seed

    return task_seed(crn_seed, k, 0)


def simulate_statistics(problem: dict, x) -> dict:
    """The summary statistics of the model at parameter values ``x`` (SI, in the order of
    ``problem['names']``): ``{"o<j>": value, "o<j>_se": simulation standard error}`` for
    every observation j, and ``{"c<k>_median": median relaxation (s)}`` per condition.

    Relaxation conditions run the diffusive model's standalone path (above); protocol
    observations (I-V loops, pulses) run once per data block (:func:`protocol_statistics`)."""
    from ..bridge.devices import registry
    from .spec import ln_median_and_se

    device = problem.get("device", "diffusive")
    cls = registry()[device].params_class
    base = cls.from_mapping(problem["base"])
    params = base.replace(**dict(zip(problem["names"], map(float, x))))
    meds, ses, out = [], [], {}
    for k, (temp, record) in enumerate(problem["conditions"]):
        record = scaled_record(record, temp, base, params)
        tau = relaxation_times(params, temp, record, problem["devices"], condition_seed(problem["crn_seed"], k))
        m, se = ln_median_and_se(tau)
        if not math.isfinite(m):  # too many censored: the record is a lower bound
            m, se = math.log(record), 1.0
        meds.append(m)
        ses.append(se)
        out[f"c{k}_median"] = math.exp(m)
    temps = [c[0] for c in problem["conditions"]]
    groups: dict = {}
    for j, ob in enumerate(problem["observations"]):
        if ob["kind"] == "ln_median":
            k = temps.index(ob["temperatures"][0])
            out[f"o{j}"], out[f"o{j}_se"] = meds[k], ses[k]
        elif ob["kind"] == "activation_energy":
            idx = [temps.index(t) for t in ob["temperatures"]]
            ea, se = arrhenius_slope([temps[i] for i in idx], [meds[i] for i in idx], [ses[i] for i in idx])
            out[f"o{j}"], out[f"o{j}_se"] = ea, se
        else:
            g = ob["group"]
            if g not in groups:
                groups[g] = protocol_statistics(device, params, ob["protocol"],
                                                ob["protocol"].get("devices") or problem["devices"],
                                                protocol_seed(problem["crn_seed"], g))
            out[f"o{j}"], out[f"o{j}_se"] = groups[g][ob["statistic"]]
    return out


def protocol_seed(crn_seed: int, group: int) -> int:
    """The common random numbers of data block ``group`` (realization 1 of its point: apart
    from the relaxation conditions' realization 0)."""
    from ..sweep.seeding import task_seed

    return task_seed(crn_seed, group, 1)


def protocol_statistics(device: str, params, proto: dict, devices: int, seed: int) -> dict:
    """{statistic: (value, simulation standard error)} of one data block's protocol.

    I-V loops run through ngspice (the device type's ``.model`` card, every device behind
    its own compliance); the bridge seeds device k from ``seed`` and its name, so the same
    devices see the same random streams at every parameter set (common random numbers, up
    to the adaptive time steps, which move with the parameters).  A statistic the model
    never shows (no switching, no relaxation within the record) gets the end of its range
    and a standard error of 1 (in V or in ln), so the objective still points back."""
    from . import protocols as pr
    from .spec import ln_median_and_se

    if proto["type"] == "iv_loop":
        rows = pr.simulate_loops(device, params, proto, devices, seed)
        stats = pr.summarize_cycles(rows, spreads=True)
        out = {}
        for name in pr.LOOP_STATS:
            v, se = stats.get(name, (math.nan, math.nan))
            if not math.isfinite(v):
                v, se = (0.0, 1.0) if name != "threshold_voltage" else (proto["v_max"], 1.0)
            out[name] = (v, se if math.isfinite(se) else 0.0)
            sd = stats.get(f"{name}_sd", (0.0, 0.0))
            out[f"{name}_sd"] = (sd[0], sd[1] if math.isfinite(sd[1]) else 0.0)
        return out
    if proto["type"] == "pulse":
        events = pr.simulate_pulses(params, proto, devices, seed)
        out = {}
        for stat, key, cap in (("ln_delay", "delay", proto["width"]), ("ln_relaxation", "relaxation", proto["record"])):
            x = [e[key] if math.isfinite(e[key]) else math.inf for e in events
                 if key == "delay" or math.isfinite(e["delay"])]
            m, se = ln_median_and_se(x) if len(x) >= 4 else (math.nan, math.nan)
            out[stat] = (m, se) if math.isfinite(m) else (math.log(cap), 1.0)
        return out
    if proto["type"] == "ppf":
        # per interval the ratio G2/G1; and the weight after the first pulse (interquartile
        # mean of ln G1, G in S), the same for every interval (same seed), which identifies
        # w_pin where the ratios identify nothing (docs/fit.md, "PPF: what it identifies")
        out = {}
        for k in range(len(proto["intervals"])):
            lg1, lg2 = pr.ppf_conductances(params, proto, k, devices, seed)
            out[f"ppf_{k}"] = pr.ppf_ratio(lg1, lg2)
            if k == 0:
                out["ppf_g1"] = ln_median_and_se(np.exp(lg1))
        return out
    raise ValueError(f"unknown protocol {proto['type']!r}")


def scaled_record(record: float, temperature: float, base, params) -> float:
    """The record (s) for ``params``, from the one planned for ``base``: stretched with the
    time unit and with the Arrhenius factor of the pinning barrier, exp((w_p - w_p0)/k_B T).

    The record and its output grid then stay (nearly) fixed in the model's own time: the
    hybrid integrator's random streams are consumed in step with the output records, so a
    grid fixed in seconds would re-shuffle the common random numbers whenever tau_thermal
    changed (measured: with the grid scaled, a change of tau_thermal rescales every
    relaxation time exactly; with it fixed, they change at random)."""
    from ..devices.units import K_B_EV

    return (record * params.tau_thermal / base.tau_thermal
            * math.exp((params.w_pin - base.w_pin) / (K_B_EV * temperature)))


def arrhenius_slope(temps, ln_tau, se) -> tuple:
    """(E_a in eV, its standard error) of a weighted straight line ln tau = a + E_a/(k_B T)."""
    from ..devices.units import K_B_EV

    x = 1.0 / (K_B_EV * np.asarray(temps, dtype=float))
    y = np.asarray(ln_tau, dtype=float)
    w = 1.0 / np.maximum(np.asarray(se, dtype=float), 1e-6) ** 2
    a = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(a.T @ (w[:, None] * a))
    coef = cov @ (a.T @ (w * y))
    return float(coef[1]), float(math.sqrt(cov[1, 1]))


def evaluate(seed: int, problem: str, x: str) -> dict:
    """Sweep-engine entry point (``[python] function = "spicemem.fit.model:evaluate"``): the
    statistics at the parameter vector ``x`` (a JSON list).  The row's ``seed`` is not used:
    the common random numbers come from the problem's ``crn_seed`` (see the module docstring)."""
    del seed
    return simulate_statistics(json.loads(problem), json.loads(x))
