"""Where Numba caches spicemem's compiled kernels.

Numba's on-disk cache is keyed by each source file's own time stamp, but a kernel inlines
the kernels it calls from other files (``hopping.py`` calls ``diffusive.py``; the bridge's
``@cfunc`` callbacks call both).  After an edit or upgrade of a callee, a caller's stale
cache entry would still be loaded -- measured here: a crash ("NRT_adapt_ndarray_to_python:
descr is NULL") after ``diffusive.py`` changed.  spicemem therefore caches into a directory
named by a hash of all its compiled sources, so any change starts a fresh cache.

A user's ``NUMBA_CACHE_DIR`` always wins.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_DONE = False


def configure() -> None:
    """Point numba's cache at ``~/.cache/spicemem/numba-<hash of the kernel sources>``.

    Must run before the first ``cache=True`` kernel is defined; idempotent.
    """
    global _DONE
    if _DONE:
        return
    _DONE = True
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    import numba

    pkg = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for folder in ("kernels", "bridge"):
        for f in sorted((pkg / folder).glob("*.py")):
            digest.update(f.name.encode())
            digest.update(f.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = base / "spicemem" / f"numba-{digest.hexdigest()[:16]}"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # not writable: keep numba's default (__pycache__ beside the sources)
    if os.access(target, os.W_OK):
        numba.config.CACHE_DIR = str(target)
