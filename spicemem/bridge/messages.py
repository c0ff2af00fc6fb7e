"""Reading what ngspice printed: its failures, traced back to the user's file and line."""

from __future__ import annotations

import re

from ..errors import clip

_LINE_ERROR = re.compile(r"^error on line(?: (\d+))?", re.IGNORECASE)
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
        n = int(m.group(1)) if m.group(1) else 0
        where = net.origins[n - 1] if 0 < n <= len(net.origins) and net.origins[n - 1] else None
        if where is None:
            # "Error on line:" without a number (a line inside a subcircuit, measured on 39.3:
            # it quotes the flattened 'd.x1.d1 a 0 nosuch'; its warning before quotes the line
            # as written, 'd1 p 0 nosuch'): the line the bridge sent that ngspice quoted
            where = _origin_of(lines[:k + 2], net) or net.source
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


def _origin_of(quoted, net):
    """'file:line' of the first line of ``net``'s text that ngspice quoted whole, or None."""
    sent = {}
    for j, text in enumerate(net.text.split("\n")):
        t = " ".join(text.split()).lower()
        if j and t and j < len(net.origins) and net.origins[j]:
            sent.setdefault(t, net.origins[j])
    for q in quoted:
        where = sent.get(" ".join(q.split()).lower())
        if where is not None:
            return where
    return None


# -- ngspice's names of the flattened circuit, as the user wrote them ----------------------------
_SINGULAR = re.compile(r"singular matrix:\s*check nodes?\s+(\S+)(?:\s+and\s+(\S+))?", re.IGNORECASE)
_TROUBLE = re.compile(r'trouble with node\s+"?([^"\s]+)"?', re.IGNORECASE)
#: the node of the idle source the bridge adds to a netlist without memristors
_GUARD_NODE = "smg__guard"


def _instance(path: str, net):
    """A flattened subcircuit path ('x1.x2') as (the X names as the user wrote them,
    'X1.X2', and the subcircuit called last), or None if it is not one of the netlist's."""
    scope, written = (), []
    for part in path.split("."):
        entry = (net.calls.get(scope, {}) if net is not None else {}).get(part)
        if entry is None or entry[1] is None:
            return None
        written.append(entry[0])
        scope = entry[1]
    return ".".join(written), scope[-1]


def _inside(path: str, net, flat: str) -> str:
    inst = _instance(path, net)
    if inst is None:
        return f"inside {path} (ngspice's {flat})"
    return f'inside {inst[0]} (subcircuit "{inst[1]}"; ngspice\'s {flat})'


def _element(flat: str, net) -> str:
    """ngspice's flattened element name ('v1', or 'v.x1.v1' inside X1) as the user's."""
    parts = flat.split(".")
    if len(parts) > 2 and len(parts[0]) == 1 and parts[-1].startswith(parts[0]):
        name, path = parts[-1], ".".join(parts[1:-1])
    else:
        name, path = flat, ""
    for prefix in ("bsm_", "ismg_", "rsmg_"):  # the bridge's own lines of a memristor
        if name.startswith(prefix):
            return _bridge_device(path, name[len(prefix):], net) or flat
    return f"{name.upper()} {_inside(path, net, flat)}" if path else name.upper()


def _bridge_device(path: str, name: str, net):
    key = f"{path}.{name}" if path else name
    for dev in (net.devices if net is not None else ()):
        if dev.key == key:
            return f"memristor {dev.name}"
    return None


def unknown_name(name: str, net) -> str:
    """How to name one of ngspice's unknowns (a node voltage or a branch current of the
    flattened circuit) to the user: subcircuit paths with the X names as written, element
    branches as the element, and the nodes the bridge adds (a memristor's state node
    ``smg_<name>``, the guard node) as the bridge's, never as the user's.

    Names measured on ngspice 39.3: ``n1``; ``x1.n1`` (node n1 inside X1); ``v1#branch``;
    ``v.x1.v1#branch`` (V1 inside X1); internal nodes of an element as ``d1#internal``.
    """
    low = name.strip('"').lower()
    if "#" in low:
        elem, kind = low.split("#", 1)
        what = _element(elem, net)
        return f"the current through {what}" if kind == "branch" else f"an internal node of {what}"
    if low == _GUARD_NODE:
        return "the bridge's own guard node (smg__guard)"
    path, _, node = low.rpartition(".")
    if node.startswith("smg_"):
        dev = _bridge_device(path, node[4:], net)
        if dev is not None:
            return f"the state node the bridge adds for {dev} ({low})"
    if path:
        return f'node "{node}" {_inside(path, net, low)}'
    return f'node "{node}"'


