"""SPICE numbers (``10k``, ``1meg``, ``3u``, ``5ns``): a leaf module, imported by the netlist
reader and by the device types."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(meg|mil|[tgkmunpfa])?[a-z]*$",
                     re.IGNORECASE)
_SCALE = {"t": 1e12, "g": 1e9, "meg": 1e6, "k": 1e3, "m": 1e-3, "mil": 25.4e-6, "u": 1e-6,
          "n": 1e-9, "p": 1e-12, "f": 1e-15, "a": 1e-18}


def spice_number(text: str) -> float:
    """A SPICE number: ``1.5``, ``2e-3``, ``10k``, ``1meg``, ``3u``, ``5ns`` (unit letters
    after the scale factor are ignored, as in SPICE).  Raises ValueError."""
    m = _NUMBER.match(text.strip())
    if not m:
        raise ValueError(f"not a number: {text!r}")
    value = float(m.group(1))
    if m.group(2):
        value *= _SCALE[m.group(2).lower()]
    return value
