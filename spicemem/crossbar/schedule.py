"""Sequences of pulses on chosen cells of one crossbar: repeated reads and writes over time.

A :class:`Schedule` is a list of non-overlapping :class:`Event` s, each a trapezoidal pulse
on one cell with the array's bias scheme applied to every other line while it lasts
(selected row: the amplitude; selected column: 0 V; V/2: every other line at half the
amplitude; V/3: other rows at a third, other columns at two thirds).  Between events every
line is at 0 V, so a cell sees nothing but what its selector and memory carry over.
``netlist_text(spec, schedule)`` gives each line source the piecewise-linear waveform of the
whole sequence; the column that holds ``spec.selected`` keeps the sense resistance.

Floating lines cannot be scheduled (a line without a driver in one event would need one in
the next), so the scheme must be ``v/2`` or ``v/3``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..devices import params as _v
from .spec import Crossbar, bias_levels


def _num(x: float) -> str:
    return f"{x:.15g}"


@dataclass(frozen=True)
class Event:
    """One pulse on one cell.

    Parameters
    ----------
    cell : (int, int)
        The selected cell (row, column) of this pulse.
    start : float
        Time the rising edge starts, in s.
    amplitude : float
        Selected-row voltage at the plateau, in V (the selected column is at 0 V).
    rise, width, fall : float
        Rise time, plateau duration and fall time, in s.
    """

    cell: tuple
    start: float
    amplitude: float
    rise: float = 50e-9
    width: float = 2e-6
    fall: float = 50e-9

    def __post_init__(self):
        try:
            i, j = (int(c) for c in self.cell)
        except (TypeError, ValueError):
            raise ValueError(f"parameter 'cell' must be a (row, column) pair, got {self.cell!r}") from None
        object.__setattr__(self, "cell", (i, j))
        _v.check_nonnegative("event start", self.start)
        if _v.check_finite("event amplitude", self.amplitude) == 0.0:
            raise ValueError("parameter 'event amplitude' must be non-zero (in V), got 0")
        for name in ("rise", "width", "fall"):
            _v.check_positive(f"event {name}", getattr(self, name))

    @property
    def t_on(self) -> float:
        """Start of the plateau, in s."""
        return self.start + self.rise

    @property
    def t_off(self) -> float:
        """End of the plateau, in s."""
        return self.start + self.rise + self.width

    @property
    def end(self) -> float:
        """End of the falling edge, in s."""
        return self.t_off + self.fall

    @property
    def window(self) -> tuple:
        """The sense window: the second half of the plateau, in s (as ``crossbar.read``)."""
        return (self.t_off - 0.5 * self.width, self.t_off)


@dataclass(frozen=True)
class Schedule:
    """Non-overlapping pulses in time order, and the time simulated after the last.

    Parameters
    ----------
    events : sequence of Event
    tail : float
        Time simulated after the last event ends, in s.
    tmax : float, optional
        Largest time step written on the ``.tran`` line, in s.
    """

    events: tuple
    tail: float = 0.0
    tmax: float | None = None

    def __post_init__(self):
        ev = tuple(self.events)
        if not ev or not all(isinstance(e, Event) for e in ev):
            raise ValueError("parameter 'events' must be a non-empty sequence of Event")
        for a, b in zip(ev, ev[1:]):
            if b.start < a.end:
                raise ValueError(f"events overlap: one starts at {b.start!r} s before the previous "
                                 f"ends at {a.end!r} s")
        object.__setattr__(self, "events", ev)
        _v.check_nonnegative("tail", self.tail)
        if self.tmax is not None:
            _v.check_positive("tmax", self.tmax)

    @property
    def t_stop(self) -> float:
        return self.events[-1].end + self.tail

    def check(self, spec: Crossbar) -> None:
        """Refuse a floating scheme and events on cells outside the array."""
        if bias_levels(spec.scheme)[0] is None:
            raise ValueError("a schedule needs a driven scheme (v/2 or v/3), got 'floating'")
        for e in self.events:
            i, j = e.cell
            if not (0 <= i < spec.rows and 0 <= j < spec.cols):
                raise ValueError(f"event cell ({i}, {j}) is outside the {spec.rows} x {spec.cols} array")

    def levels(self, spec: Crossbar, kind: str, index: int) -> list:
        """Plateau voltage of line ``kind`` ('row' or 'col') ``index`` in each event, in V."""
        f_row, f_col = bias_levels(spec.scheme)
        out = []
        for e in self.events:
            i, j = e.cell
            if kind == "row":
                out.append(e.amplitude * (1.0 if index == i else f_row))
            else:
                out.append(0.0 if index == j else e.amplitude * f_col)
        return out

    def wave(self, spec: Crossbar, kind: str, index: int) -> str:
        """The source text of line ``kind`` ``index`` over the whole schedule."""
        self.check(spec)
        levels = self.levels(spec, kind, index)
        if all(v == 0.0 for v in levels):
            return "dc 0"
        pts = [(0.0, 0.0)]
        for e, v in zip(self.events, levels):
            if v == 0.0:
                continue
            pts += [(e.start, 0.0), (e.t_on, v), (e.t_off, v), (e.end, 0.0)]
        if pts[1][0] == 0.0:
            pts = pts[1:]
        return "pwl(" + " ".join(f"{_num(t)} {_num(v)}" for t, v in pts) + ")"

    def tran_line(self, spec: Crossbar) -> str:
        self.check(spec)
        # the pulse edges are breakpoints of the sources; the bridge adds points where a
        # device changes (its rate control), so the print step need not resolve the pulses
        tstep = self.t_stop / 50.0
        line = f".tran {_num(tstep)} {_num(self.t_stop)}"
        if self.tmax is not None:
            line += f" 0 {_num(self.tmax)}"
        return line


__all__ = ["Event", "Schedule"]