def _singular(lines, net, problem):
    """The no-DC-solution failure with the unknowns ngspice named ("singular matrix: check
    node n1"), what each is and the remedy; None if no line names one."""
    names = []
    for ln in lines:
        m = _SINGULAR.search(ln)
        if m is not None:
            names += [x for x in m.groups() if x and x not in names]
    if not names:
        return None
    nodes = [x for x in names if "#branch" not in x.lower()]
    branches = [x for x in names if "#branch" in x.lower()]
    said = []
    if nodes:
        one = len(nodes) == 1
        fix = f"connect {'it' if one else 'each'} to ground through a resistor (e.g. 1G)"
        if net is not None and net.tran is not None:
            fix += " or add 'uic' to the .tran line"
        said.append(f"{', '.join(clip(unknown_name(x, net)) for x in nodes[:3])} "
                    f"{'has' if one else 'have'} no DC path to ground (only capacitors or current "
                    f"sources reach {'it' if one else 'them'}): {fix}")
    if branches:
        said.append(f"{', '.join(clip(unknown_name(x, net)) for x in branches[:3])} "
                    f"{'is' if len(branches) == 1 else 'are'} not fixed by the circuit (a loop of "
                    f"voltage sources or inductors): put a resistance in the loop")
    return f"no DC operating point: {'; and '.join(said)} (ngspice: singular matrix; {clip(problem)})"


def _not_converged(lines, net, problem):
    """gmin and source stepping both failed without a singular matrix: the node whose
    voltage moved most in the last iteration (ngspice's "Last Node Voltages" table)."""
    low = " ".join(lines).lower()
    if "gmin stepping failed" not in low or "source stepping failed" not in low:
        return None
    worst, change = None, 0.0
    table = False
    for ln in lines:
        if ln.lower().startswith("last node voltages"):
            table = True
            continue
        parts = ln.split()
        if table and len(parts) == 3:
            try:
                d = abs(float(parts[1]) - float(parts[2]))
            except ValueError:
                continue
            if d > change:
                worst, change = parts[0], d
    where = f"; the largest change in its last iteration: {clip(unknown_name(worst, net))}" if worst else ""
    return (f"no DC operating point: ngspice's gmin and source stepping both failed{where} "
            f"(ngspice: {clip(problem)})")


def first_error(out, err, net=None):
    """The first line of ngspice's output that reports a failure, or None.

    ngspice writes benign notes to stderr ("Note: ...", "Warning: ..."), and errors to
    either stream; the real message ("Timestep too small; time = ...; trouble with node
    ...") is kept whole.  With the netlist ``net``, the nodes ngspice names are named as
    the user wrote them (:func:`unknown_name`), and a run without a DC operating point says
    which node or current made the matrix singular and what to do about it.
    """
    lines = [ln.strip() for ln in list(err) + list(out) if ln.strip()]
    fatal = _fatal(lines, None)
    if fatal is not None:
        return f"{fatal} (a fatal error: ngspice is restarted)"
    for ln in lines:
        low = ln.lower()
        if "timestep too small" in low or "trouble with node" in low:
            detail = [x for x in lines if "trouble with node" in x.lower() and x is not ln]
            text = clip(ln) + ("; " + clip(detail[0]) if detail else "")
            m = _TROUBLE.search(" ".join([ln, *detail[:1]]))
            if m is not None and unknown_name(m.group(1), net) != f'node "{m.group(1).lower()}"':
                text += f" ({clip(unknown_name(m.group(1), net))})"
            return text
    for ln in lines:
        low = ln.lower()
        if low.startswith(("note:", "warning:", "trying gmin", "supplies reduced", "reference value",
                           "no. of data rows", "doing analysis", "initial transient solution",
                           "circuit:", "binary raw file")):
            continue
        if low.startswith("error") or " error" in low or "aborted" in low or "fatal" in low:
            return (_singular(lines, net, ln) or _not_converged(lines, net, ln)
                    or _no_data(ln, net) or clip(ln))
    return None


def _no_data(line, net):
    """ngspice's "no data saved for Transient analysis" when every ``.save`` names a vector
    the circuit does not have: name the ``.save`` lines (measured: ngspice names none)."""
    if net is None or "no data saved" not in line.lower() or not net.saves_given:
        return None
    saves = [net.origins[j] for j, t in enumerate(net.text.split("\n"))
             if t.lower().startswith(".save") and j < len(net.origins) and net.origins[j]]
    where = ", ".join(saves[:3]) or net.source
    return (f"ngspice saved no data: no .save line ({where}) names a node or current of the "
            f"circuit (ngspice: {clip(line)})")
