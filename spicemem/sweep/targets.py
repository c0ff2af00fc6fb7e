"""What a sweep runs at each point: the built-in device, an experiment, a netlist, a function.

A target has two halves:

* in the process that reads the spec: which sections and keys it accepts, which metrics it
  knows, and what it derives once (e.g. the netlist text and its hash);
* in the worker: :func:`execute` builds the point's inputs once and runs one realization per
  (realization, seed) job, catching every ``Exception`` into a failed row so that one bad
  value never stops a sweep.

Everything that crosses to a worker is plain data (``SweepSpec.target_config()``, the
point's values, the jobs): the same call runs in a local process, on a Dask worker, or in
the calling process.
"""

from __future__ import annotations

import importlib
import inspect
import math
import os
import re
import sys
import threading
import time

from .context import _NOVALUE, SpecContext, SpecError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ERROR_CHARS = 400


class Target:
    """Base class: the parent-side checks (see the module docstring)."""

    name = ""
    sections: tuple = ()
    default_metrics: tuple | None = None
    example_parameter = ""

    def check_section(self, ctx: SpecContext, section: str, table: dict) -> dict:
        for key, value in table.items():
            problem = self.check_key(section, key, value)
            if problem:
                raise ctx.error(f"{section}.{key}", value, problem)
        return dict(table)

    def check_key(self, section: str, key: str, value) -> str | None:
        return None

    def check_parameter(self, ctx, name: str, sections: dict, extra: dict) -> str | None:
        section, _, key = name.partition(".")
        if section not in self.sections:
            return f"unknown section {section!r}; target {self.name!r} has {', '.join(self.sections)}"
        return self.check_key(section, key, None)

    def check_value(self, name: str, value) -> str | None:
        return None

    def check_metric(self, metric: str) -> str | None:
        return None

    def prepare(self, ctx: SpecContext, sections: dict) -> dict:
        return {}

    def check_spec(self, ctx: SpecContext, spec) -> None:
        pass


# -- the built-in device ------------------------------------------------------------------------
_WAVEFORM_KEYS = ("amplitude", "width", "interval", "count", "rise", "delay", "tail")
_ANALYSIS_KEYS = ("g_on", "g_off", "output_step")
_DEVICE_NAMES = ("model", "preset", "presets", "noise", "integrator")  # device keys whose values are names
_DEFAULT_MODEL = "diffusive"
DEVICE_METRICS = {
    "g_peak": "largest G/G_scale of the run, dimensionless",
    "g_end": "G/G_scale at the end of the last pulse, dimensionless",
    "g_final": "G/G_scale at the end of the run, dimensionless",
    "switch_time": "s from the start of the first pulse to G/G_scale >= g_on (NaN: never)",
    "relaxation_time": "s from the end of the last pulse to G/G_scale < g_off (NaN: was not "
                       "ON at the pulse end, or had not relaxed by the end of the run)",
    "temperature_peak": "highest device temperature of the run, K (NaN: an isothermal model)",
}


def _device_type(model):
    """The registered device type ``model`` (:mod:`spicemem.bridge.devices`; metadata only,
    no compiled code), or None."""
    from ..bridge.devices import registry

    return registry().get(model.lower()) if isinstance(model, str) else None


