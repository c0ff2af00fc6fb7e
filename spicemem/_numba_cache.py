"""Where Numba caches spicemem's compiled kernels -- and only spicemem's.

Numba's on-disk cache is keyed by each source file's own stamp, but a kernel inlines the
kernels it calls from other files (``hopping.py`` calls ``diffusive.py``; the bridge's
``@cfunc`` callbacks call both).  After an edit or upgrade of a callee, a caller's stale
cache entry would still be loaded -- measured here: a crash ("NRT_adapt_ndarray_to_python:
descr is NULL") after ``diffusive.py`` changed.  spicemem therefore caches into a directory
named by a hash of every Python file of its compiled layers (``kernels/`` and ``bridge/``,
recursively -- compiled code calls nothing outside them -- and this file), so any change
starts a fresh cache.

Scope: the cache directory is chosen by a cache *locator* that answers only for functions
defined in spicemem's own files; Numba's own locators handle everything else, so a user's
cached functions stay where Numba puts them (an earlier version set the process-wide
``numba.config.CACHE_DIR``, which moved the user's cache too).  A user's
``NUMBA_CACHE_DIR`` always wins.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_COMPILED = ("kernels", "bridge")  # every compiled function and all it calls
_DONE = False


def cache_dir() -> Path:
    """``~/.cache/spicemem/numba-<hash of the compiled layers' sources>`` (XDG_CACHE_HOME
    respected)."""
    digest = hashlib.sha256()
    files = [Path(__file__).resolve()]
    for folder in _COMPILED:
        files += sorted((_PACKAGE / folder).rglob("*.py"))
    for f in files:
        digest.update(str(f.relative_to(_PACKAGE)).encode())
        digest.update(f.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "spicemem" / f"numba-{digest.hexdigest()[:16]}"


def configure() -> None:
    """Register the locator that puts spicemem's kernels into :func:`cache_dir`.

    Must run before the first ``cache=True`` kernel is compiled; idempotent.  If the folder
    cannot be written, Numba's default (``__pycache__`` beside the sources, else the
    user-wide cache) applies.
    """
    global _DONE
    if _DONE:
        return
    _DONE = True
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:  # Numba's locator classes are not public API: without them, Numba's default applies
        from numba.core.caching import CacheImpl, _CacheLocator, _SourceFileBackedLocatorMixin
    except ImportError:  # pragma: no cover - a Numba that moved them
        return
    target = cache_dir()

    class SpicememCacheLocator(_SourceFileBackedLocatorMixin, _CacheLocator):
        """Numba cache locator for functions in spicemem's own source files."""

        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            rel = Path(py_file).resolve().parent.relative_to(_PACKAGE)
            self._cache_path = str(target / rel)

        def get_cache_path(self):
            return self._cache_path

        @classmethod
        def from_function(cls, py_func, py_file):
            try:
                Path(py_file).resolve().relative_to(_PACKAGE)
            except (ValueError, OSError):
                return None  # not ours: Numba's own locators decide
            return super().from_function(py_func, py_file)

    if not any(getattr(c, "__name__", "") == "SpicememCacheLocator" for c in CacheImpl._locator_classes):
        CacheImpl._locator_classes.insert(0, SpicememCacheLocator)
