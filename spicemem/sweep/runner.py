"""Running a sweep: plan the missing rows, hand tasks to a backend, write what comes back.

Files in the output directory ``DIR``:

* ``sweep.json``: the spec as run (canonical form), its SHA-256, the base seed and the
  columns.  A later run in the same DIR must have the same hash (else a one-line error),
  and then *resumes*: rows already 'ok' in the table are kept, failed and missing ones
  are computed.
* ``results.csv``: the table (see :mod:`spicemem.sweep.table`), appended row by row.
* ``points/point_NNNNN.json``: per point, its parameters, rows and per-metric summary,
  rewritten atomically after each of its tasks.
* ``summary.json``: counts and wall time of the last run (also after Ctrl-C).
* ``.lock``: held while a sweep runs (a second sweep in the same DIR is refused).
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..io import atomic_write_json, ensure_dir
from . import table as _table
from .backends import DEFAULT_RECYCLE, DaskBackend, InlineBackend, LocalPoolBackend, Task, default_workers
from .seeding import check_seed, task_seed
from .spec import SpecError, SweepSpec, as_spec

MANIFEST = "sweep.json"
SUMMARY = "summary.json"


@dataclass
class SweepSummary:
    """What a call of :func:`run_sweep` did.

    Attributes
    ----------
    out : str                 output directory
    table : str               path of results.csv
    seed : int                base seed
    spec_hash : str
    points, rows : int        size of the sweep (rows = points x realizations)
    resumed : int             rows found 'ok' in the table and kept
    computed : int            rows computed by this call
    ok, failed : int          of the computed rows
    interrupted : bool        Ctrl-C stopped the run (the finished rows are on disk)
    backend : str
    wall_time_s : float
    worker_deaths : int       local worker processes that died mid-task (killed from outside,
                              or a task that crashed its process); their pools were replaced
    rerun_tasks : int         tasks run again because their worker died (rows that died
                              alone are recorded as failed)
    """

    out: str
    table: str
    seed: int
    spec_hash: str
    points: int
    rows: int
    resumed: int
    computed: int
    ok: int
    failed: int
    interrupted: bool
    backend: str
    wall_time_s: float
    worker_deaths: int = 0
    rerun_tasks: int = 0

    @property
    def complete(self) -> bool:
        """Every row of the sweep is in the table and 'ok'."""
        return self.resumed + self.ok == self.rows


def plan(spec: SweepSpec, done: set) -> list:
    """The tasks that compute every (point, realization) not in ``done``.

    Realizations of one point are grouped, ``spec.realizations_per_task`` per task, in
    ascending order; each job carries its seed :func:`task_seed` (base, point, r).
    """
    tasks = []
    for p, values in enumerate(spec.points()):
        missing = [r for r in range(spec.realizations) if (p, r) not in done]
        for k in range(0, len(missing), spec.realizations_per_task):
            chunk = missing[k:k + spec.realizations_per_task]
            tasks.append(Task(p, values, tuple((r, task_seed(spec.seed, p, r)) for r in chunk)))
    return tasks


def run_sweep(spec, out, *, workers: int | None = None, scheduler: str | None = None,
              recycle: int = DEFAULT_RECYCLE, seed: int | None = None, progress: bool | None = None,
              log=None, connect_timeout: float = 10.0) -> SweepSummary:
    """Run (or resume) a sweep and write its results to ``out``.

    Parameters
    ----------
    spec : SweepSpec, dict or path
        The sweep (a dict has the structure of the TOML file).
    out : str or Path
        Output directory; created if missing.  Running again with the same spec resumes.
    workers : int, optional
        Local worker processes (default: the CPUs available); 0 runs every task in this
        process (no isolation: a crashing task takes the caller down).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); the tasks run there instead.
    recycle : int
        Tasks per local worker process before it is replaced (0: never).
    seed : int, optional
        Base seed; overrides the spec's.  Without either, a resume reuses the stored seed
        and a new sweep draws one (logged).
    progress : bool, optional
        Progress bar on stderr (default: when stderr is a terminal).
    log : callable, optional
        Receives one-line messages (default: print to stderr).
    connect_timeout : float
        Seconds to wait for the Dask scheduler.

    Returns
    -------
    SweepSummary

    Raises
    ------
    SpecError
        Invalid spec, or ``out`` holds a different sweep.
    KeyboardInterrupt
        Ctrl-C: the workers are stopped and every finished row is on disk.
    """
    t_start = time.perf_counter()
    log = log or (lambda msg: print(f"spicemem: {msg}", file=sys.stderr))
    spec = as_spec(spec)
    out = ensure_dir(out)
    with _DirLock(out):
        spec = _resolve_seed(spec, out, seed, log)
        digest = spec.spec_hash()
        cols = _table.columns(spec)
        _check_manifest(out, spec, digest, cols)
        table = _table.ResultsTable(out / _table.TABLE_NAME, cols)
        loaded = table.load()
        valid = {k: r for k, r in loaded.items()
                 if r["status"] == "ok" and k[0] < spec.n_points and k[1] < spec.realizations}
        if len(valid) != len(loaded) or table.dirty:
            table.rewrite([valid[k] for k in sorted(valid)])  # failed rows go; they are redone
        points = spec.points()
        by_point: dict = {}
        for (p, r), row in valid.items():
            by_point.setdefault(p, {})[r] = row
        _refresh_point_files(out, spec, points, by_point)
        tasks = plan(spec, set(valid))
        todo = sum(len(t.jobs) for t in tasks)
        backend = _backend(spec, workers, scheduler, recycle, todo, connect_timeout)
        log(f"sweep: {spec.n_points} points x {spec.realizations} realizations = "
            f"{spec.n_points * spec.realizations} rows; {len(valid)} done before, {todo} to compute"
            + (f" on {backend.description}" if todo else ""))
        counts = {"ok": 0, "failed": 0}
        interrupted = False
        try:
            if todo:
                _execute(backend, tasks, table, out, spec, points, by_point, counts, progress, todo)
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            table.close()
            summary = SweepSummary(
                out=str(out), table=str(table.path), seed=spec.seed, spec_hash=digest,
                points=spec.n_points, rows=spec.n_points * spec.realizations, resumed=len(valid),
                computed=counts["ok"] + counts["failed"], ok=counts["ok"], failed=counts["failed"],
                interrupted=interrupted, backend=backend.description,
                wall_time_s=time.perf_counter() - t_start,
                worker_deaths=getattr(backend, "restarts", 0), rerun_tasks=getattr(backend, "reruns", 0))
            if summary.worker_deaths:
                log(f"sweep: {summary.worker_deaths} time(s) a worker process died mid-task; "
                    f"{summary.rerun_tasks} task(s) were run again (see {SUMMARY})")
            atomic_write_json(out / SUMMARY, asdict(summary))
        log(f"sweep: {summary.computed} rows computed ({summary.ok} ok, {summary.failed} failed), "
            f"{summary.resumed} kept from before, in {summary.wall_time_s:.1f} s")
        parquet = _table.write_parquet(table.path)
        if parquet is not None:
            log(f"sweep: the table also as {parquet}")
        return summary


def _execute(backend, tasks, table, out, spec, points, by_point, counts, progress, todo):
    from ..progress import Progress

    table.open()
    runs = backend.run(tasks)
    try:
        with Progress(todo, "sweep rows", enabled=progress) as bar:
            for task, rows in runs:
                failed = 0
                expected = {r for r, _ in task.jobs}
                for res in rows:
                    if res["realization"] not in expected:
                        continue  # pragma: no cover - a target bug; never trust it blindly
                    expected.discard(res["realization"])
                    row = _row(spec, task, res)
                    table.append(row)
                    by_point.setdefault(task.point, {})[res["realization"]] = row
                    failed += row["status"] != "ok"
                for r in sorted(expected):  # a target that forgot a row: record it as failed
                    row = _row(spec, task, {"realization": r, "seed": dict(task.jobs)[r], "metrics": {},
                                            "status": "failed", "error": "the task returned no row",
                                            "wall_time_s": 0.0})
                    table.append(row)
                    by_point.setdefault(task.point, {})[r] = row
                    failed += 1
                _table.write_point_json(out, spec, task.point, points[task.point], by_point[task.point])
                n = len(task.jobs)
                counts["failed"] += failed
                counts["ok"] += n - failed
                bar.update(n, failed=failed)
    finally:
        runs.close()  # stops the workers if we leave early (Ctrl-C, an error)


def _row(spec, task, res) -> dict:
    cell = _table.cell
    row = {"point": str(task.point), "realization": str(res["realization"]), "seed": str(res["seed"])}
    row.update({name: cell(task.values[name]) for name in spec.parameter_names})
    metrics = res.get("metrics") or {}
    ok = res["status"] == "ok"
    for m in spec.metrics:
        row[m] = cell(float(metrics[m])) if ok and m in metrics else ""
    if ok and any(m not in metrics for m in spec.metrics):
        missing = [m for m in spec.metrics if m not in metrics]
        row.update(status="failed", error=f"the target returned no {missing[0]!r}")
    else:
        row.update(status=res["status"], error=res.get("error", ""))
    row["wall_time_s"] = cell(float(res.get("wall_time_s", 0.0)))
    return row


def _backend(spec, workers, scheduler, recycle, todo, timeout):
    config = spec.target_config()
    if scheduler is not None:
        backend = DaskBackend(config, scheduler, timeout=timeout)
        return backend.connect() if todo else backend
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be an integer >= 0, got {workers!r}")
    if workers == 0:
        return InlineBackend(config)
    return LocalPoolBackend(config, workers, recycle)


def _resolve_seed(spec: SweepSpec, out: Path, seed, log) -> SweepSpec:
    """--seed, else the spec's, else the one stored in DIR (a resume), else a random one;
    logged in every case (``spicemem: seed N``)."""
    if seed is not None:
        spec, origin = spec.with_seed(check_seed(seed)), "--seed"
    elif spec.seed is not None:
        origin = spec.source
    else:
        stored = _read_manifest(out)
        if stored is not None and isinstance(stored.get("seed"), int):
            spec, origin = spec.with_seed(stored["seed"]), str(out / MANIFEST)
        else:
            import secrets

            spec, origin = spec.with_seed(secrets.randbits(32)), "random"
    log(f"seed {spec.seed} ({origin})")
    return spec


def _read_manifest(out: Path):
    path = out / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        raise SpecError(f"{path}: unreadable; delete the directory or use another --out") from None


def _check_manifest(out: Path, spec: SweepSpec, digest: str, cols: list) -> None:
    stored = _read_manifest(out)
    if stored is None:
        if (out / _table.TABLE_NAME).exists():
            raise SpecError(f"{out}: holds a {_table.TABLE_NAME} but no {MANIFEST}; "
                            f"use another --out directory")
        from .. import __version__

        atomic_write_json(out / MANIFEST, {
            "spec_hash": digest, "seed": spec.seed, "source": spec.source, "columns": cols,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "spicemem_version": __version__, "spec": spec.canonical()})
        return
    if stored.get("spec_hash") != digest:
        old = str(stored.get("spec_hash", "?"))[:12]
        what = ("its base seed differs" if stored.get("spec", {}).get("seed") != spec.seed
                and _same_but_seed(stored.get("spec"), spec.canonical()) else "the spec differs")
        raise SpecError(f"{out}: holds a sweep with a different spec ({what}: hash {old} there, "
                        f"{digest[:12]} here); resume with the same spec, or use another --out")


def _same_but_seed(a, b) -> bool:
    if not isinstance(a, dict):
        return False
    return {**a, "seed": None} == {**json.loads(json.dumps(b)), "seed": None}


def _refresh_point_files(out, spec, points, by_point) -> None:
    """Rewrite point files that do not match the table (e.g. Ctrl-C between the two, or a
    point whose failed rows were just dropped for a retry)."""
    folder = Path(out) / _table.POINTS_DIR
    if folder.is_dir():
        for path in folder.glob("point_*.json"):
            try:
                p = int(path.stem.split("_", 1)[1])
            except ValueError:
                continue
            if p not in by_point and p < len(points):
                _table.write_point_json(out, spec, p, points[p], {})
    for p, rows in by_point.items():
        path = _table.point_path(out, p)
        try:
            current = json.loads(path.read_text())
            fresh = current.get("rows_done") == len(rows) and current.get("rows_failed") == 0
        except (OSError, ValueError):
            fresh = False
        if not fresh:
            _table.write_point_json(out, spec, p, points[p], rows)


class _DirLock:
    """An exclusive ``flock`` on ``DIR/.lock`` for the duration of a sweep (released by the
    kernel if the process dies, so a crash leaves no stale lock)."""

    def __init__(self, out: Path):
        self.path = Path(out) / ".lock"
        self.fh = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock
            return self
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            self.fh = None
            raise SpecError(f"{self.path.parent}: another sweep is running in this directory") from None
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()  # closing releases the lock