class DeviceTarget(Target):
    """The standalone simulation (``spicemem.simulate``) of one memristor of any registered
    model under a pulse train.

    Sections: ``[device]`` (``model``, a registered model with a standalone simulator,
    default the diffusive memristor; a preset name, default the model's; overrides of its
    parameter fields, SI; and the model's own ``simulate`` keywords, e.g. its initial
    state), ``[waveform]`` (``pulse_train`` arguments, V and s), ``[analysis]`` (``g_on`` =
    0.5 and ``g_off`` = 0.02, thresholds on G/G_scale -- G over the model's conductance
    unit ``DeviceType.g_scale``, G_max for the diffusive model; ``output_step`` in s,
    default 1/2000 of the run).  Each realization is one device,
    ``simulate(..., realizations=1, seed=task seed)``.
    """

    name = "device"
    sections = ("device", "waveform", "analysis")
    default_metrics = tuple(DEVICE_METRICS)
    example_parameter = "device.t_ambient"

    @property
    def dtype(self):
        return getattr(self, "_dtype", None) or _device_type(_DEFAULT_MODEL)

    def check_key(self, section, key, value):
        if value is not None and self.check_value(f"{section}.{key}", value):
            return self.check_value(f"{section}.{key}", value)
        if section == "device":
            dtype = self.dtype
            if key == "model":
                return None if value is not None else "the model cannot be varied (one sweep, one model)"
            allowed = ({f.name for f in _fields(dtype.params_class)} | {"preset", "presets"}
                       | set(dtype.extra_fields) | set(dtype.simulate_keys))
            if key not in allowed:
                return (f"unknown parameter of {dtype.noun}; expected model, preset or one of "
                        f"{_short(sorted(allowed - {'preset'}))}")
            if key == "presets" and value is not None:
                return "a user preset file is fixed in [device], not varied"
            if key == "preset" and value is not None and value not in dtype.preset_names():
                return (f"unknown preset; known: {', '.join(dtype.preset_names())} (or give a user "
                        f"preset file as [device] presets)")
            return None
        if section == "waveform" and key not in _WAVEFORM_KEYS:
            return f"unknown waveform key; expected one of {', '.join(_WAVEFORM_KEYS)} (pulse_train)"
        if section == "analysis" and key not in _ANALYSIS_KEYS:
            return f"unknown analysis key; expected one of {', '.join(_ANALYSIS_KEYS)}"
        return None

    def check_section(self, ctx, section, table):
        """``[device] model`` chooses the device type (checked first: the other keys are its
        parameters); ``[device] presets = "file.toml"`` (a user preset file, e.g. written by
        ``spicemem fit``; relative to the sweep file) is resolved here, and ``preset``
        checked in it."""
        if section == "device" and "model" in table:
            from ..standalone import model_names

            model = table["model"]
            self._dtype = _device_type(model)
            if self._dtype is None or self._dtype.name not in model_names():
                raise ctx.error("device.model", model, f"expected a registered model with a standalone "
                                f"simulator: {', '.join(model_names())}")
            table = {**table, "model": self._dtype.name}
        if section != "device" or "presets" not in table:
            return super().check_section(ctx, section, table)
        import inspect
        from pathlib import Path

        cls = self.dtype.params_class
        table = dict(table)
        files = table.pop("presets")
        name = table.pop("preset", None)
        table = super().check_section(ctx, section, table)
        if not isinstance(files, str) or not isinstance(name, str):
            raise ctx.error("device.presets", files, "needs a file name and [device] preset, the name of a preset in it")
        if "presets" not in inspect.signature(cls.from_preset).parameters:
            raise ctx.error("device.presets", files, f"a user preset file is not supported for {self.dtype.noun}")
        path = (Path(ctx.base_dir) / files).resolve()
        try:
            cls.from_preset(name, presets=path)
        except ValueError as exc:
            raise ctx.error("device.presets", files, " ".join(str(exc).split())) from None
        return {**table, "preset": name, "presets": str(path)}

    def check_value(self, name, value):
        section, _, key = name.partition(".")
        if section == "device" and key in _DEVICE_NAMES:
            return None if isinstance(value, str) else "expected a name (a string)"
        if section == "device" and key in {f.name for f in _fields(self.dtype.params_class)
                                           if isinstance(f.default, bool)}:
            return None if isinstance(value, bool) else "expected true or false"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "expected a number"
        return None

    def check_metric(self, metric):
        if metric not in DEVICE_METRICS:
            return f"unknown metric; the device target measures {', '.join(DEVICE_METRICS)}"
        return None

    def check_spec(self, ctx, spec):
        fixed = spec.sections["waveform"]
        varied = {n.split(".", 1)[1] for n in spec.parameter_names if n.startswith("waveform.")}
        for key in ("amplitude", "width"):
            if key not in fixed and key not in varied:
                raise ctx.error(f"waveform.{key}", _NOVALUE, "required (fixed in [waveform] or varied)")

    # worker side
    def setup(self, sections):
        import numpy as np

        from ..devices.waveforms import pulse_train, pulse_windows

        dev = dict(sections["device"])
        dtype = _device_type(dev.pop("model", _DEFAULT_MODEL))
        options = {k: dev.pop(k) for k in list(dev) if k in dtype.simulate_keys}
        name = dev.pop("preset", dtype.default_preset)
        files = dev.pop("presets", None)
        extra = {} if files is None else {"presets": files}
        params = dtype.params_class.from_preset(name, **extra, **dev)
        wave = {"interval": 0.0, "count": 1, **sections["waveform"]}
        t, v = pulse_train(wave.pop("amplitude"), wave.pop("width"), wave.pop("interval"),
                           wave.pop("count"), **wave)
        an = {"g_on": 0.5, "g_off": 0.02, "output_step": (t[-1] - t[0]) / 2000, **sections["analysis"]}
        step = float(an["output_step"])
        if not step > 0:
            raise ValueError(f"analysis.output_step must be > 0 s, got {step!r}")
        starts, ends = pulse_windows(t, v)
        t_out = np.arange(t[0], t[-1] + 0.5 * step, step)
        return (dtype, params, options, t, v, t_out, float(starts[0]), float(ends[-1]),
                float(an["g_on"]), float(an["g_off"]))

    def measure(self, ctx, seed: int, metrics) -> dict:
        import numpy as np

        dtype, params, options, t, v, t_out, t_on, t_off, g_on, g_off = ctx
        res = dtype.simulate(params, t, v, realizations=1, seed=seed, t_out=t_out, **options)
        g = res.conductance[0] / dtype.g_scale(params)
        tt = res.t
        g_end = float(np.interp(t_off, tt, g))
        out = {"g_peak": float(g.max()), "g_end": g_end, "g_final": float(g[-1]),
               "temperature_peak": (math.nan if res.temperature is None
                                    else float(res.temperature[0].max()))}
        on = np.nonzero((tt >= t_on) & (g >= g_on))[0]
        out["switch_time"] = float(tt[on[0]] - t_on) if on.size else math.nan
        off = np.nonzero((tt >= t_off) & (g < g_off))[0]
        out["relaxation_time"] = (float(tt[off[0]] - t_off) if g_end >= g_off and off.size
                                  else math.nan)
        return {m: out[m] for m in metrics}


