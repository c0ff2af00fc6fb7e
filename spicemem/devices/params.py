"""Validation helpers shared by every parameter dataclass."""

from __future__ import annotations

import math


def check_finite(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"parameter {name!r} must be finite, got {value!r}")
    return v


def check_positive(name: str, value) -> float:
    v = check_finite(name, value)
    if v <= 0.0:
        raise ValueError(f"parameter {name!r} must be > 0, got {value!r}")
    return v


def check_nonnegative(name: str, value) -> float:
    v = check_finite(name, value)
    if v < 0.0:
        raise ValueError(f"parameter {name!r} must be >= 0, got {value!r}")
    return v


def check_open_interval(name: str, value, lo: float, hi: float) -> float:
    v = check_finite(name, value)
    if not lo < v < hi:
        raise ValueError(f"parameter {name!r} must lie in ({lo}, {hi}), got {value!r}")
    return v


def check_int_at_least(name: str, value, lo: int) -> int:
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or (isinstance(value, float) and not math.isfinite(value)) or int(value) != value):
        raise ValueError(f"parameter {name!r} must be an integer, got {value!r}")
    if int(value) < lo:
        raise ValueError(f"parameter {name!r} must be >= {lo}, got {value!r}")
    return int(value)


def check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"parameter {name!r} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_range(name: str, value, lo: float, hi: float, unit: str, why: str) -> float:
    """``value`` if lo <= value <= hi, else ValueError naming the range, its unit and its reason."""
    v = check_finite(name, value)
    if not lo <= v <= hi:
        u = f" {unit}" if unit else ""
        raise ValueError(f"parameter {name!r} = {value!r}{u} is outside its valid range "
                         f"[{lo:g}, {hi:g}]{u}: {why}")
    return v
