"""Substituting sweep values into a netlist's ``.param`` and ``.model`` lines.

A netlist is untrusted input, and so is a sweep file: nothing here evaluates an expression
or builds a line from free text.  Only the *value* of an existing ``NAME=value`` pair is
replaced (or a ``KEY=value`` pair added to a ``.model`` card), and the new value is a
number printed by Python (``repr`` of a float: ``1e-06``, ``300.0``) or an identifier
checked against ``[A-Za-z_][A-Za-z0-9_]*`` by the spec.  The result still goes through the
bridge's reader, which refuses ``.control`` blocks and command lines.

Continuation lines (``+``) are joined first, so a card split over several lines is edited
as one.  Relative ``.include``/``.lib`` paths are made absolute (relative to the netlist's
folder), because the edited text is run from memory, not from that folder.
"""

from __future__ import annotations

import re
from pathlib import Path

_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\{[^}]*\}|'[^']*'|\"[^\"]*\"|[^\s,(){}=]+)")
_INCLUDE = re.compile(r"^(\s*)(\.include|\.inc|\.lib)(\s+)([\"']?)([^\"'\s]+)([\"']?)(.*)$", re.IGNORECASE)


def logical_lines(text: str) -> list:
    """The title line, then every line with its '+' continuations joined."""
    phys = text.splitlines()
    if not phys:
        return []
    out = [phys[0]]
    for raw in phys[1:]:
        s = raw.strip()
        if s.startswith("+") and len(out) > 1:
            out[-1] = out[-1].rstrip() + " " + s[1:].strip()
        else:
            out.append(raw)
    return out


def _head(line: str) -> str:
    s = line.strip().lower()
    return s.split(None, 1)[0] if s else ""


def netlist_symbols(text: str) -> tuple:
    """(``.param`` names, ``.model`` names), lowercase, of the netlist's own lines."""
    params, models = set(), set()
    for line in logical_lines(text)[1:]:
        head = _head(line)
        if head == ".param":
            body = line.strip()[len(".param"):]
            params.update(m.group(1).lower() for m in _ASSIGN.finditer(body))
        elif head == ".model":
            toks = line.split()
            if len(toks) >= 2:
                models.add(toks[1].lower())
    return params, models


def format_value(value) -> str:
    """A value as netlist text: ints and floats via Python, identifiers unchanged."""
    if isinstance(value, bool):
        raise ValueError(f"cannot put a boolean into a netlist: {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return value
    raise ValueError(f"cannot put {value!r} into a netlist (numbers and identifiers only)")


def substitute(text: str, params: dict, models: dict, *, base_dir: Path) -> str:
    """The netlist ``text`` with ``.param`` values and ``.model`` parameters replaced.

    Parameters
    ----------
    params : dict
        lowercase ``.param`` name -> value.
    models : dict
        lowercase model name -> {lowercase key -> value}.
    base_dir : Path
        Folder of the netlist file (relative includes are resolved against it).
    """
    lines = logical_lines(text)
    if not lines:
        return text
    out = [lines[0]]
    for line in lines[1:]:
        head = _head(line)
        if head == ".param" and params:
            line = _replace_param_line(line, params)
        elif head == ".model" and models:
            toks = line.split()
            if len(toks) >= 3 and toks[1].lower() in models:
                line = _replace_model_line(line, models[toks[1].lower()])
        elif head in (".include", ".inc", ".lib"):
            line = _absolute_include(line, base_dir)
        out.append(line)
    return "\n".join(out) + "\n"


def _replace_param_line(line: str, params: dict) -> str:
    k = line.lower().index(".param") + len(".param")
    body = line[k:]

    def repl(m):
        name = m.group(1).lower()
        if name in params:
            return f"{m.group(1)}={format_value(params[name])}"
        return m.group(0)

    return line[:k] + _ASSIGN.sub(repl, body)


def _replace_model_line(line: str, keys: dict) -> str:
    # Leave '.model NAME TYPE' alone; edit or add KEY=value pairs after it.
    m = re.match(r"^(\s*\S+\s+\S+\s+[^\s(]+)(.*)$", line)
    head, body = m.group(1), m.group(2)
    done = set()

    def repl(mm):
        key = mm.group(1).lower()
        if key in keys:
            done.add(key)
            return f"{mm.group(1)}={format_value(keys[key])}"
        return mm.group(0)

    body = _ASSIGN.sub(repl, body)
    added = " ".join(f"{k}={format_value(v)}" for k, v in keys.items() if k not in done)
    if added:
        close = body.rfind(")")
        if close >= 0:
            body = body[:close].rstrip() + " " + added + body[close:]
        elif "(" in body:
            body = body.rstrip() + " " + added + ")"
        else:
            body = body.rstrip() + " " + added
    return head + body


def _absolute_include(line: str, base_dir: Path) -> str:
    m = _INCLUDE.match(line)
    if not m:
        return line
    lead, word, space, q1, path, q2, rest = m.groups()
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = Path(base_dir) / p
    return f"{lead}{word}{space}{q1}{p}{q2}{rest}"
