"""The sweep description: a TOML file or the same structure as a Python dict.

Layout (``docs/sweeps.md`` has the full reference)::

    [sweep]
    target = "device"            # device | experiment | netlist | python
    seed = 2017                  # base seed in [0, 2**63) (optional: --seed, or random)
    realizations = 16            # rows per point, each with its own seed
    metrics = ["relaxation_time", "g_peak"]
    realizations_per_task = 8    # how many rows one worker task computes (speed only)

    [device]                     # fixed values of the target's sections ...
    preset = "wang2017_paper"

    [parameters]                 # ... and the values that vary, named SECTION.KEY
    "device.t_ambient" = [300, 325, 350]                        # a list
    "waveform.amplitude" = { start = 2.0, stop = 3.0, num = 3 }   # a grid (linspace)
    [[parameters.zip]]           # a zipped group: equal-length lists varied together
    "waveform.width" = [1e-6, 2e-6]
    "waveform.tail" = [10e-6, 20e-6]

The points are the cartesian product of the axes (each list, grid or zip group is one
axis), in file order, the first axis varying slowest.  Every error is one line naming the
file, the key and the value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .context import _NOVALUE, SpecContext, SpecError, spec_error
from .seeding import check_seed
from .targets import get_target

#: Keys of the [sweep] table.  ``realizations_per_task`` only changes how rows are grouped
#: into worker tasks, never a number, so it is left out of the spec hash.
SWEEP_KEYS = ("target", "seed", "realizations", "metrics", "realizations_per_task")
_SCALARS = (bool, int, float, str)


@dataclass(frozen=True)
class Axis:
    """One axis of the product: a list or grid (one name) or a zip group (several)."""

    names: tuple
    values: tuple  # tuple of tuples, one per position, aligned with names

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep description.

    Build it with :func:`load_spec` (TOML file) or :meth:`from_dict` (the same structure).

    Attributes
    ----------
    source : str                  file name or '<dict>', for messages
    target : str                  'device', 'experiment', 'netlist' or 'python'
    seed : int or None            base seed (None: chosen by the caller of run_sweep)
    realizations : int            rows per point
    metrics : tuple of str        output columns
    sections : dict               fixed values: section -> {key: value}
    axes : tuple of Axis          the varied parameters
    realizations_per_task : int   rows per worker task
    base_dir : str                directory that relative paths in the spec refer to
    extra : dict                  what the target derived (e.g. the netlist text)
    """

    source: str
    target: str
    seed: int | None
    realizations: int
    metrics: tuple
    sections: dict
    axes: tuple
    realizations_per_task: int
    base_dir: str = "."
    extra: dict = field(default_factory=dict, compare=False)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict, *, source: str = "<dict>", base_dir=".") -> "SweepSpec":
        """Validate a spec given as nested dicts (the structure of the TOML file)."""
        if not isinstance(data, dict):
            raise SpecError(f"{source}: expected a table (dict) of sections, got {type(data).__name__}")
        sw = data.get("sweep")
        if not isinstance(sw, dict):
            raise spec_error(source, "sweep", sw if "sweep" in data else _NOVALUE,
                             "a [sweep] table with at least 'target' is required")
        for key in sw:
            if key not in SWEEP_KEYS:
                raise spec_error(source, f"sweep.{key}", sw[key],
                                 f"unknown key; expected one of {', '.join(SWEEP_KEYS)}")
        if "target" not in sw:
            raise spec_error(source, "sweep.target", _NOVALUE, "missing; expected one of "
                             "'device', 'experiment', 'netlist', 'python'")
        target = get_target(sw["target"], source)
        seed = sw.get("seed")
        if seed is not None:
            try:
                seed = check_seed(seed)
            except ValueError:
                raise spec_error(source, "sweep.seed", seed, "expected an integer in [0, 2**63)") from None
        realizations = _count(source, "sweep.realizations", sw.get("realizations", 1))
        per_task = _count(source, "sweep.realizations_per_task",
                          sw.get("realizations_per_task", realizations))
        per_task = min(per_task, realizations)

        allowed = set(target.sections) | {"sweep", "parameters"}
        for key in data:
            if key not in allowed:
                raise spec_error(source, key, _NOVALUE,
                                 f"unknown section for target {target.name!r}; expected "
                                 f"{', '.join(sorted(allowed))}")
        ctx = SpecContext(source, Path(base_dir))
        sections = {}
        for name in target.sections:
            table = data.get(name, {})
            if not isinstance(table, dict):
                raise spec_error(source, name, table, "expected a table")
            sections[name] = target.check_section(ctx, name, table)
        extra = target.prepare(ctx, sections)

        axes = _axes(ctx, target, sections, extra, data.get("parameters", {}))
        rows = math.prod(len(a.values) for a in axes) * realizations
        if rows > MAX_ROWS:
            raise spec_error(source, "parameters", _NOVALUE,
                             f"the sweep has {rows:.3g} rows (points x realizations), more than "
                             f"the {MAX_ROWS:g} one table holds; split it")
        if "metrics" in sw:
            metrics = sw["metrics"]
            if (not isinstance(metrics, list) or not metrics
                    or not all(isinstance(m, str) and m for m in metrics)):
                raise spec_error(source, "sweep.metrics", metrics, "expected a non-empty list of names")
            if len(set(metrics)) != len(metrics):
                raise spec_error(source, "sweep.metrics", metrics, "a metric is listed twice")
        else:
            metrics = target.default_metrics
            if metrics is None:
                raise spec_error(source, "sweep.metrics", _NOVALUE,
                                 f"missing; target {target.name!r} needs the list of outputs to collect")
        for m in metrics:
            problem = target.check_metric(m)
            if problem:
                raise spec_error(source, "sweep.metrics", m, problem)
        clash = set(metrics) & (set(_names(axes)) | {"point", "realization", "seed", "status",
                                                      "error", "wall_time_s"})
        if clash:
            raise spec_error(source, "sweep.metrics", sorted(clash)[0],
                             "clashes with a parameter or a fixed column name")
        spec = cls(source=source, target=target.name, seed=seed, realizations=realizations,
                   metrics=tuple(metrics), sections=sections, axes=tuple(axes),
                   realizations_per_task=per_task, base_dir=str(base_dir), extra=extra)
        target.check_spec(ctx, spec)
        return spec

    def with_seed(self, seed: int) -> "SweepSpec":
        """The same spec with base seed ``seed``."""
        return dataclasses.replace(self, seed=check_seed(seed), extra=self.extra)

    # -- points -----------------------------------------------------------------------------
    @property
    def parameter_names(self) -> list:
        """Varied parameters, in axis order (the table's parameter columns)."""
        return _names(self.axes)

    @property
    def n_points(self) -> int:
        return math.prod(len(a) for a in self.axes) if self.axes else 1

    def points(self) -> list:
        """Every point as a dict name -> value; index = point id (first axis slowest)."""
        out = []
        for combo in itertools.product(*(a.values for a in self.axes)):
            point = {}
            for axis, values in zip(self.axes, combo):
                point.update(zip(axis.names, values))
            out.append(point)
        return out

    # -- identity ---------------------------------------------------------------------------
    def canonical(self) -> dict:
        """Everything that decides the numbers of the table (JSON-able)."""
        return {
            "format": 1,
            "target": self.target,
            "seed": self.seed,
            "realizations": self.realizations,
            "metrics": list(self.metrics),
            "sections": self.sections,
            "axes": [{"names": list(a.names), "values": [list(v) for v in a.values]} for a in self.axes],
            "inputs": {k: v for k, v in self.extra.items() if k.endswith("_sha256")},
        }

    def spec_hash(self) -> str:
        """SHA-256 of :meth:`canonical` as sorted, compact JSON."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def target_config(self) -> dict:
        """What a worker needs besides the point (plain data, picklable)."""
        return {"target": self.target, "sections": self.sections, "metrics": list(self.metrics),
                "extra": self.extra}


def load_spec(path) -> SweepSpec:
    """Read and validate a TOML sweep file (relative paths in it are relative to its folder)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SpecError(f"{p}: cannot read the sweep file: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SpecError(f"{p}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{p}: invalid TOML: {exc}") from None
    return SweepSpec.from_dict(data, source=str(p), base_dir=p.resolve().parent)


def as_spec(spec, *, base_dir=".") -> SweepSpec:
    """A SweepSpec from a SweepSpec, a dict or a path to a TOML file."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return SweepSpec.from_dict(spec, base_dir=base_dir)
    return load_spec(spec)


# -- helpers ------------------------------------------------------------------------------------
def _count(source, key, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise spec_error(source, key, value, "expected an integer >= 1")
    return int(value)


def _names(axes) -> list:
    return [n for a in axes for n in a.names]


def _axes(ctx: SpecContext, target, sections, extra, params) -> list:
    if not isinstance(params, dict):
        raise ctx.error("parameters", params, "expected a table of NAME = values")
    axes = []
    for key, spec in params.items():
        if key == "zip":
            groups = spec if isinstance(spec, list) else None
            if not groups or not all(isinstance(g, dict) and g for g in groups):
                raise ctx.error("parameters.zip", spec, "expected [[parameters.zip]] tables of "
                                "NAME = list, all lists of one length")
            for k, group in enumerate(groups):
                names, columns = [], []
                for name, vals in group.items():
                    where = f"parameters.zip[{k}].{name}"
                    names.append(_check_name(ctx, target, sections, extra, where, name))
                    columns.append(_values(ctx, target, where, name, vals))
                lengths = {len(c) for c in columns}
                if len(lengths) != 1:
                    desc = ", ".join(f"{n}: {len(c)}" for n, c in zip(names, columns))
                    raise ctx.error(f"parameters.zip[{k}]", _NOVALUE,
                                    f"zipped lists must have one length, found {desc}")
                axes.append(Axis(tuple(names), tuple(zip(*columns))))
            continue
        where = f"parameters.{_quote(key)}"
        name = _check_name(ctx, target, sections, extra, where, key)
        axes.append(Axis((name,), tuple((v,) for v in _values(ctx, target, where, name, spec))))
    seen = set()
    for name in _names(axes):
        if name in seen:
            raise ctx.error("parameters", name, "this parameter is varied twice")
        seen.add(name)
    return axes


def _quote(key: str) -> str:
    return f'"{key}"' if "." in key else key


def _check_name(ctx, target, sections, extra, where, name) -> str:
    if not isinstance(name, str) or "." not in name:
        raise ctx.error(where, _NOVALUE, "a varied parameter is named SECTION.KEY (e.g. "
                        f"{target.example_parameter!r})")
    problem = target.check_parameter(ctx, name, sections, extra)
    if problem:
        raise ctx.error(where, _NOVALUE, problem)
    return name


def _values(ctx, target, where, name, spec) -> list:
    if isinstance(spec, list):
        if not spec:
            raise ctx.error(where, spec, "expected a non-empty list")
        values = spec
    elif isinstance(spec, dict):
        values = _grid(ctx, where, spec)
    else:
        raise ctx.error(where, spec, "expected a list of values or a grid table "
                        "{ start, stop, num [, scale = 'log'] } or { start, stop, step } "
                        "(a fixed value belongs in its section's table)")
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            raise ctx.error(where, v, "values must be finite")
        if not isinstance(v, _SCALARS):
            raise ctx.error(where, v, "values must be numbers, strings or booleans")
        problem = target.check_value(name, v)
        if problem:
            raise ctx.error(where, v, problem)
    return list(values)


def _number(ctx, where, key, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ctx.error(f"{where}.{key}", value, "expected a finite number")
    return float(value)


def _tidy(x: float) -> float:
    """Grid values rounded to 12 significant digits (0.35, not 0.35000000000000003)."""
    return float(f"{x:.12g}")


#: Most values one grid axis may have (a grid is materialised as a list).
MAX_GRID_VALUES = 10**6
#: Most rows (points x realizations) of one sweep: its plan and table are held in memory.
MAX_ROWS = 10**7


def _grid(ctx, where, spec: dict) -> list:
    keys = set(spec)
    if keys <= {"start", "stop", "num", "scale"} and {"start", "stop", "num"} <= keys:
        start = _number(ctx, where, "start", spec["start"])
        stop = _number(ctx, where, "stop", spec["stop"])
        num = spec["num"]
        if isinstance(num, bool) or not isinstance(num, int) or not 1 <= num <= MAX_GRID_VALUES:
            raise ctx.error(f"{where}.num", num, f"expected an integer from 1 to {MAX_GRID_VALUES:g}")
        scale = spec.get("scale", "linear")
        if scale not in ("linear", "log"):
            raise ctx.error(f"{where}.scale", scale, "expected 'linear' or 'log'")
        if num == 1:
            return [_tidy(start)]
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise ctx.error(where, spec, "a log grid needs start > 0 and stop > 0")
            a, b = math.log(start), math.log(stop)
            return [_tidy(math.exp(a + (b - a) * k / (num - 1))) for k in range(num)]
        return [_tidy(start + (stop - start) * k / (num - 1)) for k in range(num)]
    if keys == {"start", "stop", "step"}:
        start = _number(ctx, where, "start", spec["start"])
        stop = _number(ctx, where, "stop", spec["stop"])
        step = _number(ctx, where, "step", spec["step"])
        n = (stop - start) / step if step else -1.0
        if n < 0 or n > MAX_GRID_VALUES:
            raise ctx.error(where, spec, "step must be non-zero, point from start towards stop "
                            f"and give at most {MAX_GRID_VALUES:g} values")
        return [_tidy(start + k * step) for k in range(int(math.floor(n + 1e-9)) + 1)]
    raise ctx.error(where, spec, "a grid is { start, stop, num [, scale = 'log'] } or "
                    "{ start, stop, step }")
