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


def integration_grid(t, v, t_out=None, n_out: int = 1001):
    """The grid a deterministic device model integrates a piecewise-linear source on: the
    waveform's breakpoints (kept in order, so vertical jumps survive) merged with the output
    times ``t_out`` (default ``n_out`` points over the waveform).  Returns (tg, vg, the
    indices of the output times in tg).  One-line ValueError for a bad waveform."""
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    if t.ndim != 1 or t.shape != v.shape or t.size < 2:
        raise ValueError(f"waveform: t and v must be 1-D of equal length >= 2, got {t.shape} "
                         f"and {v.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(v))):
        raise ValueError("waveform: t and v must be finite")
    if np.any(np.diff(t) < 0) or t[-1] <= t[0]:
        raise ValueError("waveform: t must be non-decreasing and span a positive time")
    if t_out is None:
        t_out = np.linspace(t[0], t[-1], n_out)
    t_out = np.atleast_1d(np.asarray(t_out, dtype=float))
    if t_out.ndim != 1 or np.any(np.diff(t_out) < 0) or t_out[0] < t[0] or t_out[-1] > t[-1]:
        raise ValueError(f"t_out must be non-decreasing inside [{t[0]}, {t[-1]}] s")
    tg = np.concatenate([t, t_out])
    vg = np.concatenate([v, np.interp(t_out, t, v)])
    is_out = np.concatenate([np.zeros(t.size, bool), np.ones(t_out.size, bool)])
    order = np.argsort(tg, kind="stable")
    return tg[order], vg[order], np.flatnonzero(is_out[order])
