"""The fit file: device, starting preset, parameters with bounds, measurements (docs/fit.md).

Layout::

    [fit]
    device = "diffusive"          # the only device type fitted so far
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

#: Device types the fitter can simulate (the standalone hybrid path of the diffusive model).
DEVICES = ("diffusive",)
#: Parameters that may be fitted: positive SI numbers, varied in ln (their scales span decades).
#: Landscape and friction parameters are left out on purpose: each new value rebuilds the
#: hybrid integrator's hopping tables (seconds per evaluation, docs/fit.md).
FITTABLE = ("tau_thermal", "w_pin", "r_tunnel", "g_thermal", "v_threshold")
#: Summary statistics a paper may report (docs/fit.md): unit, and whether it is compared in ln.
SUMMARIES = {"activation_energy": ("eV", False), "relaxation_median": ("s", True)}
#: Kinds of measurement files and their required CSV columns.
FILE_KINDS = {"relaxation": ("temperature_k", "relaxation_s")}
#: Protocols named in the issue that the fitter cannot run yet: refused with a clear message.
NOT_YET = {"iv_loop": "the quasi-static I-V loop protocol (ngspice circuit path) is not implemented yet",
           "pulse": "pulse-response files (time, voltage, current) are not implemented yet; "
                    "give their relaxation times as kind = \"relaxation\""}
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
            for t in ob.temperatures:
                rec[t] = max(rec.get(t, 0.0), _record_at(ob, t))
        return tuple(sorted(rec.items()))

    def base_values(self) -> dict:
        from ..devices.diffusive import DiffusiveParams

        p = DiffusiveParams.from_preset(self.preset, presets=self.presets_file)
        import dataclasses

        return dataclasses.asdict(p)

    def digest(self) -> str:
        """SHA-256 of everything that changes a number (not the evaluation budget)."""
        data = {"device": self.device, "base": self.base_values(), "devices": self.devices,
                "parameters": [p.__dict__ for p in self.parameters],
                "observations": [{k: v for k, v in o.__dict__.items() if k != "source"}
                                 for o in self.observations], "seed": self.seed}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=repr).encode()).hexdigest()


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
    from ..devices.diffusive import VALID_RANGES, DiffusiveParams

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
        base = DiffusiveParams.from_preset(preset, presets=presets_file)
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
    if isinstance(devices, bool) or not isinstance(devices, int) or not 4 <= devices <= 4096:
        raise _err(src, "fit.devices", devices, "expected an integer in [4, 4096]")
    budget = fit.get("max_evaluations", 60)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise _err(src, "fit.max_evaluations", budget, "expected a positive integer")

    table = data.get("parameters")
    if not isinstance(table, dict) or not table:
        raise FitError(f"{src}: [parameters] missing or empty: name at least one of {', '.join(FITTABLE)}")
    params = []
    for pname, spec in table.items():
        key = f"parameters.{pname}"
        if pname not in FITTABLE:
            raise _err(src, key, spec, f"not a fittable parameter (fittable: {', '.join(FITTABLE)})")
        if not isinstance(spec, dict) or set(spec) - {"min", "max", "start"} or not {"min", "max"} <= set(spec):
            raise _err(src, key, spec, "expected { min = ..., max = ... [, start = ...] }")
        lo = _number(src, f"{key}.min", spec["min"])
        hi = _number(src, f"{key}.max", spec["max"])
        if not lo < hi:
            raise _err(src, key, spec, "min must be below max")
        vlo, vhi, unit, why = VALID_RANGES[pname]
        if lo < vlo or hi > vhi:
            raise _err(src, key, spec, f"bounds outside the parameter's valid range [{vlo:g}, {vhi:g}] {unit}: {why}")
        start = _number(src, f"{key}.start", spec.get("start", getattr(base, pname)))
        if not lo <= start <= hi:
            raise _err(src, f"{key}.start", start, f"outside the bounds [{lo:g}, {hi:g}]")
        params.append(Parameter(pname, lo, hi, start))

    blocks = data.get("data")
    if not isinstance(blocks, list) or not blocks:
        raise FitError(f"{src}: no [[data]] blocks: give at least one measurement")
    obs: list = []
    for k, block in enumerate(blocks):
        obs.extend(_observations(src, f"data[{k}]", block, base_dir))
    temps = {t for o in obs for t in o.temperatures}
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
    if kind in NOT_YET:
        raise _err(src, f"{where}.kind", kind, NOT_YET[kind])
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
    if kind in FILE_KINDS:
        for key in block:
            if key not in ("kind", "file", "label"):
                raise _err(src, f"{where}.{key}", block[key], f"unknown key for kind = {kind!r}")
        fname = block.get("file")
        if not isinstance(fname, str):
            raise _err(src, f"{where}.file", fname, "required: a CSV file name")
        return _relaxation_file(Path(base_dir) / fname, str(block.get("label", Path(fname).stem)))
    raise _err(src, f"{where}.kind", kind, f"expected one of summary, {', '.join(FILE_KINDS)}")


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