# -- experiments --------------------------------------------------------------------------------
class ExperimentTarget(Target):
    """A registered experiment (``spicemem experiment --list``); each realization is one
    ``run(seed=task seed, ...)``.  ``[experiment] name = ...`` plus fixed keyword arguments
    of its ``run`` (``realizations``, ``quick``); metrics are scalar entries of its result."""

    name = "experiment"
    sections = ("experiment",)
    example_parameter = "experiment.realizations"

    def check_section(self, ctx, section, table):
        from ..errors import SpicememError
        from ..experiments import experiment_names, load

        name = table.get("name")
        if not isinstance(name, str):
            raise ctx.error("experiment.name", name, "required: an experiment name "
                            f"({', '.join(experiment_names())})")
        try:
            module = load(name)
        except SpicememError:
            raise ctx.error("experiment.name", name,
                            f"unknown experiment; known: {', '.join(experiment_names())}") from None
        self._kwargs = _run_kwargs(module)
        for key, value in table.items():
            if key != "name" and key not in self._kwargs:
                raise ctx.error(f"experiment.{key}", value,
                                f"not an argument of {name}.run; expected {', '.join(self._kwargs)}")
        return dict(table)

    def check_key(self, section, key, value):
        if key == "name":
            return "the experiment cannot be varied (one sweep, one experiment)"
        if key not in getattr(self, "_kwargs", ()):
            return f"not an argument of the experiment's run; expected {', '.join(self._kwargs)}"
        return None

    def setup(self, sections):
        from ..experiments import load

        kwargs = dict(sections["experiment"])
        return load(kwargs.pop("name")), kwargs

    def measure(self, ctx, seed, metrics):
        module, kwargs = ctx
        result = module.run(seed=seed, progress=False, **{"realizations": None, "quick": False, **kwargs})
        return _pick_scalars(result, metrics, "the experiment's result")


def _run_kwargs(module) -> tuple:
    sig = inspect.signature(module.run)
    return tuple(p for p in sig.parameters if p not in ("seed", "progress"))


