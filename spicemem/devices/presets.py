"""Presets are data: TOML tables in this package, one file per device type."""

from __future__ import annotations

import tomllib
from importlib import resources


def load(filename: str) -> dict:
    """The preset tables of ``filename`` (a TOML file of spicemem.devices)."""
    return tomllib.loads(resources.files("spicemem.devices").joinpath(filename).read_text())


def names(filename: str) -> list[str]:
    return sorted(load(filename))


def description(filename: str, name: str) -> str:
    """A preset's description (the sources of its numbers); ValueError for an unknown name."""
    table = load(filename)
    if name not in table:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(sorted(table))}")
    return table[name].get("description", "")
