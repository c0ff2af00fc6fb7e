"""Progress bars for long commands, drawn by ``tqdm`` and shown only on a terminal.

Two bars:

* :class:`Progress` counts tasks (realizations, sweep rows, experiment points):
  ``with Progress(total, "fig4b") as bar: bar.update(1)``.
* :class:`TimeProgress` follows one transient run in simulated time (``spicemem run``):
  simulated time / stop time, accepted steps, device count and the ETA from the rate so far.

Both are silent unless ``enabled`` is true, or ``enabled`` is None and the stream is a
terminal, so pipes, CI logs and tests see no control characters.  This module imports nothing
from spicemem (a leaf): the bridge, experiments and sweeps all use it.
"""

from __future__ import annotations

import sys

from tqdm import tqdm


def _enabled(stream, enabled) -> bool:
    if enabled is not None:
        return bool(enabled)
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _width(stream) -> dict:
    """tqdm's width options: follow the terminal, or 100 columns when it reports none (a
    pseudo-terminal without a size, e.g. under ``script`` or some CI runners, says 0, and
    tqdm would then draw nothing: a bar below its screen height of 0 rows is hidden)."""
    import os

    try:
        cols = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        cols = 0
    return {"dynamic_ncols": True} if cols > 0 else {"ncols": 100, "nrows": 24}


class Progress:
    """A count of finished tasks, with failures and ETA; silent when not on a terminal."""

    def __init__(self, total: int, label: str = "", *, stream=None, enabled=None):
        self.total = max(int(total), 1)
        self.label = label
        self.done = 0
        self.failed = 0
        self.stream = sys.stderr if stream is None else stream
        self.enabled = _enabled(self.stream, enabled)
        self._bar = None

    def __enter__(self):
        if self.enabled:
            self._bar = tqdm(total=self.total, desc=self.label, file=self.stream, unit="task",
                             leave=True, mininterval=0.2, **_width(self.stream))
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def update(self, n: int = 1, *, failed: int = 0):
        self.done += n
        self.failed += failed
        if self._bar is not None:
            if self.failed:
                self._bar.set_postfix_str(f"failed {self.failed}", refresh=False)
            self._bar.update(n)


class TimeProgress:
    """A transient run followed in simulated time: ``t / t_stop``, steps, devices, ETA.

    ``update(t, steps)`` may be called as often as wanted (tqdm redraws at most every 0.2 s);
    the ETA is the remaining simulated time at the average rate so far.
    """

    _FORMAT = "{desc}{percentage:3.0f}%|{bar}| t = {postfix[0]} [{elapsed}<{remaining}]"

    def __init__(self, t_stop: float, label: str = "", *, devices: int = 0, stream=None,
                 enabled=None):
        self.t_stop = float(t_stop)
        self.label = label
        self.devices = int(devices)
        self.stream = sys.stderr if stream is None else stream
        self.enabled = _enabled(self.stream, enabled) and self.t_stop > 0
        self.t = 0.0
        self.steps = 0
        self._bar = None

    def __enter__(self):
        if self.enabled:
            self._bar = tqdm(total=self.t_stop, desc=(self.label + " ") if self.label else "",
                             file=self.stream, bar_format=self._FORMAT, leave=True,
                             mininterval=0.2, postfix=[self._text()], **_width(self.stream))
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.postfix[0] = self._text()
            self._bar.close()
            self._bar = None

    def _text(self) -> str:
        dev = f", {self.devices} devices" if self.devices else ""
        return f"{self.t:.4g} / {self.t_stop:.4g} s, {self.steps} steps{dev}"

    def update(self, t: float, steps: int):
        t = min(max(float(t), 0.0), self.t_stop)
        if t >= self.t_stop * (1 - 1e-9):
            t = self.t_stop  # the last accepted point is TSTOP up to rounding
        self.steps = int(steps)
        if self._bar is None or not t >= self.t:
            return
        delta, self.t = t - self.t, t
        self._bar.postfix[0] = self._text()
        self._bar.update(delta)