# -- Python functions ---------------------------------------------------------------------------
class PythonTarget(Target):
    """``function(seed=task seed, **kwargs) -> mapping of metrics``: ``[python] function =
    "package.module:name"`` (an importable module, so that every worker can import it) and
    fixed keyword arguments; varied parameters are ``python.KEY``.  A spec that names a
    function runs it: treat such a spec like a script."""

    name = "python"
    sections = ("python",)
    example_parameter = "python.x"

    def check_section(self, ctx, section, table):
        fn = table.get("function")
        if callable(fn):
            fn = function_ref(fn)
            if fn is None:
                raise ctx.error("python.function", table["function"],
                                "must be a module-level function (importable by name)")
        if not isinstance(fn, str) or not re.match(r"^[\w.]+:[\w.]+$", fn):
            raise ctx.error("python.function", fn, "required: 'package.module:function'")
        for key in table:
            if key != "function" and not _IDENT.match(key):
                raise ctx.error(f"python.{key}", table[key], "keyword arguments must be identifiers")
        return {**table, "function": fn}

    def check_key(self, section, key, value):
        if key == "function":
            return "the function cannot be varied"
        if not _IDENT.match(key):
            return "keyword arguments must be identifiers"
        return None

    def setup(self, sections):
        kwargs = dict(sections["python"])
        return resolve_function(kwargs.pop("function")), kwargs

    def measure(self, ctx, seed, metrics):
        fn, kwargs = ctx
        return _pick_scalars(fn(seed=seed, **kwargs), metrics, "the function's result")


def function_ref(fn) -> str | None:
    """'module:qualname' of an importable function, or None (lambda, closure, __main__)."""
    module = getattr(fn, "__module__", None)
    qual = getattr(fn, "__qualname__", "")
    if not module or module == "__main__" or "<" in qual:
        return None
    return f"{module}:{qual}"


def resolve_function(ref: str):
    module, _, qual = ref.partition(":")
    obj = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj


