"""argparse types of ``spicemem sweep`` (kept here so that cli.py stays a thin dispatcher)."""

from __future__ import annotations

import argparse
import re


def nonnegative_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value!r}")
    return n


def scheduler_address(value: str) -> str:
    if not re.fullmatch(r"(tcp|tls|ucx|ws|wss|inproc)://\S+", value):
        raise argparse.ArgumentTypeError(f"expected a Dask scheduler address such as "
                                         f"tcp://host:8786, got {value!r}")
    return value
