"""A minimal progress bar, shown only on a terminal (stderr is a TTY)."""

from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, "fig4b") as bar: bar.update(1)``; silent when not a TTY."""

    def __init__(self, total: int, label: str = "", *, stream=None, enabled=None):
        self.total = max(int(total), 1)
        self.label = label
        self.done = 0
        self.failed = 0
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._t0 = time.monotonic()

    def __enter__(self):
        self._draw()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def update(self, n: int = 1, *, failed: int = 0):
        self.done += n
        self.failed += failed
        self._draw()

    def _draw(self):
        if not self.enabled:
            return
        frac = min(self.done / self.total, 1.0)
        elapsed = time.monotonic() - self._t0
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        fail = f" failed {self.failed}" if self.failed else ""
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}{fail} eta {eta:5.0f}s")
        self.stream.flush()
