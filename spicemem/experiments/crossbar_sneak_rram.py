"""The crossbar-sneak study with Stanford RRAM memories behind the live diffusive selector.

``spicemem experiment crossbar-sneak-rram``: :func:`spicemem.experiments.crossbar_sneak.run`
with ``memory="rram"`` and its read (:data:`~spicemem.experiments.crossbar_sneak.RRAM_READ`:
reverse, 4 V, 10 kOhm sense load): 1S1R arrays 2..16 (``--quick``: 2, 4), floating / V/2 /
V/3, the same selector seeds, margins and intervals as the resistor study, and every read's
largest RRAM gap change (a read that moved a gap makes its row unusable).  Other reads
(polarity, voltage, load) through the Python API, ``examples/crossbar_margins.py --memory
rram`` or ``spicemem sweep examples/sweep_crossbar_margins_rram.toml``; docs/crossbar.md,
"The RRAM 1S1R study".
"""

from __future__ import annotations

from . import crossbar_sneak

DESCRIPTION = ("crossbar sneak paths with RRAM memories: 1S1R reverse-read margins vs size, "
               "floating/V2/V3, read disturb per read")


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None,
        **options) -> dict:
    """:func:`crossbar_sneak.run` with ``memory="rram"`` (``options``: ``sizes``,
    ``read_polarity``, ``v_read``, ``r_load``, ``schemes``)."""
    return crossbar_sneak.run(seed=seed, realizations=realizations, quick=quick, progress=progress,
                              memory="rram", **options)


def plot(result: dict, path) -> None:
    crossbar_sneak.plot(result, path)
