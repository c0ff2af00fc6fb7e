"""Presets are data: TOML tables in this package, one file per device type."""

from __future__ import annotations

import tomllib
from importlib import resources


def load(filename: str) -> dict:
    """The preset tables of ``filename`` (a TOML file of spicemem.devices)."""
    return tomllib.loads(resources.files("spicemem.devices").joinpath(filename).read_text())


#: Largest user preset file read (a preset is a few hundred bytes; the cap keeps an untrusted
#: netlist from making the reader swallow a device file or a huge file).
MAX_USER_FILE_BYTES = 1 << 20


def load_file(path) -> dict:
    """The preset tables of a user's TOML file (e.g. ``fit/fitted.toml`` written by
    ``spicemem fit``); ValueError naming the file when it is not a regular file, larger than
    :data:`MAX_USER_FILE_BYTES`, not TOML, or has a top-level entry that is not a table.

    The file is opened once and checked on the open descriptor (no race between the check
    and the read), and only parsed as data: TOML cannot include files or run anything.
    """
    import os
    import stat

    where = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValueError(f"preset file {where!r}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"preset file {where!r}: not a regular file")
        if st.st_size > MAX_USER_FILE_BYTES:
            raise ValueError(f"preset file {where!r}: {st.st_size} bytes, more than {MAX_USER_FILE_BYTES}")
        data = os.read(fd, MAX_USER_FILE_BYTES + 1)
    finally:
        os.close(fd)
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"preset file {where!r}: not valid TOML: {exc}") from None
    for key, value in table.items():
        if not isinstance(value, dict):
            raise ValueError(f"preset file {where!r}: top-level entry {key!r} is not a preset table")
    return table


def names(filename: str) -> list[str]:
    return sorted(load(filename))


def values(filename: str, name: str, presets=None) -> dict:
    """A preset's parameter values; ValueError for an unknown name.

    ``presets``: a user preset file (:func:`load_file`, e.g. ``fitted.toml`` written by
    ``spicemem fit``) to take ``name`` from instead of the package's ``filename``.  Its
    "description" (the sources) and "fit" (a fit's uncertainties) are not parameters.
    """
    table = load(filename) if presets is None else load_file(presets)
    if name not in table:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(sorted(table))}")
    return {k: v for k, v in table[name].items() if k not in ("description", "fit")}


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
