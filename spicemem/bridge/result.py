"""What a bridge run returns: :class:`BridgeResult`, and the errors that carry a partial one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import SimulationError


@dataclass
class BridgeResult:
    """What a bridge run produced (SI units).

    Attributes
    ----------
    netlist : str                     file name or '<netlist>'
    analysis : str                    ngspice plot type of the results ('transient', 'op', ...)
    time : ndarray (K,)               s (the scale; absent for an operating point: [0])
    vectors : dict                    ngspice's saved vectors, 'v(node)' in V, 'i(vsrc)' in A
    device_names : list[str]          hierarchical names, e.g. 'X1.N1'
    conductance : ndarray (D, K)      S, the conductance ngspice used at each point (the
                                      committed state of the previous point; Ohm's law and
                                      KCL hold with it exactly)
    device_conductance : ndarray (D, K)  S, the device state committed at each point
    temperature : ndarray (D, K)      K, device temperature
    voltage : ndarray (D, K)          V across each device (n+ minus n-)
    seed : int                        the run's base seed
    devices : list[dict]              name, type, model, nodes, seed, stream, source
    steps : dict                      accepted points, ngspice's rejections, capped steps
    step_control : dict               cap, tol, floor (s, -, s)
    wall_time : float                 s
    ngspice_version : str
    error : str or None               set when the run stopped early (partial results)
    """

    netlist: str
    analysis: str
    time: np.ndarray
    vectors: dict
    device_names: list
    conductance: np.ndarray
    device_conductance: np.ndarray
    temperature: np.ndarray
    voltage: np.ndarray
    seed: int
    devices: list
    steps: dict
    step_control: dict
    wall_time: float
    ngspice_version: str
    error: str | None = None
    extra: dict = field(default_factory=dict)
    nonlinear_current: dict = field(default_factory=dict)

    @property
    def current(self) -> np.ndarray:
        """Device currents (D, K), A: voltage times the conductance ngspice used, or, for a
        device whose current is not linear in its voltage (drift), the current of its own
        law (``nonlinear_current``: device index -> (K,) array)."""
        cur = self.voltage * self.conductance
        for k, i in self.nonlinear_current.items():
            cur[k] = i
        return cur

    def columns(self) -> dict:
        """Ordered output columns: time, every saved vector, g(NAME) in S, temp(NAME) in K."""
        cols = {"time": self.time}
        cols.update(self.vectors)
        for k, name in enumerate(self.device_names):
            cols[f"g({name})"] = self.conductance[k]
        for k, name in enumerate(self.device_names):
            cols[f"temp({name})"] = self.temperature[k]
        return cols

    def units(self) -> dict:
        """The SI unit of every column of :meth:`columns` ('s', 'V', 'A', 'S', 'K')."""
        out = {}
        for name in self.columns():
            out[name] = ("s" if name == "time" else "V" if name.startswith("v(") else
                         "A" if name.startswith("i(") else "S" if name.startswith("g(") else
                         "K" if name.startswith("temp(") else "")
        return out

    def to_dataframe(self):
        """The waveforms as a ``pandas.DataFrame``: one row per point, the columns of
        :meth:`columns` (``time`` in s, ``v(node)`` in V, ``i(source)`` in A, ``g(NAME)`` in S,
        ``temp(NAME)`` in K); ``df.attrs`` holds the units, the seed, the netlist and the
        devices.  Needs pandas (``pip install 'spicemem[data]'``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("BridgeResult.to_dataframe needs pandas: "
                              "pip install 'spicemem[data]' (or pandas)") from None
        df = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in self.columns().items()})
        df.attrs.update(units=self.units(), seed=self.seed, netlist=str(self.netlist),
                        analysis=self.analysis, devices=[dict(d) for d in self.devices],
                        error=self.error)
        return df

    to_pandas = to_dataframe


class BridgeRunError(SimulationError):
    """A run that stopped early; ``result`` holds what was computed until then."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


class BridgeInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; ``result`` holds what was computed until then."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result
