"""Atomic result files: an interrupted run never leaves a half-written file.

Each writer writes to a temporary file in the target directory and renames it over the
target (``os.replace`` is atomic on POSIX within one file system).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np


class OutputError(OSError):
    """An output location that cannot be written (message names the path)."""


def ensure_dir(path) -> Path:
    """Create ``path`` (and parents) or raise OutputError naming it."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output directory {str(p)!r}: {exc.strerror or exc}") from None
    if not os.access(p, os.W_OK):
        raise OutputError(f"output directory {str(p)!r} is not writable")
    return p


def _atomic(path, write, mode: str) -> Path:
    path = Path(path)
    directory = ensure_dir(path.parent if str(path.parent) else ".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600 files; results are ordinary files
    try:
        with os.fdopen(fd, mode) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            # e.g. a full disk (ENOSPC): name the file, not just the errno
            raise OutputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    return _atomic(path, lambda fh: fh.write(text), "w")


def atomic_write_bytes(path, data: bytes) -> Path:
    return _atomic(path, lambda fh: fh.write(data), "wb")


def to_jsonable(obj):
    """Convert numpy values and arrays (recursively) to plain JSON types; NaN/inf -> None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def atomic_write_json(path, obj) -> Path:
    return atomic_write_text(path, json.dumps(to_jsonable(obj), indent=1) + "\n")


def atomic_savefig(fig, path, **kwargs) -> Path:
    """Save a matplotlib figure atomically (format from the suffix of ``path``)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format=Path(path).suffix.lstrip(".") or "png", **kwargs)
    return atomic_write_bytes(path, buf.getvalue())


def read_jsonl_log(path):
    """(line number, record) of each line of an append-only JSON-lines log, tolerating a torn
    last line (an interrupted run's); a bad line elsewhere is a ValueError naming path:line.
    A missing file has no records."""
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for n, line in enumerate(lines, 1):
        try:
            out.append((n, json.loads(line)))
        except json.JSONDecodeError:
            if n == len(lines):
                break  # torn last line of an interrupted run
            raise ValueError(f"{path}:{n}: not a JSON line") from None
    return out
