"""spicemem memristors in PySpice circuits.

A PySpice user builds a circuit with :class:`PySpice.Spice.Netlist.Circuit`; this module adds
a spicemem device to it and runs it through the bridge, returning the waveforms the way PySpice
returns them (a :class:`~PySpice.Probe.WaveForm.TransientAnalysis` of named
:class:`~PySpice.Probe.WaveForm.WaveForm` objects with units)::

    from PySpice.Spice.Netlist import Circuit
    from PySpice.Unit import u_kOhm, u_us
    from spicemem.pyspice import Memristor, simulate

    circuit = Circuit("one diffusive memristor behind 1 kOhm")
    circuit.model("ag", "diffusive", preset="wang2017_fig4")
    circuit.PulseVoltageSource("in", "in", circuit.gnd, initial_value=0, pulsed_value=2.5,
                               delay_time=1e-6, rise_time=1e-7, fall_time=1e-7,
                               pulse_width=20e-6, period=100e-6)
    circuit.R(1, "in", "mid", 1 @ u_kOhm)
    Memristor(circuit, 1, "mid", circuit.gnd, model="ag", seed=7)   # the line 'N1 mid 0 ag seed=7'
    analysis = simulate(circuit, step_time=0.1 @ u_us, end_time=40 @ u_us, seed=1)
    analysis.time, analysis.mid, analysis.branches["vin"]          # s, V, A
    analysis.memristors["n1"].conductance                          # S (also .temperature, K)

The memristor is an ``N`` line of spicemem's netlist syntax (docs/bridge.md) and its model a
``.model NAME diffusive|drift|rram (...)`` card, which PySpice's own ``circuit.model`` writes.
The circuit text goes through the same reader, allow-list and bridge as any netlist
(:func:`spicemem.bridge.run_netlist`), so a PySpice circuit gets the same results, bit for
bit, as the same netlist written by hand.  PySpice's own simulator classes would start a second
ngspice in the process (one per process is possible); :func:`simulate` replaces
``circuit.simulator().transient(...)``.
"""

from __future__ import annotations

import re

import numpy as np
from PySpice.Probe.WaveForm import TransientAnalysis, WaveForm
from PySpice.Spice.Netlist import FixedPinElement
from PySpice.Spice.ElementParameter import ModelPositionalParameter
from PySpice.Unit import u_A, u_K, u_S, u_s, u_V

from .bridge.run import BridgeResult, run_netlist

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VALUE = re.compile(r"^[A-Za-z0-9_.+\-]+$")


class Memristor(FixedPinElement):
    """A spicemem device as a PySpice element: ``Memristor(circuit, name, plus, minus,
    model=..., **instance_parameters)`` writes ``N<name> plus minus model k=v ...``.

    Instance parameters are those of the N line (``seed=``, ``state=``, ``theta0=`` for the
    diffusive device, ``x0=`` for the drift device, ``gap0=`` for the RRAM; docs/bridge.md);
    values are numbers or plain words.  The element is not registered with PySpice's parser
    (no global side effect on PySpice): it only writes its line.
    """

    PINS = ("plus", "minus")
    model = ModelPositionalParameter(position=0, key_parameter=True)

    def __init__(self, netlist, name, *args, **kwargs):
        instance = {k: kwargs.pop(k) for k in list(kwargs)
                    if k not in ("model", "plus", "minus", "raw_spice")}
        super().__init__(netlist, name, *args, **kwargs)
        if getattr(self, "model", None) is None:
            raise ValueError(f"Memristor N{name}: needs model=NAME (a .model card of the circuit)")
        parts = []
        for key, value in instance.items():
            text = _format(value)
            if not _KEY.match(key) or not _VALUE.match(text):
                raise ValueError(f"Memristor N{name}: parameter {key}={value!r} is not a "
                                 f"name=number or name=word pair")
            parts.append(f"{key}={text}")
        self.raw_spice = " ".join(parts)

    @property
    def name(self):
        return "N" + self._name


