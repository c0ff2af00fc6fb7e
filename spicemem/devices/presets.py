"""Presets are data: TOML tables in this package, one file per device type."""

from __future__ import annotations

import tomllib
from importlib import resources


def load(filename: str) -> dict:
    """The preset tables of ``filename`` (a TOML file of spicemem.devices)."""
    return tomllib.loads(resources.files("spicemem.devices").joinpath(filename).read_text())


def names(filename: str) -> list[str]:
    return sorted(load(filename))


def values(filename: str, name: str) -> dict:
    """A preset's parameter values (its description left out); ValueError for an unknown name."""
    table = load(filename)
    if name not in table:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(sorted(table))}")
    return {k: v for k, v in table[name].items() if k != "description"}


def check_fields(cls, data: dict, what: str) -> None:
    """ValueError naming the first key of ``data`` that is not a field of dataclass ``cls``."""
    import dataclasses

    extra = set(data) - {f.name for f in dataclasses.fields(cls)}
    if extra:
        raise ValueError(f"unknown parameter {sorted(extra)[0]!r} for {what}")


def description(filename: str, name: str) -> str:
    """A preset's description (the sources of its numbers); ValueError for an unknown name."""
    table = load(filename)
    if name not in table:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(sorted(table))}")
    return table[name].get("description", "")
