"""What a netlist will cost in memory, estimated before anything is allocated, and the cap.

A netlist is untrusted input.  The checks of :mod:`spicemem.bridge.netlist` bound what it
may *expand* to (elements, function text, analysis points); each bound alone still allows
a run that exhausts the machine: 2.5e6 memristors of 1000 particles each (40 GB of state),
a thousand devices whose varied landscape gives each its own hopping tables (11 MB and
2.2 s CPU apiece, measured), or a transient whose result matrices (devices x time points)
outgrow the memory.  Before allocating, :func:`estimate` adds up what the run will hold at
least, from arithmetic only (no compiled code runs, so a refusal is quick):

* **devices' state**: each device type's :meth:`~spicemem.bridge.device_type.DeviceType.memory_bytes`
  (the diffusive type counts its particles and its distinct hopping tables exactly;
  tests/test_untrusted_netlists.py compares it with what ``allocate`` holds);
* **ngspice's circuit**: :data:`NGSPICE_BYTES_PER_ELEMENT` per element after expansion
  (1e6 resistors cost ngspice 1.0 GB, measured in session 6);
* **results**: a transient keeps every accepted point.  ngspice never steps farther than
  TMAX (else min(TSTEP, TSTOP/50)), so it keeps at least TSTOP / that many points, each with
  a value per saved vector (ngspice's copy and the bridge's), plus the bridge's four
  device matrices (conductance used and committed, temperature, voltage).  The count of
  vectors is a lower bound too: one state node per memristor unless ``.save`` is given.

The devices' term is what ``allocate`` holds (within 1 % for the hybrid, 6 % for Langevin;
drift and RRAM devices are counted at 1 kB, 4-5x what they hold); the others are lower
bounds, so a refusal is not wrong about the size, while a run may still grow past the
estimate (more points than the minimum).  Not counted: the history buffer
(:class:`spicemem.bridge.session.History`, at most ``HISTORY_VALUES`` float64 = 128 MiB,
resident only as rows are written) and Python's own ~100 MB.

The cap: :data:`DEFAULT_LIMIT` (4 GiB), a run's share of a modest workstation that leaves
room for a sweep's two workers and other work on a 16 GB machine; the largest
shipped job, the 64x64 1S1R crossbar, estimates at 44 MiB.  A user raises it on purpose
with ``spicemem run --max-memory`` (one run) or the environment variable
:data:`LIMIT_ENV` (inherited by sweep workers and ``spicemem fit``, which call the bridge
without a command line); ``0`` or ``none`` turns the check off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import NetlistError
from . import devices as _devices

#: Default memory cap of one bridge run, in bytes.
DEFAULT_LIMIT = 4 * 2**30
#: Environment variable that sets the cap (bytes, or with a binary unit: 512M, 8G, 1.5T).
LIMIT_ENV = "SPICEMEM_MAX_MEMORY"
#: ngspice's memory per circuit element after expansion (measured: 1e6 resistors, 1.0 GB).
NGSPICE_BYTES_PER_ELEMENT = 1000

_BINARY = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_limit(text, what: str = LIMIT_ENV):
    """A memory cap as bytes (int), or None for no cap ('0', 'none', 'off').

    Accepts a number of bytes, or one with a binary unit: ``512M``, ``8G``, ``8GiB``,
    ``1.5T``; anything else is a ValueError naming ``what``.
    """
    s = str(text).strip().lower()
    if s in ("0", "none", "off", "inf"):
        return None
    body = s[:-2] if s.endswith("ib") else s[:-1] if s.endswith("b") else s
    mult = _BINARY.get(body[-1:], 1) if body else 1
    num = body[:-1] if mult > 1 else body
    try:
        value = float(num) * mult
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{what} must be a size such as 8G, 512M or a number of bytes, or 0 "
                         f"for no limit; found {text!r}")
    return int(value)


def default_limit():
    """The cap in force: ``$SPICEMEM_MAX_MEMORY`` if set, else :data:`DEFAULT_LIMIT`."""
    env = os.environ.get(LIMIT_ENV)
    if env is None or not env.strip():
        return DEFAULT_LIMIT
    try:
        return parse_limit(env)
    except ValueError as exc:
        raise NetlistError(str(exc)) from None


@dataclass(frozen=True)
class Estimate:
    """Bytes a run holds at least, by part ({name: (bytes, where, what)})."""

    parts: dict

    @property
    def total(self) -> int:
        return int(sum(b for b, _, _ in self.parts.values()))

    def largest(self):
        return max(self.parts.items(), key=lambda kv: kv[1][0])


def _gib(n: float) -> str:
    return f"{n / 2**30:.3g} GiB" if n >= 2**28 else f"{n / 2**20:.3g} MiB"


def nominal_specs(preview) -> dict:
    """{type: [DeviceSpec]} of a :class:`~spicemem.bridge.netlist.Preview`'s devices at their
    cards' nominal parameters, one shared object per card (a list entry per device, no
    object: cheap for 1e6 devices)."""
    out: dict = {}
    for card, count in preview.counts:
        spec = _devices.DeviceSpec(0, card.name, _devices.model_params(card), 0, 0, None)
        out.setdefault(card.type, []).extend([spec] * count)
    return out


def estimate(source: str, specs_by_type: dict, n_elements: int, tran, saves_given: bool,
             cards: dict | None = None) -> Estimate:
    """What a run will hold at least (see the module notes): devices ``specs_by_type``
    ({type: [DeviceSpec]}), ``n_elements`` circuit elements after expansion, the netlist's
    ``.tran`` (or None) and whether it has ``.save`` lines; ``cards`` ({type: ModelCard})
    names the card of each type in the message."""
    reg = _devices.registry()
    parts = {}
    dev_bytes, dev_where, dev_what = 0, source, ""
    worst = 0
    for tname, specs in specs_by_type.items():
        b = int(reg[tname].memory_bytes(specs))
        dev_bytes += b
        if b > worst:  # name the model card of the type that costs most
            worst = b
            card = (cards or {}).get(tname)
            dev_where = card.line.where if card is not None else source
            dev_what = f"{len(specs)} {tname} memristors" + (f" (model {card.name!r})" if card else "")
    d = sum(len(specs) for specs in specs_by_type.values())
    parts["devices' state"] = (dev_bytes, dev_where, dev_what)
    parts["ngspice's circuit"] = (NGSPICE_BYTES_PER_ELEMENT * n_elements, source,
                                  f"{n_elements} elements after expansion")
    if tran is not None:
        largest = tran["tmax"] if tran["tmax"] is not None else min(tran["tstep"], tran["tstop"] / 50.0)
        points = int(tran["tstop"] / largest)
        vectors = 1 + (0 if saves_given else d)  # time, and a state node per memristor
        per_point = 8 * (2 * vectors + 4 * d)
        parts["results"] = (points * per_point, tran["where"],
                            f"at least {points} time points x {2 * vectors + 4 * d} values")
    return Estimate(parts)


def _refuse(est: Estimate, limit) -> Estimate:
    if limit is not None and est.total > limit:
        name, (b, where, what) = est.largest()
        raise NetlistError(
            f"{where}: refused: the run would need at least {_gib(est.total)} of memory, more "
            f"than the limit of {_gib(limit)}; the largest part is {name}: {_gib(b)} for {what}; "
            f"shrink it, or raise the limit with --max-memory or {LIMIT_ENV} (bytes, e.g. 16G; "
            f"0: none) if the machine has the memory")
    return est


def check_preview(preview, limit) -> Estimate:
    """Refuse a netlist (a :class:`~spicemem.bridge.netlist.Preview`, before it is flattened)
    whose devices at their nominal parameters would exceed ``limit`` bytes (None: no limit):
    a one-line NetlistError naming the line of the largest part and the limit."""
    cards: dict = {}
    for card, count in sorted(preview.counts, key=lambda cc: cc[1]):
        cards[card.type] = card  # the card with the most devices of each type
    return _refuse(estimate(preview.source, nominal_specs(preview), preview.n_elements,
                            preview.tran, preview.saves_given, cards), limit)


def check(net, specs_by_type: dict, limit) -> Estimate:
    """The same for a flattened netlist ``net`` with each device's drawn parameters
    (``specs_by_type``): varied parameters can give devices their own tables."""
    cards = {spec_type: net.devices[specs[0].index].model for spec_type, specs in specs_by_type.items()}
    return _refuse(estimate(net.source, specs_by_type, net.n_elements, net.tran, net.saves_given,
                            cards), limit)