# -- netlists -----------------------------------------------------------------------------------
class NetlistTarget(Target):
    """A netlist with memristors, run by the ngspice bridge; each realization is one
    ``run_netlist(text, seed=task seed)``.  ``[netlist] path = "file.cir"`` (relative to the
    spec file); varied parameters ``param.NAME`` replace the value of ``.param NAME=...``
    and ``model.MODEL.KEY`` a ``.model MODEL ...`` parameter, in the netlist's own file.

    Metrics are ``REDUCER:COLUMN`` with REDUCER one of max, min, mean, initial, final and
    COLUMN an output column of the run (``v(out)``, ``i(vin)``, ``g(N1)``, ``temp(N1)``),
    e.g. ``"max:v(out)"``.
    """

    name = "netlist"
    sections = ("netlist", "param", "model")
    example_parameter = "param.vin"
    REDUCERS = ("max", "min", "mean", "initial", "final")

    def check_section(self, ctx, section, table):
        if section == "netlist":
            for key in table:
                if key != "path":
                    raise ctx.error(f"netlist.{key}", table[key], "unknown key; expected path")
            if not isinstance(table.get("path"), str):
                raise ctx.error("netlist.path", table.get("path"), "required: the netlist file")
            return dict(table)
        if section == "model":
            out = {}
            for model, keys in table.items():
                if not isinstance(keys, dict):
                    raise ctx.error(f"model.{model}", keys, "expected a table of KEY = value")
                for key, value in keys.items():
                    problem = self.check_key("model", f"{model}.{key}", value) or self.check_value(
                        f"model.{model}.{key}", value)
                    if problem:
                        raise ctx.error(f"model.{model}.{key}", value, problem)
                out[model.lower()] = {k.lower(): v for k, v in keys.items()}
            return out
        out = {}
        for key, value in table.items():
            problem = self.check_key(section, key, value) or self.check_value(f"param.{key}", value)
            if problem:
                raise ctx.error(f"param.{key}", value, problem)
            out[key.lower()] = value
        return out

    def check_key(self, section, key, value):
        if section == "netlist":
            return "the netlist file cannot be varied"
        parts = key.split(".")
        if section == "param" and (len(parts) != 1 or not _IDENT.match(key)):
            return "expected param.NAME with NAME an identifier"
        if section == "model" and (len(parts) != 2 or not all(_IDENT.match(p) for p in parts)):
            return "expected model.MODEL.KEY with identifiers"
        return None

    def check_value(self, name, value):
        # A netlist is untrusted input and so is what goes into it: only numbers and plain
        # names (e.g. a preset) are substituted, never text that could start a new line or
        # a command.
        if isinstance(value, bool):
            return "netlist values must be numbers or names, not booleans"
        if isinstance(value, str):
            if name.startswith("model.") and _IDENT.match(value):
                return None
            return "netlist values must be numbers (or identifiers for model keys such as preset)"
        return None

    def check_parameter(self, ctx, name, sections, extra):
        problem = super().check_parameter(ctx, name, sections, extra)
        if problem:
            return problem
        section, _, key = name.partition(".")
        if section == "param" and key.lower() not in extra["param_names"]:
            return f"no '.param {key}=...' line in {sections['netlist']['path']}"
        if section == "model" and key.split(".")[0].lower() not in extra["model_names"]:
            return f"no '.model {key.split('.')[0]} ...' line in {sections['netlist']['path']}"
        return None

    def check_metric(self, metric):
        red, sep, col = metric.partition(":")
        if not sep or red not in self.REDUCERS or not col:
            return f"expected REDUCER:COLUMN with REDUCER one of {', '.join(self.REDUCERS)}, e.g. 'max:v(out)'"
        return None

    def prepare(self, ctx, sections):
        import hashlib

        from .netlist_params import netlist_symbols

        path = ctx.base_dir / sections["netlist"]["path"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ctx.error("netlist.path", sections["netlist"]["path"],
                            f"cannot read {path}: {exc.strerror or exc}") from None
        text = data.decode("utf-8", errors="replace")
        params, models = netlist_symbols(text)
        for key in sections["param"]:
            if key not in params:
                raise ctx.error(f"param.{key}", sections["param"][key], f"no '.param {key}=...' line in {path}")
        for model in sections["model"]:
            if model not in models:
                raise ctx.error(f"model.{model}", _NOVALUE, f"no '.model {model} ...' line in {path}")
        return {"netlist_path": str(path.resolve()), "netlist_text": text,
                "netlist_sha256": hashlib.sha256(data).hexdigest(),
                "param_names": sorted(params), "model_names": sorted(models)}

    def check_spec(self, ctx, spec):
        # The first point's netlist must pass the bridge's reader (security and syntax):
        # a mistake common to every point is a spec error, not a column of failures.
        from ..errors import NetlistError

        values = spec.points()[0] if spec.n_points else {}
        try:
            text = self._netlist(spec.target_config(), values)
            from ..bridge.netlist import read_netlist

            read_netlist(text, name=spec.extra["netlist_path"])
        except (NetlistError, ValueError) as exc:
            raise SpecError(f"{ctx.source}: netlist.path = {spec.sections['netlist']['path']!r}: "
                            f"{' '.join(str(exc).split())}") from None

    def _netlist(self, config, values):
        from pathlib import Path

        from .netlist_params import substitute

        sections = merge(config["sections"], values)
        return substitute(config["extra"]["netlist_text"], sections["param"], sections["model"],
                          base_dir=Path(config["extra"]["netlist_path"]).parent)

    def run_point(self, config, values, jobs):
        try:
            text = self._netlist(config, values)
        except Exception as exc:  # noqa: BLE001 - recorded as failed rows
            return [failed_row(r, s, exc, 0.0) for r, s in jobs]
        return _loop(jobs, lambda seed: self._measure(config, text, seed))

    def _measure(self, config, text, seed):
        import numpy as np

        from ..bridge import run_netlist

        # One ngspice per process: a Dask worker with several threads runs its netlist
        # tasks one at a time (a local pool worker has one task at a time anyway).
        with _NGSPICE_LOCK:
            res = run_netlist(text, seed=seed, name=config["extra"]["netlist_path"])
        cols = {k.lower(): v for k, v in res.columns().items()}
        out = {}
        for metric in config["metrics"]:
            red, _, col = metric.partition(":")
            if col.lower() not in cols:
                raise LookupError(f"no output column {col!r} (have: {_short(sorted(cols))})")
            arr = np.asarray(cols[col.lower()], dtype=float)
            out[metric] = float({"max": np.max, "min": np.min, "mean": np.mean,
                                 "initial": lambda a: a[0], "final": lambda a: a[-1]}[red](arr))
        return out


_NGSPICE_LOCK = threading.Lock()


_TARGETS = {t.name: t for t in (DeviceTarget, ExperimentTarget, NetlistTarget, PythonTarget)}


def get_target(name, source: str = "<dict>") -> Target:
    """A fresh target object for ``name`` (SpecError naming the file otherwise)."""
    if name not in _TARGETS:
        raise SpecError(f"{source}: sweep.target = {name!r}: expected one of "
                        f"{', '.join(repr(n) for n in _TARGETS)}")
    return _TARGETS[name]()


# -- worker side --------------------------------------------------------------------------------
def merge(sections: dict, values: dict) -> dict:
    """The fixed sections with a point's values (``SECTION.KEY`` or ``model.M.KEY``) applied."""
    out = {s: (dict(t) if s != "model" else {m: dict(k) for m, k in t.items()}) for s, t in sections.items()}
    for name, value in values.items():
        section, _, key = name.partition(".")
        if section == "model":
            model, _, k = key.partition(".")
            out[section].setdefault(model.lower(), {})[k.lower()] = value
        elif section == "param":
            out[section][key.lower()] = value
        else:
            out[section][key] = value
    return out


def limit_threads() -> None:
    """One Numba thread in this process: the sweep's parallelism is its worker processes.

    A worker that let Numba start one thread per core would run cores x workers threads on
    `cores` cores: they would time-slice and slow each other down, and the speed-up of more
    workers would vanish.  Before Numba is imported the environment variable does it for the
    whole process; afterwards ``set_num_threads`` does it for the calling thread.
    """
    if "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = "1"
    else:
        import numba

        numba.set_num_threads(1)


def execute(config: dict, point: int, values: dict, jobs: list) -> list:
    """Run one task: point ``point`` with ``values``, one row per (realization, seed) job.

    Returns a list of row dicts ``{realization, seed, metrics, status, error, wall_time_s}``.
    Exceptions of the target become failed rows; only BaseExceptions (Ctrl-C, exit) escape.
    """
    limit_threads()
    target = _TARGETS[config["target"]]()
    if hasattr(target, "run_point"):  # the netlist target builds its text from the config
        return target.run_point(config, values, jobs)
    t0 = time.perf_counter()
    try:
        ctx = target.setup(merge(config["sections"], values))
    except Exception as exc:  # noqa: BLE001 - a bad value fails its point, not the sweep
        return [failed_row(r, s, exc, time.perf_counter() - t0) for r, s in jobs]
    setup_time = time.perf_counter() - t0
    return _loop(jobs, lambda seed: target.measure(ctx, seed, config["metrics"]), setup_time)


def _loop(jobs, measure, setup_time: float = 0.0) -> list:
    rows = []
    for k, (r, seed) in enumerate(jobs):
        t0 = time.perf_counter()
        try:
            metrics = measure(seed)
        except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
            rows.append(failed_row(r, seed, exc, time.perf_counter() - t0 + (setup_time if k == 0 else 0)))
            continue
        rows.append({"realization": r, "seed": seed, "metrics": metrics, "status": "ok", "error": "",
                     "wall_time_s": time.perf_counter() - t0 + (setup_time if k == 0 else 0.0)})
    return rows


def failed_row(realization: int, seed: int, error, wall: float) -> dict:
    return {"realization": realization, "seed": seed, "metrics": {}, "status": "failed",
            "error": error_text(error), "wall_time_s": wall}


def error_text(error) -> str:
    """One line: 'Type: message', at most ERROR_CHARS characters."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS - 3] + "..."


def _pick_scalars(result, metrics, what) -> dict:
    if not hasattr(result, "get"):
        raise TypeError(f"{what} is a {type(result).__name__}, expected a mapping of metrics")
    out = {}
    for m in metrics:
        if m not in result:
            have = [k for k, v in result.items() if _is_scalar(v)]
            raise LookupError(f"{what} has no {m!r} (scalars: {_short(have)})")
        v = result[m]
        if not _is_scalar(v):
            raise TypeError(f"{what}[{m!r}] is not a scalar number: {type(v).__name__}")
        out[m] = float(v)
    return out


def _is_scalar(v) -> bool:
    try:
        import numpy as np

        return isinstance(v, int | float | np.number | np.bool_) or (isinstance(v, np.ndarray) and v.ndim == 0)
    except ImportError:  # pragma: no cover
        return isinstance(v, int | float)


def _fields(cls):
    import dataclasses

    return dataclasses.fields(cls)


def _short(names, n: int = 12) -> str:
    names = list(names)
    return ", ".join(names[:n]) + (", ..." if len(names) > n else "")
