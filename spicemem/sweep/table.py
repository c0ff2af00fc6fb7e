"""The results table (one CSV, one row per point and realization) and the per-point JSON.

The CSV is *tidy*: columns ``point, realization, seed``, one per varied parameter, one per
metric, then ``status`` ('ok' or 'failed'), ``error`` (one line, empty when ok) and
``wall_time_s``.  ``pandas.read_csv`` and the ``csv`` module read it as is.  Numbers are
written with ``repr``, so a value read back is the value computed, bit for bit; a metric
that is not a number (e.g. a relaxation that did not happen) is ``nan``, and a failed row
leaves its metrics empty.

Writing is incremental: the header once, then each finished row as *one* ``os.write`` on a
file opened with ``O_APPEND`` (no half-written line if the process is interrupted between
rows; a line cut by a crash of the machine is dropped when the table is read back).
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

from ..io import atomic_write_bytes, atomic_write_json, atomic_write_text

TABLE_NAME = "results.csv"
POINTS_DIR = "points"
FIXED_HEAD = ("point", "realization", "seed")
FIXED_TAIL = ("status", "error", "wall_time_s")


def columns(spec) -> list:
    return [*FIXED_HEAD, *spec.parameter_names, *spec.metrics, *FIXED_TAIL]


def cell(value) -> str:
    """A value as CSV text: repr for floats (exact round trip), 'true'/'false' for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "item"):  # numpy scalar
        return cell(value.item())
    return str(value)


def format_line(values: list) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


class ResultsTable:
    """``DIR/results.csv``: read back what a previous run finished, then append rows."""

    def __init__(self, path, cols: list):
        self.path = Path(path)
        self.columns = list(cols)
        self._fd = None
        self.dirty = False  # set by load(): a cut line, a bad line or a repeated row

    def load(self) -> dict:
        """Rows already in the table, (point, realization) -> dict of strings.

        A last line without its newline (cut by a crash) is dropped, and so is any line
        that does not parse; a header different from this spec's columns is an error.
        """
        if not self.path.exists():
            return {}
        text = self.path.read_text(encoding="utf-8", errors="replace")
        if not text:
            return {}
        if not text.endswith("\n"):
            self.dirty = True
            text = text[: text.rfind("\n") + 1]
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if header is None:
            return {}
        if header != self.columns:
            from .context import SpecError

            raise SpecError(f"{self.path}: its columns ({', '.join(header)}) are not this spec's "
                            f"({', '.join(self.columns)}); use another --out directory")
        rows = {}
        for values in reader:
            if len(values) != len(self.columns):
                self.dirty = True
                continue
            row = dict(zip(self.columns, values))
            try:
                key = (int(row["point"]), int(row["realization"]))
            except ValueError:
                self.dirty = True
                continue
            self.dirty |= key in rows
            rows[key] = row  # a later line for the same key wins
        return rows

    def rewrite(self, rows: list) -> None:
        """Replace the table by the header and ``rows`` (dicts of strings), atomically."""
        lines = [format_line(self.columns)]
        lines += [format_line([row[c] for c in self.columns]) for row in rows]
        atomic_write_text(self.path, "".join(lines))

    def open(self) -> None:
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if new:
            self._write(format_line(self.columns))

    def append(self, row: dict) -> None:
        """One row (dict column -> value) as one write."""
        self._write(format_line([cell(row.get(c)) for c in self.columns]))

    def _write(self, line: str) -> None:
        data = line.encode("utf-8")
        n = os.write(self._fd, data)
        while n < len(data):  # a regular file takes it in one go; be safe anyway
            data = data[n:]
            n = os.write(self._fd, data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


PARQUET_NAME = "results.parquet"


def write_parquet(table_path) -> Path | None:
    """``DIR/results.parquet`` beside the finished ``results.csv`` (the same rows and columns,
    types as ``pandas.read_csv`` infers them), written atomically; None when pandas or pyarrow
    is missing (the CSV is the table of record; Parquet is a convenience for large sweeps)."""
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in ("pandas", "pyarrow")):
        return None
    import pandas as pd

    table_path = Path(table_path)
    df = pd.read_csv(table_path)
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return atomic_write_bytes(table_path.with_name(PARQUET_NAME), buf.getvalue())


def point_path(out: Path, point: int) -> Path:
    return Path(out) / POINTS_DIR / f"point_{point:05d}.json"


def write_point_json(out: Path, spec, point: int, values: dict, rows: dict) -> Path:
    """``DIR/points/point_NNNNN.json``: the point's parameters, every row so far and, per
    metric, the mean, standard deviation, standard error and count of the finite values
    of the rows that succeeded."""
    ordered = [rows[r] for r in sorted(rows)]
    summary = {}
    for m in spec.metrics:
        vals = [_float(row.get(m)) for row in ordered if row.get("status") == "ok"]
        vals = [v for v in vals if v is not None and math.isfinite(v)]
        n = len(vals)
        mean = sum(vals) / n if n else math.nan
        sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1)) if n > 1 else math.nan
        summary[m] = {"mean": mean, "std": sd, "stderr": sd / math.sqrt(n) if n > 1 else math.nan,
                      "n": n}
    data = {
        "point": point,
        "parameters": values,
        "base_seed": spec.seed,
        "realizations": spec.realizations,
        "rows_done": len(ordered),
        "rows_ok": sum(1 for r in ordered if r.get("status") == "ok"),
        "rows_failed": sum(1 for r in ordered if r.get("status") == "failed"),
        "summary": summary,
        "rows": [{"realization": int(r["realization"]), "seed": int(r["seed"]), "status": r["status"],
                  "error": r.get("error", ""), "wall_time_s": _float(r.get("wall_time_s")),
                  **{m: _float(r.get(m)) for m in spec.metrics}} for r in ordered],
    }
    return atomic_write_json(point_path(out, point), data)


def _float(text):
    if text is None or text == "":
        return None
    try:
        return float(text)
    except (TypeError, ValueError):
        return None
