"""The leaf of the sweep package: spec errors and the context messages name (no imports
from the rest of the package, so the spec reader and the targets both build on it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import SpicememError


class SpecError(SpicememError, ValueError):
    """A sweep description that cannot be run (one line: file, key, value, expectation)."""


def _fmt(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def spec_error(source: str, key: str, value, problem: str) -> SpecError:
    """``SpecError("FILE: KEY = VALUE: PROBLEM")``."""
    if value is _NOVALUE:
        return SpecError(f"{source}: {key}: {problem}")
    return SpecError(f"{source}: {key} = {_fmt(value)}: {problem}")


_NOVALUE = object()


@dataclass(frozen=True)
class SpecContext:
    """Where a spec came from, for messages and relative paths."""

    source: str
    base_dir: Path

    def error(self, key: str, value, problem: str) -> SpecError:
        return spec_error(self.source, key, value, problem)
