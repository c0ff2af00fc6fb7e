"""Piecewise-linear voltage waveforms in SI (s, V)."""

from __future__ import annotations

import numpy as np

from .params import check_int_at_least, check_nonnegative, check_positive, check_finite


def pulse_train(amplitude, width, interval, count, *, rise=None, delay=0.0, tail=None):
    """Rectangular pulses with linear edges, as ``(t, v)`` breakpoints.

    Parameters
    ----------
    amplitude : float
        Pulse height, in V (any sign).
    width : float
        Duration of each pulse at full amplitude, in s.
    interval : float
        Time at 0 V between the end of one pulse and the start of the next (the paper's
        t_zero), in s.
    count : int
        Number of pulses (>= 1).
    rise : float, optional
        Rise and fall time, in s; default 1 % of ``width``.
    delay : float
        Time at 0 V before the first pulse, in s.
    tail : float, optional
        Time at 0 V after the last pulse, in s; default ``interval``.

    Returns
    -------
    t, v : ndarray
        Breakpoints of the waveform (s, V); ``t`` starts at 0 and is non-decreasing.
    """
    amplitude = check_finite("amplitude", amplitude)
    width = check_positive("width", width)
    interval = check_nonnegative("interval", interval)
    count = check_int_at_least("count", count, 1)
    rise = 0.01 * width if rise is None else check_positive("rise", rise)
    delay = check_nonnegative("delay", delay)
    tail = interval if tail is None else check_nonnegative("tail", tail)
    t = [0.0]
    v = [0.0]
    start = delay
    for _ in range(count):
        t += [start, start + rise, start + rise + width, start + 2 * rise + width]
        v += [0.0, amplitude, amplitude, 0.0]
        start += 2 * rise + width + interval
    t_end = start - interval + tail
    if t_end > t[-1]:
        t.append(t_end)
        v.append(0.0)
    return np.asarray(t, dtype=float), np.asarray(v, dtype=float)


def pulse_windows(t, v, *, threshold=0.0):
    """Start and end times (s) of the intervals where |v| > threshold, from breakpoints."""
    t = np.asarray(t, dtype=float)
    on = np.abs(np.asarray(v, dtype=float)) > threshold
    starts, ends = [], []
    for k in range(1, len(t)):
        if on[k] and not on[k - 1]:
            starts.append(t[k - 1])
        if on[k - 1] and not on[k]:
            ends.append(t[k])
    return np.asarray(starts), np.asarray(ends)
