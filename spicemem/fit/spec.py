"""The fit file: device, starting preset, parameters with bounds, measurements (docs/fit.md).

Layout::

    [fit]
    device = "diffusive"          # a device-type registry name: diffusive, drift, rram
    preset = "SiOxNy_Ag"          # the starting point; everything not fitted stays at it
    presets = "my_presets.toml"   # optional: a user preset file holding ``preset``
    name = "mine"                 # name of the fitted preset in fit/fitted.toml
    seed = 1                      # base seed of the common random numbers (else --seed / random)
    devices = 16                  # simulated devices per condition
    max_evaluations = 60          # budget of model evaluations (each: all conditions once)

    [parameters]                  # the fitted ones, with bounds, in SI; start: the preset's
    tau_thermal = { min = 2e-7, max = 2e-5 }
    w_pin = { min = 0.15, max = 0.45, start = 0.3 }

    [[data]]                      # measured relaxation events: CSV columns temperature_k, relaxation_s
    kind = "relaxation"
    file = "relaxation.csv"

    [[data]]                      # numbers a paper reports, each with its uncertainty
    kind = "summary"
    statistic = "activation_energy"     # eV, Arrhenius slope of the median relaxation time
    value = 0.27
    uncertainty = 0.03
    temperatures = [280, 300, 320, 340, 360, 380, 400]

    [[data]]                      # I-V loops through ngspice: CSV voltage_v, current_a, cycle
    kind = "iv_loop"
    file = "iv.csv"
    compliance_a = 1e-6           # or series_ohm
    sweep_rate_v_per_s = 2500.0

(``kind = "pulse"`` files and the I-V, pulse and PPF summaries: docs/fit.md, "Data kinds".)

Every mistake is a :class:`FitError` (a ValueError) of one line naming the file, the key or
the CSV column, and the value; ``spicemem fit`` prints it and exits with status 2.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import SpicememError

#: Device types the fitter can simulate: names of the device-type registry
#: (:mod:`spicemem.bridge.devices`).  Relaxation and pulse data run the diffusive model's
#: standalone path; I-V loops run any of them through ngspice with the type's ``.model`` card.
DEVICES = ("diffusive", "drift", "rram")
#: Parameters that may be fitted, per device type: positive SI numbers, varied in ln (their
#: scales span decades).  Diffusive landscape and friction parameters are left out on
#: purpose: each new value rebuilds the hybrid integrator's hopping tables (seconds per
#: evaluation, docs/fit.md).
FITTABLE_BY_DEVICE = {
    "diffusive": ("tau_thermal", "w_pin", "r_tunnel", "g_thermal", "v_threshold"),
    "drift": ("rate_on", "sigma_on", "rate_off", "sigma_off", "sigma_p", "beta", "a_fp", "b_fp", "g_m"),
    "rram": ("i0", "g0", "v0", "vel0", "ea", "a0", "tox", "gamma0", "gamma0_reset", "beta", "f_min", "r_th"),
}
FITTABLE = FITTABLE_BY_DEVICE["diffusive"]
#: Diffusive landscape and friction parameters, refused with the measured reason (docs/fit.md,
#: "The fit file"; examples/fit_synthetic/landscape_trial.py).
LANDSCAPE = ("n_particles", "tunnel_length_ratio", "well_width_ratio", "pin_period_ratio",
             "cluster_position_ratio", "well_depth_ratio", "field_ratio", "friction_ratio")
LANDSCAPE_WHY = ("not fittable: a landscape or friction parameter rebuilds the hybrid's hopping tables, so "
                 "nearby values share no random numbers, and at affordable ensembles its effect on the "
                 "statistics is below that noise (pin_period_ratio: chi2 0.4 at 0.227, 8.4 at 0.234; "
                 "docs/fit.md); keep it fixed in the start preset")
#: Summary statistics a paper may report (docs/fit.md): unit, and whether it is compared in ln.
SUMMARIES = {"activation_energy": ("eV", False), "relaxation_median": ("s", True),
             "threshold_voltage": ("V", False), "hold_voltage": ("V", False),
             "reset_voltage": ("V", False), "on_off_ratio": ("", True), "resistance_ratio": ("", True),
             "ppf_ratio": ("", False), "pulse_delay": ("s", True), "pulse_relaxation": ("s", True)}
#: Summary statistics of a pulse response (they need the pulse's protocol keys).
PULSE_SUMMARIES = ("pulse_delay", "pulse_relaxation")
#: Summary statistics of an I-V loop (they need the loop's protocol keys).
IV_SUMMARIES = ("threshold_voltage", "hold_voltage", "reset_voltage", "on_off_ratio", "resistance_ratio")
#: Kinds of measurement files and their required CSV columns.
FILE_KINDS = {"relaxation": ("temperature_k", "relaxation_s"),
              "iv_loop": ("voltage_v", "current_a", "cycle"),
              "pulse": ("time_s", "voltage_v", "current_a")}
#: Kinds the model runs through the relaxation conditions of :meth:`FitSpec.conditions`.
CONDITION_KINDS = ("ln_median", "activation_energy")
#: Kinds needing the diffusive model's standalone path.
DIFFUSIVE_ONLY = ("relaxation", "pulse", "activation_energy", "relaxation_median", "ppf_ratio") + PULSE_SUMMARIES
MAX_CSV_BYTES = 16 << 20


class FitError(SpicememError, ValueError):
    """A fit file or measurement file that cannot be used (one line: file, key/column, value)."""


@dataclass(frozen=True)
class Parameter:
    """A fitted parameter: name, bounds and start, in SI."""

    name: str
    lo: float
    hi: float
    start: float


@dataclass(frozen=True)
class Observation:
    """One summary statistic of the data: value, standard error, and the condition(s) it needs.

    ``kind`` is 'ln_median' (ln of the median relaxation time at ``temperatures[0]``) or
    'activation_energy' (eV, Arrhenius slope of the medians over ``temperatures``).
    ``events`` holds the measured times (s) behind an ln_median from a file (for the report).
    """

    label: str
    kind: str
    value: float
    sigma: float
    temperatures: tuple
    record: float  # s simulated after the start, per temperature (the longest needed)
    source: str
    events: tuple = ()
    #: Protocol observations (iv_loop, pulse, ppf): the statistic's name, the data block it
    #: belongs to (observations of one block share one simulation) and the protocol (a dict
    #: of SI numbers, see :mod:`spicemem.fit.protocols`).
    statistic: str = ""
    group: int = -1
    protocol: dict | None = None

    def problem_entry(self) -> dict:
        """What the model side needs of this observation (JSON-ready)."""
        out = {"kind": self.kind, "temperatures": list(self.temperatures)}
        if self.protocol is not None:
            out.update(statistic=self.statistic, group=self.group, protocol=self.protocol)
        return out


@dataclass(frozen=True)
class FitSpec:
    source: str
    base_dir: str
    device: str
    preset: str
    presets_file: str | None
    name: str
    seed: int | None
    devices: int
    max_evaluations: int
    parameters: tuple
    observations: tuple

    def conditions(self) -> tuple:
        """The temperatures (K) to simulate, sorted, each with its record length (s)."""
        rec: dict = {}
        for ob in self.observations:
            if ob.kind not in CONDITION_KINDS:
                continue
            for t in ob.temperatures:
                rec[t] = max(rec.get(t, 0.0), _record_at(ob, t))
        return tuple(sorted(rec.items()))

    def params_class(self):
        """The SI parameter class of the device type (from the registry)."""
        return params_class(self.device)

    def base_params(self):
        return _preset(self.device, self.preset, self.presets_file)

    def base_values(self) -> dict:
        import dataclasses

        return dataclasses.asdict(self.base_params())

    def digest(self) -> str:
        """SHA-256 of everything that changes a number (not the evaluation budget)."""
        data = {"device": self.device, "base": self.base_values(), "devices": self.devices,
                "parameters": [p.__dict__ for p in self.parameters],
                "observations": [{k: v for k, v in o.__dict__.items() if k != "source"}
                                 for o in self.observations], "seed": self.seed}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=repr).encode()).hexdigest()


def params_class(device: str):
    from ..bridge.devices import registry

    return registry()[device].params_class


def _preset(device: str, preset: str, presets_file):
    cls = params_class(device)
    if presets_file is not None:
        return cls.from_preset(preset, presets=presets_file)
    return cls.from_preset(preset)


def _valid_ranges(device: str) -> dict:
    import sys

    return getattr(sys.modules[params_class(device).__module__], "VALID_RANGES", {})


def _record_at(ob: Observation, t: float) -> float:
    if ob.kind == "activation_energy":
        # the median at t0 given by the scale of the other data is unknown here: the record
        # at 300 K scaled by the Arrhenius law of the stated energy
        return ob.record * math.exp(ob.value / 8.617333262e-5 * (1.0 / t - 1.0 / 300.0))
    return ob.record


def _err(src, key, value, why) -> FitError:
    return FitError(f"{src}: {key} = {value!r}: {why}")


def _number(src, key, value, *, positive=True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _err(src, key, value, "expected a finite number")
    if positive and value <= 0:
        raise _err(src, key, value, "must be > 0")
    return float(value)


def load_fit_spec(path, *, seed: int | None = None) -> FitSpec:
    """Read and validate a fit file (see the module docstring); FitError on any mistake."""
    p = Path(path)
    src = str(p)
    try:
        data = tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise FitError(f"{src}: file not found") from None
    except OSError as exc:
        raise FitError(f"{src}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FitError(f"{src}: not valid TOML: {exc}") from None
    return from_dict(data, source=src, base_dir=str(p.resolve().parent), seed=seed)


def from_dict(data: dict, *, source: str = "<dict>", base_dir: str = ".", seed: int | None = None) -> FitSpec:
    src = source
    for key in data:
        if key not in ("fit", "parameters", "data"):
            raise _err(src, key, "...", "unknown section (expected [fit], [parameters], [[data]])")
    fit = data.get("fit")
    if not isinstance(fit, dict):
        raise FitError(f"{src}: [fit] section missing")
    for key in fit:
        if key not in ("device", "preset", "presets", "name", "seed", "devices", "max_evaluations"):
            raise _err(src, f"fit.{key}", fit[key], "unknown key")
    device = fit.get("device", "diffusive")
    if device not in DEVICES:
        raise _err(src, "fit.device", device, f"the fitter runs {', '.join(DEVICES)} devices only")
    preset = fit.get("preset")
    if not isinstance(preset, str):
        raise _err(src, "fit.preset", preset, "required: the name of the starting preset")
    presets_file = fit.get("presets")
    if presets_file is not None:
        if not isinstance(presets_file, str):
            raise _err(src, "fit.presets", presets_file, "expected a file name")
        presets_file = str(Path(base_dir) / presets_file)
    try:
        base = _preset(device, preset, presets_file)
    except TypeError:
        raise _err(src, "fit.presets", presets_file, f"user preset files are not supported for {device} devices") from None
    except ValueError as exc:
        raise _err(src, "fit.preset", preset, str(exc)) from None
    name = fit.get("name", "fitted")
    if not isinstance(name, str) or not name.replace("_", "").isalnum() or not name[:1].isalpha():
        raise _err(src, "fit.name", name, "expected an identifier (letters, digits, _)")
    if seed is None:
        seed = fit.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63):
        raise _err(src, "fit.seed", seed, "expected an integer in [0, 2**63)")
    devices = fit.get("devices", 16)
    if isinstance(devices, bool) or not isinstance(devices, int) or not 1 <= devices <= 4096:
        raise _err(src, "fit.devices", devices, "expected an integer in [1, 4096]")
    budget = fit.get("max_evaluations", 60)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise _err(src, "fit.max_evaluations", budget, "expected a positive integer")

    fittable = FITTABLE_BY_DEVICE[device]
    ranges = _valid_ranges(device)
    table = data.get("parameters")
    if not isinstance(table, dict) or not table:
        raise FitError(f"{src}: [parameters] missing or empty: name at least one of {', '.join(fittable)}")
    params = []
    for pname, spec in table.items():
        key = f"parameters.{pname}"
        if device == "diffusive" and pname in LANDSCAPE:
            raise _err(src, key, spec, LANDSCAPE_WHY)
        if pname not in fittable:
            raise _err(src, key, spec, f"not a fittable parameter of a {device} device (fittable: {', '.join(fittable)})")
        if not isinstance(spec, dict) or set(spec) - {"min", "max", "start"} or not {"min", "max"} <= set(spec):
            raise _err(src, key, spec, "expected { min = ..., max = ... [, start = ...] }")
        lo = _number(src, f"{key}.min", spec["min"])
        hi = _number(src, f"{key}.max", spec["max"])
        if not lo < hi:
            raise _err(src, key, spec, "min must be below max")
        if pname in ranges:
            vlo, vhi, unit, why = ranges[pname]
            if lo < vlo or hi > vhi:
                raise _err(src, key, spec, f"bounds outside the parameter's valid range [{vlo:g}, {vhi:g}] {unit}: {why}")
        for bound in (lo, hi):
            try:
                base.replace(**{pname: bound})
            except ValueError as exc:
                raise _err(src, key, spec, f"the model refuses {pname} = {bound:g}: {exc}") from None
        start = _number(src, f"{key}.start", spec.get("start", getattr(base, pname)))
        if not lo <= start <= hi:
            raise _err(src, f"{key}.start", start, f"outside the bounds [{lo:g}, {hi:g}]")
        params.append(Parameter(pname, lo, hi, start))

    blocks = data.get("data")
    if not isinstance(blocks, list) or not blocks:
        raise FitError(f"{src}: no [[data]] blocks: give at least one measurement")
    obs: list = []
    for k, block in enumerate(blocks):
        where = f"data[{k}]"
        kind = block.get("kind") if isinstance(block, dict) else None
        stat = block.get("statistic") if isinstance(block, dict) else None
        if device != "diffusive" and (kind in DIFFUSIVE_ONLY or stat in DIFFUSIVE_ONLY):
            raise _err(src, f"{where}.kind", kind if kind in DIFFUSIVE_ONLY else stat,
                       f"a protocol the {device} model cannot run here (it runs iv_loop data and "
                       f"I-V summaries: {', '.join(IV_SUMMARIES)})")
        if kind in ("iv_loop", "pulse") or (kind == "summary" and (stat in IV_SUMMARIES + PULSE_SUMMARIES
                                                                    or stat == "ppf_ratio")):
            obs.extend(protocol_observations(src, where, block, base_dir, k, base, device))
        else:
            obs.extend(_observations(src, where, block, base_dir))
    temps = {t for o in obs if o.kind in CONDITION_KINDS for t in o.temperatures}
    for t in temps:
        try:
            base.replace(t_ambient=t)
        except ValueError as exc:
            raise FitError(f"{src}: temperature {t:g} K cannot be simulated with preset {preset!r}: {exc}") from None
    return FitSpec(src, base_dir, device, preset, presets_file, name, seed, devices, budget,
                   tuple(params), tuple(obs))


def _observations(src, where, block, base_dir) -> list:
    if not isinstance(block, dict):
        raise _err(src, where, block, "expected a table")
    kind = block.get("kind")
    if kind == "summary":
        allowed = {"kind", "statistic", "value", "uncertainty", "temperature", "temperatures", "label"}
        for key in block:
            if key not in allowed:
                raise _err(src, f"{where}.{key}", block[key], "unknown key for a summary")
        stat = block.get("statistic")
        if stat not in SUMMARIES:
            raise _err(src, f"{where}.statistic", stat, f"expected one of {', '.join(SUMMARIES)}")
        value = _number(src, f"{where}.value", block.get("value"))
        unc = _number(src, f"{where}.uncertainty", block.get("uncertainty"))
        label = str(block.get("label", stat))
        if stat == "activation_energy":
            temps = block.get("temperatures")
            if not isinstance(temps, list) or len(temps) < 2:
                raise _err(src, f"{where}.temperatures", temps, "expected a list of >= 2 temperatures in K")
            temps = tuple(_number(src, f"{where}.temperatures", t) for t in temps)
            if not 0.01 <= value <= 5.0:
                raise _err(src, f"{where}.value", value, "an activation energy in eV is expected (0.01-5)")
            return [Observation(label, "activation_energy", value, unc, temps, 0.25, src)]
        temp = _number(src, f"{where}.temperature", block.get("temperature"))
        if not 1e-9 <= value <= 1e4:
            raise _err(src, f"{where}.value", value, "a relaxation time in s is expected (1e-9-1e4 s)")
        # compared in ln: the standard error of ln(tau) is uncertainty / value
        return [Observation(label, "ln_median", math.log(value), unc / value, (temp,), 8.0 * value, src)]
    if kind == "relaxation":
        for key in block:
            if key not in ("kind", "file", "label"):
                raise _err(src, f"{where}.{key}", block[key], f"unknown key for kind = {kind!r}")
        fname = block.get("file")
        if not isinstance(fname, str):
            raise _err(src, f"{where}.file", fname, "required: a CSV file name")
        return _relaxation_file(Path(base_dir) / fname, str(block.get("label", Path(fname).stem)))
    raise _err(src, f"{where}.kind", kind, f"expected one of summary, ppf, {', '.join(FILE_KINDS)}")


def read_csv(path: Path, columns) -> dict:
    """Columns of a CSV file (header row, then numbers) as lists of floats; FitError naming
    the file, the column and the row on a missing column or a bad value."""
    f = str(path)
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise FitError(f"{f}: larger than {MAX_CSV_BYTES} bytes")
        text = path.read_text()
    except FileNotFoundError:
        raise FitError(f"{f}: file not found") from None
    except OSError as exc:
        raise FitError(f"{f}: cannot read: {exc.strerror or exc}") from None
    rows = [r for r in csv.reader(ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))]
    if not rows:
        raise FitError(f"{f}: empty")
    header = [h.strip() for h in rows[0]]
    out = {}
    for col in columns:
        if col not in header:
            raise FitError(f"{f}: column {col!r} missing (header: {', '.join(header)})")
        j = header.index(col)
        vals = []
        for i, r in enumerate(rows[1:], start=2):
            try:
                v = float(r[j])
            except (IndexError, ValueError):
                raise FitError(f"{f}: row {i}, column {col!r}: expected a number, found "
                               f"{r[j] if j < len(r) else ''!r}") from None
            if math.isnan(v):
                raise FitError(f"{f}: row {i}, column {col!r}: NaN")
            vals.append(v)
        out[col] = vals
    if not out[columns[0]]:
        raise FitError(f"{f}: no data rows")
    return out


def _relaxation_file(path: Path, label: str) -> list:
    """Relaxation events -> one ln-median observation per temperature.

    The statistic is the interquartile mean of ln(tau) (:func:`ln_median_and_se`; events
    still ON at the end of the record may be given as ``inf``, up to a quarter of them).
    """
    f = str(path)
    cols = read_csv(path, FILE_KINDS["relaxation"])
    temps, taus = cols["temperature_k"], cols["relaxation_s"]
    by_t: dict = {}
    for i, (t, tau) in enumerate(zip(temps, taus), start=2):
        if not 1.0 <= t <= 1500.0:
            raise FitError(f"{f}: row {i}, column 'temperature_k' = {t!r}: not a temperature in K (1-1500)")
        if not tau > 0 or (math.isfinite(tau) and tau > 1e4):
            raise FitError(f"{f}: row {i}, column 'relaxation_s' = {tau!r}: not a relaxation time in s "
                           f"(0 < tau <= 1e4, or inf for an event not relaxed)")
        by_t.setdefault(t, []).append(tau)
    obs = []
    for t, ev in sorted(by_t.items()):
        if len(ev) < 4:
            raise FitError(f"{f}: column 'relaxation_s' at {t:g} K: {len(ev)} events; at least 4 are needed")
        med, se = ln_median_and_se(ev)
        if not math.isfinite(med):
            raise FitError(f"{f}: column 'relaxation_s' at {t:g} K: more than a quarter of the events are censored (inf)")
        finite = [x for x in ev if math.isfinite(x)]
        obs.append(Observation(f"{label} {t:g} K", "ln_median", med, se, (t,), 4.0 * max(finite), f,
                               tuple(ev)))
    return obs


def ln_median_and_se(values) -> tuple:
    """(the interquartile mean of ln tau, its standard error) of positive times.

    The statistic is the mean of the middle half of the sorted ln tau (the 25 % trimmed
    mean): as robust as the median to the slowest events (which may be censored: inf) and,
    under common random numbers, smoother in the parameters, since it averages half the
    devices instead of following one.  Its standard error is Tukey and McLaughlin's:
    sd of the 25 %-winsorized sample / (0.5 sqrt(n)).  NaN when an event in the middle half
    is censored.
    """
    import numpy as np

    x = np.sort(np.log(np.asarray(values, dtype=float)))
    n = x.size
    g = n // 4
    mid = x[g:n - g]
    if not np.all(np.isfinite(mid)):
        return float("nan"), float("nan")
    w = np.clip(x, x[g], x[n - g - 1])
    sw = float(np.std(w, ddof=1)) if n > 1 else float("nan")
    return float(mid.mean()), sw / ((1.0 - 2.0 * g / n) * math.sqrt(n))


# -- protocol data kinds: I-V loops, pulse responses, PPF (docs/fit.md, "Data kinds") ----------
#: Keys of the I-V loop protocol (SI): the circuit, the sweep and the simulated cycles.
IV_KEYS = ("compliance_a", "series_ohm", "sweep_rate_v_per_s", "step_v", "temperature_k", "cycles", "pause_s",
           "devices")
#: Floor of the standard error of ln(ON/OFF) (the data rarely resolve it better than 5 %).
LN_RATIO_FLOOR = 0.05


def _int_key(src, key, value, lo, hi) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _err(src, key, value, f"expected an integer in [{lo}, {hi}]")
    return value


def _temperature(src, where, block, base):
    if "temperature_k" not in block:
        return None
    t = _number(src, f"{where}.temperature_k", block["temperature_k"])
    if not 1.0 <= t <= 1500.0:
        raise _err(src, f"{where}.temperature_k", t, "not a temperature in K (1-1500)")
    return t


def _iv_protocol(src, where, block, base) -> dict:
    comp, ser = block.get("compliance_a"), block.get("series_ohm")
    if (comp is None) == (ser is None):
        raise _err(src, where, "compliance_a/series_ohm", "give exactly one of compliance_a (A) or series_ohm (Ohm): "
                                                          "the circuit that limits the current")
    proto = {"type": "iv_loop", "compliance_a": None, "series_ohm": None}
    if comp is not None:
        proto["compliance_a"] = _number(src, f"{where}.compliance_a", comp)
        if proto["compliance_a"] > 0.1:
            raise _err(src, f"{where}.compliance_a", comp, "a compliance current in A is expected (<= 0.1 A)")
    else:
        proto["series_ohm"] = _number(src, f"{where}.series_ohm", ser)
    rate = _number(src, f"{where}.sweep_rate_v_per_s", block.get("sweep_rate_v_per_s"))
    proto["sweep_rate_v_per_s"] = rate
    proto["temperature_k"] = _temperature(src, where, block, base)
    proto["cycles"] = _int_key(src, f"{where}.cycles", block.get("cycles", 1), 1, 100)
    proto["pause_s"] = _number(src, f"{where}.pause_s", block.get("pause_s", 0.05))
    if "devices" in block:  # fewer devices than fit.devices: an ngspice evaluation costs more
        proto["devices"] = _int_key(src, f"{where}.devices", block["devices"], 1, 4096)
    if "step_v" in block:
        proto["step_v"] = _number(src, f"{where}.step_v", block["step_v"])
    return proto


def protocol_observations(src, where, block, base_dir, group, base, device) -> list:
    """The observations of an ``iv_loop``, ``pulse`` or ``ppf`` block, or of a summary of
    an I-V loop or PPF statistic (see docs/fit.md, "Data kinds")."""
    if not isinstance(block, dict):
        raise _err(src, where, block, "expected a table")
    kind = block.get("kind")
    if kind == "summary":
        obs = _iv_or_ppf_summary(src, where, block, group, base)
        if obs[0].kind == "iv_loop":
            _check_iv_cost(src, where, obs[0].protocol, base, device)
        return obs
    allowed = {"iv_loop": {"kind", "file", "label", "statistics"} | set(IV_KEYS),
               "pulse": {"kind", "file", "files", "label", "series_ohm", "amplitude_v", "temperature_k"}}[kind]
    for key in block:
        if key not in allowed:
            raise _err(src, f"{where}.{key}", block[key], f"unknown key for kind = {kind!r} "
                                                          f"(known: {', '.join(sorted(allowed))})")
    label = str(block.get("label", kind))
    if kind == "iv_loop":
        fname = block.get("file")
        if not isinstance(fname, str):
            raise _err(src, f"{where}.file", fname, "required: a CSV file name")
        obs = _iv_file(src, where, block, Path(base_dir) / fname, label, group, base)
        _check_iv_cost(src, where, obs[0].protocol, base, device)
        return obs
    files = block.get("files", [block["file"]] if "file" in block else None)
    if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
        raise _err(src, f"{where}.files", files, "required: a CSV file name (file) or a list of them (files)")
    return _pulse_files(src, where, block, [Path(base_dir) / f for f in files], label, group, base)


#: Largest number of ngspice steps an I-V evaluation may need (a few minutes per evaluation).
MAX_IV_STEPS = 2e6


def _check_iv_cost(src, where, proto, base, device) -> None:
    """Refuse a sweep the simulation cannot afford: while a device is biased the bridge caps
    ngspice's step at half the device type's fastest time scale (diffusive: the feedback
    time), so a slow sweep costs (biased time) / (cap) steps per evaluation."""
    from ..bridge.devices import registry

    scale = registry()[device].time_scale(base)
    if not math.isfinite(scale):
        return
    biased = proto["cycles"] * 2.0 * (proto["v_max"] + abs(proto["v_min"] or 0.0)) / proto["sweep_rate_v_per_s"]
    steps = biased / (0.5 * scale)
    if steps > MAX_IV_STEPS:
        fastest = proto["sweep_rate_v_per_s"] * steps / MAX_IV_STEPS
        raise _err(src, f"{where}.sweep_rate_v_per_s", proto["sweep_rate_v_per_s"],
                   f"a protocol the model cannot run in a fit: {steps:.2g} ngspice steps per evaluation "
                   f"(steps of {0.5 * scale:.2g} s while biased); give {fastest:.3g} V/s or faster "
                   f"(the threshold then reflects that rate; docs/fit.md, 'Data kinds')")


def _iv_file(src, where, block, path: Path, label, group, base) -> list:
    from .protocols import loop_statistics, split_cycles, summarize_cycles

    f = str(path)
    cols = read_csv(path, FILE_KINDS["iv_loop"])
    v, i, cyc = cols["voltage_v"], cols["current_a"], cols["cycle"]
    proto = _iv_protocol(src, where, block, base)
    for k, (vv, ii, cc) in enumerate(zip(v, i, cyc), start=2):
        if not math.isfinite(vv) or abs(vv) > 50.0:
            raise FitError(f"{f}: row {k}, column 'voltage_v' = {vv!r}: not a voltage in V (|V| <= 50; mV given?)")
        if not math.isfinite(ii) or abs(ii) > 1.0:
            raise FitError(f"{f}: row {k}, column 'current_a' = {ii!r}: not a current in A (|I| <= 1 A; mA or uA given?)")
        if proto["compliance_a"] and abs(ii) > 10.0 * proto["compliance_a"]:
            raise FitError(f"{f}: row {k}, column 'current_a' = {ii!r}: ten times the compliance "
                           f"{proto['compliance_a']:g} A (a current in A is expected; or is compliance_a wrong?)")
        if cc != int(cc) or cc < 0:
            raise FitError(f"{f}: row {k}, column 'cycle' = {cc!r}: expected a cycle number (integer >= 0)")
    if max(v) <= 0:
        raise FitError(f"{f}: column 'voltage_v': no positive voltage (a loop starts with the positive sweep)")
    import numpy as np

    steps = np.abs(np.diff(np.asarray(v)))
    steps = steps[steps > 0]
    if "step_v" not in proto:
        proto["step_v"] = float(np.median(steps)) if steps.size else 0.01
    proto["v_max"] = round(max(v) / proto["step_v"]) * proto["step_v"]
    proto["v_min"] = (round(min(v) / proto["step_v"]) * proto["step_v"]) if min(v) < -0.5 * proto["step_v"] else None
    cycles = split_cycles(v, i, cyc)
    if len(cycles) < 2:
        raise FitError(f"{f}: column 'cycle': {len(cycles)} cycle; at least 2 are needed (their spread is the "
                       f"uncertainty of the means)")
    rows = [loop_statistics(vv, ii, compliance_a=proto["compliance_a"], series_ohm=proto["series_ohm"])
            for vv, ii in cycles]
    for r in rows:
        r["v_top"] = proto["v_max"]
    if not any(math.isfinite(r["threshold_voltage"]) for r in rows):
        limit = (f"half the compliance {proto['compliance_a']:g} A" if proto["compliance_a"]
                 else "half of V/series_ohm")
        raise FitError(f"{f}: column 'current_a': no cycle reaches {limit}: no switching seen (units of the "
                       f"current, or the circuit keys, wrong?)")
    stats = summarize_cycles(rows, spreads=True)
    chosen = block.get("statistics", list(stats))
    if not isinstance(chosen, list) or not chosen:
        raise _err(src, f"{where}.statistics", chosen, "expected a list of statistic names")
    for name in chosen:
        if name not in stats:
            raise _err(src, f"{where}.statistics", name, f"not a statistic these loops show (they show: {', '.join(stats)})")
    floor = proto["step_v"] / math.sqrt(12.0)  # the staircase's resolution
    out = []
    for name, (value, se) in stats.items():
        if name not in chosen or (name == "reset_voltage" and proto["v_min"] is None):
            continue
        fl = LN_RATIO_FLOOR if name == "ln_on_off_ratio" else floor
        sigma = math.sqrt((se if math.isfinite(se) else 0.0) ** 2 + fl ** 2)
        out.append(Observation(f"{label} {name}", "iv_loop", value, sigma, (), 0.0, f,
                               statistic=name, group=group, protocol=proto))
    return out


def _known_keys(src, where, block, keys, stat) -> None:
    """Refuse a key of a summary block that its statistic does not read (one line, naming it)."""
    for key in block:
        if key not in keys:
            raise _err(src, f"{where}.{key}", block[key], f"unknown key for a summary {stat} "
                                                          f"(known: {', '.join(sorted(keys))})")


def _value_and_uncertainty(src, where, block, keys, stat):
    """The ``value`` and ``uncertainty`` of a one-number summary, after its keys are checked."""
    _known_keys(src, where, block, keys, stat)
    return (_number(src, f"{where}.value", block.get("value")),
            _number(src, f"{where}.uncertainty", block.get("uncertainty")))


def _iv_or_ppf_summary(src, where, block, group, base) -> list:
    stat = block.get("statistic")
    keys = {"kind", "statistic", "value", "uncertainty", "label"}
    if stat == "ppf_ratio":
        return _ppf_summary(src, where, block, group, base)
    if stat in PULSE_SUMMARIES:
        return _pulse_summary(src, where, block, group, base)
    keys |= set(IV_KEYS) | {"v_max", "v_min"}
    value, unc = _value_and_uncertainty(src, where, block, keys, stat)
    proto = _iv_protocol(src, where, block, base)
    proto["v_max"] = _number(src, f"{where}.v_max", block.get("v_max"))
    proto["v_min"] = -_number(src, f"{where}.v_min", -block["v_min"]) if "v_min" in block else None
    proto.setdefault("step_v", 0.01)
    label = str(block.get("label", stat))
    if stat in ("on_off_ratio", "resistance_ratio"):
        if value < 1.0:
            raise _err(src, f"{where}.value", value, "an ON/OFF ratio (> 1) is expected")
        # compared in ln: the standard error of ln(ratio) is uncertainty / value
        return [Observation(label, "iv_loop", math.log(value), unc / value, (), 0.0, src,
                            statistic=f"ln_{stat}", group=group, protocol=proto)]
    if stat == "reset_voltage" and proto["v_min"] is None:
        raise _err(src, f"{where}.v_min", None, "a reset voltage needs the negative sweep (v_min, in V)")
    if not value < 50.0:
        raise _err(src, f"{where}.value", value, "a voltage in V is expected (< 50)")
    return [Observation(label, "iv_loop", value, unc, (), 0.0, src, statistic=stat, group=group, protocol=proto)]


def _pulse_files(src, where, block, paths, label, group, base) -> list:
    from .protocols import pulse_events

    r_s = _number(src, f"{where}.series_ohm", block.get("series_ohm"))
    amp = _number(src, f"{where}.amplitude_v", block.get("amplitude_v"), positive=False)
    temp = _temperature(src, where, block, base)
    events = []
    for path in paths:
        f = str(path)
        cols = read_csv(path, FILE_KINDS["pulse"])
        t, v, i = cols["time_s"], cols["voltage_v"], cols["current_a"]
        for k in range(1, len(t)):
            if not t[k] > t[k - 1]:
                raise FitError(f"{f}: row {k + 2}, column 'time_s' = {t[k]!r}: times must increase")
        for k, (vv, ii) in enumerate(zip(v, i), start=2):
            if abs(vv) > 50.0:
                raise FitError(f"{f}: row {k}, column 'voltage_v' = {vv!r}: not a voltage in V (|V| <= 50; mV given?)")
            if abs(ii) > 1.0:
                raise FitError(f"{f}: row {k}, column 'current_a' = {ii!r}: not a current in A (|I| <= 1 A)")
        if t[-1] - t[0] > 1e4:
            raise FitError(f"{f}: column 'time_s': a record of {t[-1] - t[0]:g} s: times in s are expected")
        evs = pulse_events(t, v, i, r_s)
        for e in evs:
            if abs(e["amplitude"] - amp) > 0.1 * abs(amp):
                raise FitError(f"{f}: column 'voltage_v': a pulse of {e['amplitude']:g} V at t = {e['start']:g} s, "
                               f"but amplitude_v = {amp:g} V")
        events += [dict(e, file=f) for e in evs]
    if len(events) < 4:
        raise FitError(f"{paths[0]}: {len(events)} pulse(s) found; at least 4 events are needed")
    import numpy as np

    proto = {"type": "pulse", "series_ohm": r_s, "amplitude": amp, "temperature_k": temp,
             "width": float(np.median([e["width"] for e in events])),
             "read": float(np.median([e["read"] for e in events])),
             "record": float(min(e["record"] for e in events))}
    out = []
    for stat, key in (("ln_delay", "delay"), ("ln_relaxation", "relaxation")):
        x = [math.inf if not math.isfinite(e[key]) else e[key] for e in events
             if key == "delay" or math.isfinite(e["delay"])]
        if key == "relaxation" and abs(proto["read"]) <= 1e-3 * abs(amp):
            continue  # no read voltage after the pulse: the relaxation is not seen
        med, se = ln_median_and_se(x) if len(x) >= 4 else (math.nan, math.nan)
        if not math.isfinite(med):
            raise FitError(f"{paths[0]}: column 'current_a': fewer than 4 events show a {key}, or more than a "
                           f"quarter are censored (no {'switching' if key == 'delay' else 'relaxation'} seen)")
        out.append(Observation(f"{label} {stat[3:]}", "pulse", med, se, (), 0.0, str(paths[0]),
                               tuple(x), statistic=stat, group=group, protocol=proto))
    return out


def _ppf_summary(src, where, block, group, base) -> list:
    """PPF ratios vs interval: the conductance after the second of two equal pulses over that
    after the first (geometric means over devices), one observation per interval."""
    keys = {"kind", "statistic", "label", "intervals_s", "values", "uncertainties", "amplitude_v", "width_s",
            "series_ohm", "temperature_k", "first_weight_s", "first_weight_uncertainty_s", "devices"}
    _known_keys(src, where, block, keys, "ppf_ratio")
    lists = {}
    for key in ("intervals_s", "values", "uncertainties"):
        x = block.get(key)
        if not isinstance(x, list) or not x:
            raise _err(src, f"{where}.{key}", x, "expected a list of numbers (one per interval)")
        lists[key] = [_number(src, f"{where}.{key}", v) for v in x]
    n = len(lists["intervals_s"])
    if len(lists["values"]) != n or len(lists["uncertainties"]) != n:
        raise _err(src, f"{where}.values", lists["values"], f"expected {n} values and uncertainties, one per interval")
    for v in lists["values"]:
        if not 0.01 <= v <= 100.0:
            raise _err(src, f"{where}.values", v, "a PPF ratio G2/G1 is expected (0.01-100; give ratios, not %)")
    for t in lists["intervals_s"]:
        if t > 1e3:
            raise _err(src, f"{where}.intervals_s", t, "an interval in s is expected (<= 1000 s)")
    proto = {"type": "ppf", "amplitude": _number(src, f"{where}.amplitude_v", block.get("amplitude_v")),
             "width": _number(src, f"{where}.width_s", block.get("width_s")),
             "series_ohm": _number(src, f"{where}.series_ohm", block.get("series_ohm")),
             "temperature_k": _temperature(src, where, block, base), "intervals": lists["intervals_s"]}
    if proto["width"] > 10.0:
        raise _err(src, f"{where}.width_s", proto["width"], "a pulse width in s is expected (<= 10 s)")
    if "devices" in block:  # more devices than fit.devices: a ratio's scatter is large (docs/fit.md)
        proto["devices"] = _int_key(src, f"{where}.devices", block["devices"], 4, 4096)
    label = str(block.get("label", "ppf_ratio"))
    out = [Observation(f"{label} {t:g} s", "ppf", v, u, (), 0.0, src, statistic=f"ppf_{k}", group=group,
                       protocol=proto)
           for k, (t, v, u) in enumerate(zip(lists["intervals_s"], lists["values"], lists["uncertainties"]))]
    # The weight after the first pulse (device conductance, S): the ratios hardly move with any
    # fittable parameter, this does (docs/fit.md, "PPF: what it identifies").
    if ("first_weight_s" in block) != ("first_weight_uncertainty_s" in block):
        raise _err(src, f"{where}.first_weight_s", block.get("first_weight_s"),
                   "give first_weight_s and first_weight_uncertainty_s together (S)")
    if "first_weight_s" in block:
        g1 = _number(src, f"{where}.first_weight_s", block["first_weight_s"])
        u1 = _number(src, f"{where}.first_weight_uncertainty_s", block["first_weight_uncertainty_s"])
        if g1 > 1e3:
            raise _err(src, f"{where}.first_weight_s", g1, "a conductance in S is expected (<= 1e3 S; "
                                                           "give G = I/V of the device, not a current)")
        # compared in ln: the standard error of ln G1 is uncertainty / value
        out.append(Observation(f"{label} first weight", "ppf", math.log(g1), u1 / g1, (), 0.0, src,
                               statistic="ppf_g1", group=group, protocol=proto))
    return out


def _pulse_summary(src, where, block, group, base) -> list:
    """A delay or relaxation time a paper reports for one pulse (amplitude, width) through a
    series resistor, at a temperature: compared in ln with the interquartile mean of the
    simulated devices' ln times (as the ``pulse`` kind's statistic)."""
    stat = block["statistic"]
    keys = {"kind", "statistic", "label", "value", "uncertainty", "amplitude_v", "width_s", "series_ohm",
            "read_v", "record_s", "temperature_k", "devices"}
    value, unc = _value_and_uncertainty(src, where, block, keys, stat)
    if value > 1e4:
        raise _err(src, f"{where}.value", value, "a time in s is expected (<= 1e4 s)")
    proto = {"type": "pulse", "series_ohm": _number(src, f"{where}.series_ohm", block.get("series_ohm")),
             "amplitude": _number(src, f"{where}.amplitude_v", block.get("amplitude_v")),
             "width": _number(src, f"{where}.width_s", block.get("width_s")),
             "read": _number(src, f"{where}.read_v", block.get("read_v", 0.0), positive=False),
             "temperature_k": _temperature(src, where, block, base)}
    if proto["width"] > 10.0:
        raise _err(src, f"{where}.width_s", proto["width"], "a pulse width in s is expected (<= 10 s)")
    if abs(proto["amplitude"]) > 50.0:
        raise _err(src, f"{where}.amplitude_v", proto["amplitude"], "a voltage in V is expected (|V| <= 50)")
    if stat == "pulse_delay":
        if value > proto["width"]:
            raise _err(src, f"{where}.value", value, f"a delay longer than the pulse ({proto['width']:g} s) "
                                                     f"is never seen")
        proto["record"] = _number(src, f"{where}.record_s", block.get("record_s", proto["width"]))
    else:
        if abs(proto["read"]) <= 1e-3 * abs(proto["amplitude"]):
            raise _err(src, f"{where}.read_v", proto["read"], "a relaxation is seen only through a read "
                                                              "voltage after the pulse (V, e.g. 0.05)")
        proto["record"] = _number(src, f"{where}.record_s", block.get("record_s", 8.0 * value))
        if proto["record"] <= value:
            raise _err(src, f"{where}.record_s", proto["record"], f"the record must outlast the relaxation "
                                                                  f"time {value:g} s")
    if "devices" in block:
        proto["devices"] = _int_key(src, f"{where}.devices", block["devices"], 4, 4096)
    label = str(block.get("label", stat))
    # compared in ln: the standard error of ln(time) is uncertainty / value
    return [Observation(label, "pulse", math.log(value), unc / value, (), 0.0, src,
                        statistic="ln_delay" if stat == "pulse_delay" else "ln_relaxation",
                        group=group, protocol=proto)]
