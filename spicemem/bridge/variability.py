"""Device-to-device variability on ``.model`` cards, in ngspice's own Monte Carlo idiom.

A parameter of a memristor ``.model`` card may be one of ngspice's random functions (ngspice
manual, "Monte Carlo simulation": ``agauss``, ``gauss``, ``aunif``, ``unif``)::

    .model sel diffusive (preset=wang2017_paper n_particles=agauss(40, 4, 1) r_tunnel=gauss(1k, 0.1, 1))

========================  ================================================================
``agauss(nom, a, s)``     Gaussian, mean ``nom``, standard deviation ``a / s``
``gauss(nom, r, s)``      Gaussian, mean ``nom``, standard deviation ``r |nom| / s``
``aunif(nom, a)``         uniform on ``[nom - a, nom + a]``
``unif(nom, r)``          uniform on ``[nom (1 - r), nom (1 + r)]``
========================  ================================================================

Every device instance of the card draws its own value of each such parameter from a stream
of its own: ``SeedSequence([device seed, device stream, DRAW_KEY])`` with the device stream
of :func:`spicemem.bridge.run.stream_index` (a hash of its hierarchical name), so a run is
reproducible and a device keeps its draw when devices are added or removed.  Parameters are
drawn in the order of their names.  A drawn value outside the parameter's valid range is an
error naming the device and the value; integer parameters are rounded.  The nominal values
(``nom``) are what the card means without variability; they are validated when the netlist
is read.

Which parameters may vary: every parameter of a diffusive card (its current is linear in
the voltage, so everything about a device lives in its compiled state); on drift and RRAM
cards their state-equation parameters (per-device arrays of the compiled state), RRAM's
``i0``, ``g0`` and ``g_min`` (they enter the current only through G0 = I0 exp(-g/g0) / V0,
which each device's kernel computes and its external source carries), and the numbers the
B-source law carries (drift: ``g_m``, ``a_fp``, ``b_fp``; RRAM: ``v0``;
``DeviceType.law_keys``) for devices at the top level: each such device gets its own B-source
line with its drawn values (``run._own_laws``).  Inside a subcircuit that line is the
subcircuit's one body, shared by every instance: there a law number cannot vary (a one-line
error says so).

Stuck-at cells: ``stuck_on=P`` and ``stuck_off=Q`` on a card make each device, with
probability P (Q), a device frozen for the whole run in its ON (LRS) or OFF (HRS) state
(its type's ``state=on|off`` or ``lrs|hrs``), drawn from a stream of its own,
``SeedSequence([device seed, device stream, STUCK_KEY])``: one uniform u per device, ON if
u < P, OFF if P <= u < P + Q.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import NetlistError
from .spicenum import spice_number

#: Spawn key that separates variability draws from a device's other random numbers.
DRAW_KEY = 0x7A41AB1E
#: Spawn key of the stuck-at draw (its own stream: adding a spread to a card changes no
#: device's stuck-at state, and the other way round).
STUCK_KEY = 0x57AC4A7
#: Card keys of the stuck-at probabilities.
STUCK_KEYS = ("stuck_on", "stuck_off")
#: ``name(args)`` of a random function, as written on a card (before tokenising).
CALL = re.compile(r"\b(agauss|gauss|aunif|unif)\s*\(([^()]*)\)", re.IGNORECASE)
#: The same, as :func:`protect` leaves it inside one token.
_TOKEN = re.compile(r"^(agauss|gauss|aunif|unif)\[([^\]]*)\]$", re.IGNORECASE)
_ARITY = {"agauss": 3, "gauss": 3, "aunif": 2, "unif": 2}


@dataclass(frozen=True)
class Spread:
    """One random parameter of a card."""

    kind: str
    nominal: float
    args: tuple

    def draw(self, rng: np.random.Generator) -> float:
        if self.kind == "agauss":
            return float(rng.normal(self.nominal, self.args[0] / self.args[1]))
        if self.kind == "gauss":
            return float(rng.normal(self.nominal, self.args[0] * abs(self.nominal) / self.args[1]))
        if self.kind == "aunif":
            return float(rng.uniform(self.nominal - self.args[0], self.nominal + self.args[0]))
        return float(rng.uniform(self.nominal * (1 - self.args[0]), self.nominal * (1 + self.args[0])))


def protect(text: str) -> str:
    """``agauss(40, 4, 1)`` -> ``agauss[40;4;1]``: one token that survives the card's
    tokeniser (which removes parentheses and commas)."""
    return CALL.sub(lambda m: f"{m.group(1).lower()}[{';'.join(a.strip() for a in m.group(2).split(','))}]", text)


def split(params: dict, where: str) -> tuple[dict, dict]:
    """(the card's parameters with every random function replaced by its nominal value,
    {key: Spread}).  NetlistError for a malformed call."""
    nominal, spreads = {}, {}
    for key, value in params.items():
        if key in STUCK_KEYS:
            continue  # stuck_probabilities()
        m = _TOKEN.match(value)
        if m is None:
            nominal[key] = value
            continue
        kind, args = m.group(1).lower(), [a for a in m.group(2).split(";")]
        if len(args) != _ARITY[kind]:
            raise NetlistError(f"{where}: parameter {key!r}: {kind}() takes {_ARITY[kind]} arguments "
                               f"(nominal, variation{', sigma' if _ARITY[kind] == 3 else ''}), "
                               f"found {len(args)}")
        try:
            nums = [spice_number(a) for a in args]
        except ValueError:
            raise NetlistError(f"{where}: parameter {key!r}: {kind}() needs numbers, found "
                               f"{', '.join(args)}") from None
        if not all(np.isfinite(nums)) or nums[1] < 0 or (len(nums) == 3 and nums[2] <= 0):
            raise NetlistError(f"{where}: parameter {key!r}: {kind}() needs a finite nominal, a "
                               f"variation >= 0 and a sigma > 0, found {', '.join(args)}")
        nominal[key] = repr(nums[0])
        spreads[key] = Spread(kind, nums[0], tuple(nums[1:]))
    return nominal, spreads


def draw(spreads: dict, seed: int, stream: int) -> dict:
    """One device's values {key: float}, from its own stream (see the module docstring)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(stream), DRAW_KEY])))
    return {key: spreads[key].draw(rng) for key in sorted(spreads)}


def stuck_probabilities(params: dict, where: str) -> tuple[float, float]:
    """(P(stuck ON), P(stuck OFF)) of a card, 0 when not given; NetlistError for values
    outside [0, 1] or a sum above 1."""
    out = []
    for key in STUCK_KEYS:
        text = params.get(key)
        if text is None:
            out.append(0.0)
            continue
        try:
            p = spice_number(text)
        except ValueError:
            raise NetlistError(f"{where}: parameter {key!r}: expected a probability, found {text!r}") from None
        if not 0.0 <= p <= 1.0:
            raise NetlistError(f"{where}: parameter {key!r} must be a probability in [0, 1], found {text!r}")
        out.append(p)
    if out[0] + out[1] > 1.0:
        raise NetlistError(f"{where}: stuck_on + stuck_off must not exceed 1, found "
                           f"{out[0]!r} + {out[1]!r}")
    return out[0], out[1]


def draw_stuck(p_on: float, p_off: float, seed: int, stream: int) -> str | None:
    """'on', 'off' or None (not stuck) for one device, from its own stream."""
    if p_on <= 0.0 and p_off <= 0.0:
        return None
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(stream), STUCK_KEY])))
    u = rng.random()
    if u < p_on:
        return "on"
    if u < p_on + p_off:
        return "off"
    return None