def _format(value) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    try:
        return repr(float(value)) if not isinstance(value, str) else value
    except (TypeError, ValueError):
        return str(value)


class MemristorWaveforms:
    """One device's waveforms: ``conductance`` (S, the value ngspice used at each point),
    ``temperature`` (K), ``voltage`` (V, n+ minus n-), ``current`` (A)."""

    def __init__(self, name, conductance, temperature, voltage, current):
        self.name = name
        self.conductance = conductance
        self.temperature = temperature
        self.voltage = voltage
        self.current = current

    def __repr__(self):
        return f"MemristorWaveforms {self.name}"


class MemristorAnalysis(TransientAnalysis):
    """PySpice's transient analysis plus ``memristors`` (by lower-case hierarchical name, e.g.
    ``'n1'``, ``'x1.n1'``) and ``result`` (the :class:`~spicemem.bridge.run.BridgeResult`)."""

    def __init__(self, result: BridgeResult, time, nodes, branches, memristors):
        super().__init__(simulation=None, time=time, nodes=nodes, branches=branches,
                         internal_parameters=())
        self.result = result
        self.memristors = memristors


def _wave(name, unit, values, time=None):
    return WaveForm.from_unit_values(name, unit(np.asarray(values, dtype=float)), abscissa=time)


def to_analysis(result: BridgeResult) -> MemristorAnalysis:
    """A :class:`~spicemem.bridge.run.BridgeResult` as PySpice waveforms (transient only)."""
    if not result.analysis.startswith("tran"):
        raise ValueError(f"{result.netlist}: only a transient analysis converts to PySpice "
                         f"waveforms (this run is {result.analysis!r})")
    time = _wave("time", u_s, result.time)
    nodes, branches = [], []
    for key, values in result.vectors.items():
        m = re.fullmatch(r"([vi])\((.+)\)", key)
        if m is None:
            continue
        if m.group(1) == "v":
            nodes.append(_wave(m.group(2), u_V, values, time))
        else:
            branches.append(_wave(m.group(2), u_A, values, time))
    current = result.current
    mems = {}
    for k, name in enumerate(result.device_names):
        key = name.lower()
        mems[key] = MemristorWaveforms(
            key, _wave(f"g({key})", u_S, result.conductance[k], time),
            _wave(f"temp({key})", u_K, result.temperature[k], time),
            _wave(f"v({key})", u_V, result.voltage[k], time),
            _wave(f"i({key})", u_A, current[k], time))
    return MemristorAnalysis(result, time, nodes, branches, mems)


def netlist_text(circuit, *, step_time, end_time, start_time=0.0, max_time=None,
                 use_initial_condition: bool = False) -> str:
    """The circuit's netlist with a ``.tran`` line, as the bridge will read it."""
    vals = [float(step_time), float(end_time)]
    if start_time or max_time is not None:
        vals.append(float(start_time))
    if max_time is not None:
        vals.append(float(max_time))
    tran = ".tran " + " ".join(repr(v) for v in vals) + (" uic" if use_initial_condition else "")
    return f"{str(circuit).rstrip()}\n{tran}\n.end\n"


def simulate(circuit, *, step_time, end_time, start_time=0.0, max_time=None,
             use_initial_condition: bool = False, seed: int = 0, step=None,
             progress=False) -> MemristorAnalysis:
    """Run a PySpice circuit's transient through the bridge (``.tran step end [start [max]]``).

    Times are seconds or PySpice unit values (``10 @ u_us``).  ``seed``, ``step`` and
    ``progress`` are those of :func:`spicemem.bridge.run_netlist`; its errors (one line naming
    the circuit's line) and partial results on failure are the same.
    """
    text = netlist_text(circuit, step_time=step_time, end_time=end_time, start_time=start_time,
                        max_time=max_time, use_initial_condition=use_initial_condition)
    title = getattr(circuit, "title", None) or "PySpice circuit"
    result = run_netlist(text, seed=seed, step=step, name=f"<PySpice circuit {title!s}>",
                         progress=progress)
    return to_analysis(result)
