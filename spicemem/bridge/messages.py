"""Reading what ngspice printed: its failures, traced back to the user's file and line."""

from __future__ import annotations

import re

from ..errors import clip

_LINE_ERROR = re.compile(r"^error on line (\d+)", re.IGNORECASE)
_NUMPARAM_LINE = re.compile(r"^netlist line no\. (\d+):$", re.IGNORECASE)
#: what ngspice's shared library prints when it stops on a fatal error (its ControlledExit)
FATAL = "ngspice.dll cannot recover"
_BOILERPLATE = ("please check your input netlist", "error: ngspice.dll cannot recover", "note:",
                "warning:", "circuit:")


def _fatal(lines, net):
    """One line of a fatal error that made ngspice stop, or None if it did not.

    numparam's errors (measured on 39.3) are "Netlist line no. N:" then the reason, N
    counting the lines sent (title = 1; 0 inside an expanded subcircuit); the line is named
    as the user wrote it when N is known.
    """
    if not any(FATAL in ln for ln in lines):
        return None
    where, quoted, reasons = net.source if net is not None else "", "", []
    for ln in lines:
        m = _NUMPARAM_LINE.match(ln)
        if m is not None:
            n = int(m.group(1))
            if net is not None and not quoted and 0 < n <= len(net.origins):
                where = net.origins[n - 1] or net.source
                quoted = f" (in {clip(net.text.split(chr(10))[n - 1].strip())!r})"
            continue
        low = ln.lower()
        if ln.startswith("|") or low.startswith(_BOILERPLATE) or ln in reasons:
            continue
        reasons.append(ln)
    reason = "; ".join(clip(x) for x in reasons[:3]) or "a fatal error"
    return f"{where}: ngspice: {reason}{quoted}" if net is not None else reason


def load_error(out, err, net) -> str | None:
    """One line naming the user's file:line and ngspice's reason, if ngspice refused the
    netlist ``net`` (a :class:`~spicemem.bridge.netlist.Netlist`) while loading it, else None.

    ngspice 39.3 reports a bad line as three lines: "Error on line N or its substitute:",
    the line as it read it, and the reason; N counts the lines it was handed, title = 1
    (measured).  Other errors ("Error: unknown subckt: x1 a 0 nosuch") quote the line; it is
    found in the text the bridge sent.
    """
    lines = [ln.strip() for ln in list(err) + list(out) if ln.strip()]
    fatal = _fatal(lines, net)
    if fatal is not None:  # ngspice stopped (the engine restarts it before its next use)
        return fatal
    sent = net.text.split("\n")
    for k, ln in enumerate(lines):
        m = _LINE_ERROR.match(ln)
        if m is None:
            continue
        n = int(m.group(1))
        where = net.origins[n - 1] if 0 < n <= len(net.origins) and net.origins[n - 1] else net.source
        quoted = lines[k + 1] if k + 1 < len(lines) else ""
        reason = lines[k + 2] if k + 2 < len(lines) and not lines[k + 2].lower().startswith("error") else ""
        before = [x.split(":", 1)[1].strip() for x in lines[:k] if x.lower().startswith("error:")]
        parts = ([*before, reason.strip()] if reason else before)[-3:]  # the last: the line's own
        why = "; ".join(clip(x) for x in parts) or "the line is invalid"
        return f"{where}: ngspice: {why} (in {clip(quoted)!r})"
    for ln in lines:
        if not ln.lower().startswith("error"):
            continue
        detail = ln.split(":", 1)[1].strip() if ":" in ln else ln
        where = net.source
        for j, text in enumerate(sent):
            t = text.strip().lower()
            if j and t and t in detail.lower() and j < len(net.origins) and net.origins[j]:
                where = net.origins[j]
                break
        return f"{where}: ngspice: {clip(detail)}"
    return None


def first_error(out, err):
    """The first line of ngspice's output that reports a failure, or None.

    ngspice writes benign notes to stderr ("Note: ...", "Warning: ..."), and errors to
    either stream; the real message ("Timestep too small; time = ...; trouble with node
    ...") is kept whole.
    """
    lines = [ln.strip() for ln in list(err) + list(out) if ln.strip()]
    fatal = _fatal(lines, None)
    if fatal is not None:
        return f"{fatal} (a fatal error: ngspice is restarted)"
    for ln in lines:
        low = ln.lower()
        if "timestep too small" in low or "trouble with node" in low:
            detail = [x for x in lines if "trouble with node" in x.lower() and x is not ln]
            return clip(ln) + ("; " + clip(detail[0]) if detail else "")
    for ln in lines:
        low = ln.lower()
        if low.startswith(("note:", "warning:", "trying gmin", "supplies reduced", "reference value",
                           "no. of data rows", "doing analysis", "initial transient solution",
                           "circuit:", "binary raw file")):
            continue
        if low.startswith("error") or " error" in low or "aborted" in low or "fatal" in low:
            return clip(ln)
    return None
