"""Reading, checking and rewriting a netlist with memristor lines.

Syntax (kept exactly so; see ``docs/bridge.md``)::

    .model ag_sio diffusive (preset=wang2017_paper temp=300 friction_ratio=10)
    N1 pre mid ag_sio seed=7 temp=320 state=off

* ``.model NAME TYPE (key=value ...)`` with TYPE a memristor type of
  :mod:`spicemem.bridge.devices` (``diffusive``, ``drift``); values are numbers (SPICE
  scale suffixes allowed: ``1u``, ``10k``, ``1meg``) or names (``preset``, ``noise``).
* ``N<name> n+ n- MODEL [seed=INT] [temp=K] [state=...]``: one memristor; instances may sit
  inside ``.subckt`` definitions at any depth.  Every other line passes through to ngspice
  unchanged (``.include``/``.lib`` files are read here and inlined, so that they are
  checked too).

Security: a netlist is untrusted input.  :mod:`spicemem.bridge.reader` reads it (and every
file it includes) as ngspice would; this module rewrites it; :mod:`spicemem.bridge.allowlist`
then checks the exact text that ngspice gets against an allow-list.  The title line ngspice
gets is the bridge's own (``spicemem: <the user's title, printable characters only>``), and
no comment reaches ngspice.

Rewriting: each memristor becomes, in the netlist that ngspice gets,

    bsm_n1 pre mid I=V(pre,mid)*V(smg_n1)*<G_scale>
    ismg_n1 0 smg_n1 external
    rsmg_n1 smg_n1 0 1 noisy=0

A device type whose current is not linear in its voltage (the drift model) supplies its own
current expression instead (``DeviceType.expression``), still reading its state from
``V(smg_n1)``.  The external *current* source drives the conductance in units of
``G_scale`` (the model's maximum conductance) into 1 Ohm, so that the controlling node
voltage is G / G_scale, of order one: ngspice's absolute voltage tolerance ``vntol`` (1 uV)
would otherwise be comparable to a conductance of 1e-9 S held as a voltage.  A current
source adds no branch-current unknown (a voltage source did, until issue 17: one unknown
and a zero-diagonal row per device; ``docs/bridge.md``, "What ngspice gets", has the
measured cost and why 1 Ohm).  (``ismg_n1 0 smg_n1 dc 0 external`` would segfault ngspice
39.3.)  Inside a subcircuit the lines are rewritten in place; ngspice's own flattening then
names the source ``i.<x path>.ismg_n1`` and the nodes ``<x path>.node``, which is how the
callbacks recognise each flattened device (measured on ngspice 39.3).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..errors import NetlistError
from . import devices as _devices
from .allowlist import check_text
from .reader import Line, read_source
from .spicenum import spice_number
from .variability import protect

__all__ = ["Device", "Instance", "Line", "ModelCard", "Netlist", "read_netlist", "spice_number"]

_GROUND = frozenset({"0", "gnd"})
#: The external source of a netlist without memristors (it supplies 0 A; Ctrl-C makes it NaN).
GUARD_SOURCE = "ismg__guard"
#: The resistor each bridge current source drives, in Ohm: V(smg) = its current x this.
#: 1 Ohm keeps the state node's row a singleton whose diagonal (1 S) dominates every other
#: entry of its column (the B-source's dI/dV(smg) = V G_scale, at most ~1e-2 S), so the
#: sparse LU pivots on it and eliminates it first; docs/bridge.md, "What ngspice gets".
#: Written with ``noisy=0``: its thermal noise would otherwise reach a ``.noise`` analysis
#: through the B-source (measured: +1.3e-5 relative on a 10 kOhm divider; none with it).
STATE_OHMS = 1
_TITLE_CHARS = re.compile(r"[^A-Za-z0-9 _.,:=()+\-/]")


@dataclass(frozen=True)
class ModelCard:
    name: str  # lowercase
    type: str  # lowercase
    params: dict  # key (lowercase) -> raw string value
    line: Line
    scope: tuple  # subckt definition path ('' at top level)


@dataclass(frozen=True)
class Instance:
    """A memristor line inside one definition (top level or a subckt)."""

    name: str  # as written, e.g. 'N1'
    node_plus: str
    node_minus: str
    model: str  # lowercase
    params: dict  # seed/temp/state... raw strings
    line: Line
    scope: tuple


@dataclass(frozen=True)
class Device:
    """One flattened memristor (an instance at one hierarchical position)."""

    index: int
    name: str  # hierarchical, as written: 'X1.X2.N1'
    key: str  # lowercase hierarchical name, the stream key
    source: str  # the external current source's name ngspice passes to GetISRCData
    node_plus: str  # flattened node names ('' for ground)
    node_minus: str
    model: ModelCard
    instance: Instance


@dataclass
class _Subckt:
    name: str
    ports: list
    lines: list = field(default_factory=list)  # indices into the logical line list
    parent: tuple = ()


@dataclass
class Netlist:
    """A checked netlist: the rewritten text for ngspice and the flattened devices."""

    source: str  # file name or '<netlist>'
    title: str
    text: str  # what ngspice gets
    devices: list
    models: dict
    tran: dict | None  # {'tstep', 'tstop', 'tstart', 'tmax', 'line'} or None
    saves_given: bool
    analyses: list
    origins: list = field(default_factory=list)  # per line of text: 'file:line', None (bridge's)
    files: tuple = ()  # every file read, the netlist's own first
    #: subcircuit calls by definition, to name ngspice's flattened names ('x1.n1') as the user
    #: wrote them: {scope: {x name, lowercase: (x name as written, called scope or None)}}
    calls: dict = field(default_factory=dict)
    #: circuit elements after every subcircuit is expanded (see MAX_ELEMENTS)
    n_elements: int = 0


def _kv_tokens(text: str):
    """Tokens with 'key = value' normalised to 'key=value' and parentheses removed (a random
    function such as ``agauss(40, 4, 1)`` is kept as one token: spicemem.bridge.variability)."""
    text = re.sub(r"\s*=\s*", "=", re.sub(r"[(),]", " ", protect(text)))
    return text.split()


def _parse_params(tokens, where: str, what: str) -> dict:
    params = {}
    for tok in tokens:
        if "=" not in tok or tok.startswith("=") or tok.endswith("="):
            raise NetlistError(f"{where}: malformed {what}: expected key=value, found {tok!r}")
        k, v = tok.split("=", 1)
        params[k.lower()] = v
    return params


# -- parsing -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Preview:
    """What a netlist will flatten to, known before it is flattened (for a resource check:
    :mod:`spicemem.bridge.resources`)."""

    source: str
    counts: list  # [(ModelCard, memristors of that card after expansion)]
    n_elements: int  # circuit elements after expansion
    tran: dict | None
    saves_given: bool


def read_netlist(path_or_text, *, name: str | None = None, budget=None) -> Netlist:
    """Read, check and rewrite a netlist.

    Parameters
    ----------
    path_or_text : str or os.PathLike
        A file path, or the netlist text itself (recognised by a newline in it).
    name : str, optional
        The name used in messages for a netlist given as text (default ``<netlist>``).
    budget : callable, optional
        Called with a :class:`Preview` before the netlist is flattened and rewritten (the
        costly steps for a netlist of 1e5-1e6 devices); it raises to refuse it.

    Raises
    ------
    NetlistError
        Anything that cannot be run or is not allowed, naming file and line.
    """
    src = read_source(path_or_text, name=name)
    net = _build(src.name, src.title, list(src.lines), budget)
    net.files = src.files
    check_text(net.text, net.origins)
    return net


def ngspice_title(title: str) -> str:
    """The title line the bridge sends ngspice: printable characters of the user's title only,
    so that nothing on line 1 can be read as a card."""
    clean = " ".join(_TITLE_CHARS.sub(" ", title).split())[:72]
    return f"spicemem: {clean}" if clean else "spicemem"


@dataclass
class _Parsed:
    """What one pass over the logical lines found (the netlist's structure, before
    flattening).  Scopes are subckt definition paths, () at the top level."""

    subckts: dict = field(default_factory=dict)  # scope -> _Subckt
    models: dict = field(default_factory=dict)  # (scope, name) -> ModelCard
    instances: dict = field(default_factory=dict)  # scope -> [Instance]
    xlines: dict = field(default_factory=dict)  # scope -> [tokens of an X line]
    globals_: set = field(default_factory=lambda: set(_GROUND))
    tran: dict | None = None
    saves_given: bool = False
    analyses: list = field(default_factory=list)
    memristor_lines: dict = field(default_factory=dict)  # line index -> Instance
    n_elements: dict = field(default_factory=dict)  # scope -> element lines written in it
    xwhere: dict = field(default_factory=dict)  # scope -> [Line] of its X lines (as xlines)
    funcs: dict = field(default_factory=dict)  # (scope, name) -> [(body, Line)] of .func lines
    calls: dict = field(default_factory=dict)  # scope -> [(Line, [called names])] outside .func
    model_lines: set = field(default_factory=set)  # line indices of memristor .model cards
    ended_at: int | None = None  # line index of .end

    def find_model(self, name, sc):
        """The card ``name`` seen from scope ``sc`` (innermost first), or None."""
        for k in range(len(sc), -1, -1):
            card = self.models.get((sc[:k], name))
            if card is not None:
                return card
        return None

    def find_subckt(self, name, sc):
        """The scope of subckt ``name`` seen from scope ``sc``, or None."""
        for k in range(len(sc), -1, -1):
            key = sc[:k] + (name,)
            if key in self.subckts:
                return key
        return None


def _build(source: str, title: str, lines: list, budget=None) -> Netlist:
    types = _devices.registry()
    parsed = _parse(source, lines, types)
    _check_models(parsed, types)
    n_elements = _check_expansion(parsed, source)
    if budget is not None:
        counts = _device_counts(parsed)
        budget(Preview(source, [(parsed.models[k], n) for k, n in counts.items()], n_elements,
                       parsed.tran, parsed.saves_given))
    devices = _flatten(parsed, source)
    text, origins = _rewrite(parsed, devices, source, title, lines, types)
    calls = {}
    for sc, xlines in parsed.xlines.items():
        for toks in xlines:
            pos = [t for t in toks[1:] if "=" not in t and t.lower() != "params:"]
            sub = parsed.find_subckt(pos[-1].lower(), sc) if pos else None
            calls.setdefault(sc, {})[toks[0].lower()] = (toks[0], sub)
    return Netlist(source, title, text, devices,
                   {k: v for k, v in parsed.models.items() if v.type in types}, parsed.tran,
                   parsed.saves_given, parsed.analyses, origins, calls=calls, n_elements=n_elements)


def _parse(source: str, lines: list, types) -> _Parsed:
    """One pass over the logical lines: subckts, model cards, memristor and X lines, analyses."""
    ps = _Parsed()
    scope: tuple = ()
    for i, ln in enumerate(lines):
        s = ln.text.strip()
        if not s or s.startswith("*"):
            continue
        if ps.ended_at is not None:
            continue  # ngspice ignores what follows .end (security was checked already)
        toks = s.split()
        head = toks[0].lower()
        where = ln.where
        if head == ".end":
            ps.ended_at = i
            continue
        if head == ".subckt":
            if len(toks) < 2:
                raise NetlistError(f"{where}: malformed .subckt: no name")
            ports = []
            for t in toks[2:]:
                if "=" in t or t.lower() == "params:":
                    break
                ports.append(t.lower())
            scope = scope + (toks[1].lower(),)
            if scope in ps.subckts:
                raise NetlistError(f"{where}: subcircuit {toks[1]!r} defined twice")
            ps.subckts[scope] = _Subckt(toks[1].lower(), ports, parent=scope[:-1])
            continue
        if head == ".ends":
            if not scope:
                raise NetlistError(f"{where}: .ends without .subckt")
            scope = scope[:-1]
            continue
        if head == ".global":
            ps.globals_.update(t.lower() for t in toks[1:])
            continue
        if head == ".model":
            kt = _kv_tokens(s)
            if len(kt) < 3:
                raise NetlistError(f"{where}: malformed .model line: expected '.model NAME TYPE (...)'")
            mtype = kt[2].lower()
            if mtype in types:
                card = ModelCard(kt[1].lower(), mtype, _parse_params(kt[3:], where, ".model parameter"),
                                 ln, scope)
                key = (scope, card.name)
                if key in ps.models:
                    raise NetlistError(f"{where}: model {kt[1]!r} defined twice")
                ps.models[key] = card
                ps.model_lines.add(i)
            else:
                ps.models.setdefault((scope, kt[1].lower()),
                                     ModelCard(kt[1].lower(), mtype, {}, ln, scope))
            continue
        if head == ".tran" and not scope:
            ps.tran = _parse_tran(toks, where)
            ps.tran["line_index"] = i
            ps.analyses.append("tran")
            continue
        if head in (".op", ".dc", ".ac", ".noise", ".tf", ".sens", ".pz", ".disto") and not scope:
            _check_sweep(head, toks, where)
            ps.analyses.append(head[1:])
            continue
        if head == ".save":
            ps.saves_given = True
            continue
        if head == ".func":
            name, body = _func_definition(s)
            if name is None:  # fail closed: '.func f.a(x) {f.a(x)}' crashed ngspice (SIGSEGV)
                raise NetlistError(f"{where}: refused: .func must read '.func NAME(ARGS) {{EXPR}}' "
                                   f"with NAME of letters, digits and '_'; found {s!r}")
            # ngspice accepts a second definition: both are checked
            ps.funcs.setdefault((scope, name), []).append((body, ln))
            continue
        if "(" in s:
            ps.calls.setdefault(scope, []).append((ln, _called_names(s)))
        if head[0] not in ".x":
            ps.n_elements[scope] = ps.n_elements.get(scope, 0) + 1
        if head[0] == "n":
            inst = _parse_instance(s, ln, scope)
            ps.instances.setdefault(scope, []).append(inst)
            ps.memristor_lines[i] = inst
            continue
        if head[0] == "x":
            ps.xlines.setdefault(scope, []).append(toks)
            ps.xwhere.setdefault(scope, []).append(ln)
            continue
    if scope:
        raise NetlistError(f"{source}: .subckt {scope[-1]!r} is not closed by .ends")
    return ps


def _check_models(ps: _Parsed, types) -> None:
    """Every memristor instance's model, in every definition (used or not), exists and is
    a memristor type."""
    for sc, insts in ps.instances.items():
        for inst in insts:
            card = ps.find_model(inst.model, sc)
            if card is None:
                raise NetlistError(f"{inst.line.where}: {inst.name}: model {inst.model!r} is not defined")
            if card.type not in types:
                known = ", ".join(sorted(types))
                raise NetlistError(f"{card.line.where}: model {card.name!r} has type {card.type!r}, "
                                   f"which is not a memristor type ({known}); used by {inst.name} "
                                   f"at {inst.line.where}")


#: Most circuit elements a netlist may expand to, every subcircuit instance flattened (a
#: memristor counts as the two elements the bridge writes for it).  Measured: 1e6 resistors
#: made by nested subcircuits cost ngspice 1.0 GB and 55 s to set up; ten instances per
#: definition, eight levels deep, would be 1e8 and exhaust the machine ("billion laughs").
MAX_ELEMENTS = 5 * 10**6


#: The longest one user function (``.func``) may become with every call in it expanded.
#: ngspice expands functions as text: twenty-four functions that each call the one before
#: twice make a 2e7-character expression, and ngspice never returns; one that calls itself
#: crashes the interpreter (measured, ngspice 39.3).
MAX_FUNC_CHARS = 10**5
#: Characters of expanded function text counted as one element in :data:`MAX_ELEMENTS`.
FUNC_CHARS_PER_ELEMENT = 100

_NAME_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(")
_FUNC_LINE = re.compile(r"\.func[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\([^)]*\)[ \t]*=?(.*)$",
                        re.IGNORECASE)


def _func_definition(text: str):
    """(lowercase name, body) of a ``.func NAME(ARGS) [=] {BODY}`` line, or (None, None) for
    a line of another form, which the caller refuses: a name this reader cannot follow into
    calls could hide a recursion (``.func f.a(x) {f.a(x)}`` crashed ngspice 39.3).  ngspice
    itself refuses a ``.func`` without an argument list."""
    m = _FUNC_LINE.match(text.strip())
    return (m.group(1).lower(), m.group(2)) if m else (None, None)


def _called_names(text: str) -> list:
    return [m.group(1).lower() for m in _NAME_CALL.finditer(text)]


def _check_functions(ps: _Parsed) -> dict:
    """Expanded length of every user function (memoised), refusing recursion and functions
    that expand past :data:`MAX_FUNC_CHARS`; returns scope -> expanded characters of the
    function calls written in that scope outside ``.func`` lines."""
    size: dict = {}
    active: list = []

    def find(name, sc):
        for k in range(len(sc), -1, -1):
            if (sc[:k], name) in ps.funcs:
                return (sc[:k], name)
        return None

    def expanded(key) -> int:
        if key in size:
            return size[key]
        if key in active:
            ln = ps.funcs[key][0][1]
            cycle = " -> ".join(k[1] for k in active[active.index(key):] + [key])
            raise NetlistError(f"{ln.where}: refused: .func {key[1]!r} calls itself ({cycle}); "
                               f"ngspice would recurse until it crashes")
        active.append(key)
        longest = 0
        for body, ln in ps.funcs[key]:
            n = len(body)
            for name in _called_names(body):
                callee = find(name, key[0])
                if callee is not None:
                    n += expanded(callee)
                    if n > MAX_FUNC_CHARS:
                        raise NetlistError(f"{ln.where}: refused: .func {key[1]!r} expands to more "
                                           f"than {MAX_FUNC_CHARS} characters (functions that call "
                                           f"functions several times multiply)")
            longest = max(longest, n)
        active.pop()
        size[key] = longest
        return longest

    for key in ps.funcs:
        expanded(key)
    cost: dict = {}
    for sc, lines in ps.calls.items():
        for ln, names in lines:
            for name in names:
                callee = find(name, sc)
                if callee is not None:
                    cost[sc] = cost.get(sc, 0) + size[callee]
    return cost


def _check_expansion(ps: _Parsed, source: str) -> int:
    """Refuse a netlist whose subcircuits expand to more than :data:`MAX_ELEMENTS`
    elements (user-function text counted too, see :func:`_check_functions`), or that
    instantiates a subcircuit inside itself, before anything is expanded; return the count.

    Counts per definition, memoised, so the check costs one pass over the definitions
    however large the expansion would be."""
    func_chars = _check_functions(ps)
    size: dict = {}
    active: list = []

    def count(sc, via=None) -> int:
        if sc in size:
            return size[sc]
        if sc in active:
            cycle = " -> ".join(k[-1] for k in active[active.index(sc):] + [sc])
            raise NetlistError(f"{via.where}: refused: subcircuit {sc[-1]!r} instantiates itself "
                               f"({cycle}): a recursive definition never ends")
        active.append(sc)
        n = (ps.n_elements.get(sc, 0) + len(ps.instances.get(sc, []))
             + func_chars.get(sc, 0) // FUNC_CHARS_PER_ELEMENT)
        for toks, ln in zip(ps.xlines.get(sc, []), ps.xwhere.get(sc, [])):
            pos = [t for t in toks[1:] if "=" not in t and t.lower() != "params:"]
            sub = ps.find_subckt(pos[-1].lower(), sc) if pos else None
            if sub is None:
                continue  # not defined here: ngspice reports unknown subcircuits itself
            n += count(sub, ln)
            if n > MAX_ELEMENTS:
                raise NetlistError(f"{ln.where}: refused: {toks[0]} makes the netlist expand to "
                                   f"more than {MAX_ELEMENTS:.0e} elements (subcircuits that "
                                   f"multiply: {pos[-1]!r} alone has {count(sub):.3g})")
        active.pop()
        size[sc] = n
        return n

    return count(())


def _device_counts(ps: _Parsed) -> dict:
    """{(card scope, card name): memristors of that card after expansion}, counted per
    definition (memoised, as :func:`_check_expansion`, which has refused recursion already)
    without expanding."""
    memo: dict = {}

    def count(sc) -> dict:
        if sc in memo:
            return memo[sc]
        out: dict = {}
        for inst in ps.instances.get(sc, []):
            card = ps.find_model(inst.model, sc)
            key = (card.scope, card.name)
            out[key] = out.get(key, 0) + 1
        for toks in ps.xlines.get(sc, []):
            pos = [t for t in toks[1:] if "=" not in t and t.lower() != "params:"]
            sub = ps.find_subckt(pos[-1].lower(), sc) if pos else None
            if sub is not None:
                for card, n in count(sub).items():
                    out[card] = out.get(card, 0) + n
        memo[sc] = out
        return out

    return count(())


def _flatten(ps: _Parsed, source: str) -> list:
    """The flattened devices: depth-first over X instances from the top level, in netlist
    order, with hierarchical names, source names and flattened node names."""
    devices: list = []

    def walk(sc, path, path_written, portmap, depth):
        if depth > 64:
            raise NetlistError(f"{source}: subcircuits nested deeper than 64 (recursive definition?)")

        def flat(node):
            n = node.lower()
            if n in portmap:
                return portmap[n]
            if n in ps.globals_:
                return "" if n in _GROUND else n
            return ".".join(path + (n,)) if path else n

        for inst in ps.instances.get(sc, []):
            card = ps.find_model(inst.model, sc)
            lname = inst.name.lower()
            key = ".".join(path + (lname,))
            src = f"ismg_{lname}" if not path else "i." + ".".join(path) + f".ismg_{lname}"
            devices.append(Device(len(devices), ".".join(path_written + (inst.name,)), key, src,
                                  flat(inst.node_plus), flat(inst.node_minus), card, inst))
        for toks in ps.xlines.get(sc, []):
            # X<name> nodes... SUBNAME [params:] [k=v ...]
            pos = [t for t in toks[1:] if "=" not in t and t.lower() != "params:"]
            if not pos:
                continue
            sub_key = ps.find_subckt(pos[-1].lower(), sc)
            if sub_key is None:
                continue  # not ours: ngspice reports unknown subcircuits itself
            if not _contains_memristors(sub_key, ps.instances, ps.xlines, ps.subckts, ps.find_subckt):
                continue
            ports = ps.subckts[sub_key].ports
            actual = [flat(t) for t in pos[:-1]]
            if len(actual) != len(ports):
                raise NetlistError(f"{source}: {toks[0]}: subcircuit {pos[-1]!r} has {len(ports)} "
                                   f"ports, the instance connects {len(actual)}")
            walk(sub_key, path + (toks[0].lower(),), path_written + (toks[0],),
                 dict(zip(ports, actual)), depth + 1)

    walk((), (), (), {}, 0)
    return devices


def _rewrite(ps: _Parsed, devices: list, source: str, title: str, lines: list, types):
    """The text ngspice gets, and where each of its lines came from ('file:line' or None
    for the bridge's own)."""
    out = [ngspice_title(title)]
    origins: list = [None]
    gscales = {}

    def emit(text, ln=None):
        out.append(text)
        origins.append(ln.where if ln is not None else None)

    def gscale(card):
        key = (card.scope, card.name)
        if key not in gscales:
            gscales[key] = float(types[card.type].g_scale(_devices.model_params(card)))
        return gscales[key]

    used_names = {d.instance.name.lower() for d in devices}
    text_low = "\n".join(ln.text.lower() for ln in lines)
    # Names in the text: maximal runs of word characters not preceded by '.' (a reserved name
    # of word characters is used iff it is one of them); one pass over the text, not one
    # search per device and name (that was ~1 s at 1024 devices).
    words = set(re.findall(r"(?<![\w.])\w+", text_low))
    for nm in sorted(used_names):
        for reserved in (f"smg_{nm}", f"bsm_{nm}", f"ismg_{nm}", f"rsmg_{nm}"):
            if (reserved in words if re.fullmatch(r"\w+", reserved) else
                    re.search(rf"(?<![\w.]){re.escape(reserved)}(?![\w])", text_low)):
                raise NetlistError(f"{source}: the name {reserved!r} is reserved by the bridge for "
                                   f"memristor {nm}; rename it")
    tran = ps.tran
    for i, ln in enumerate(lines):
        if ps.ended_at is not None and i >= ps.ended_at:
            break
        if i in ps.model_lines:
            continue  # a memristor model: handled by spicemem, ngspice never sees it
        if i in ps.memristor_lines:
            inst = ps.memristor_lines[i]
            card = ps.find_model(inst.model, inst.scope)
            gs = gscale(card)
            nm = inst.name.lower()
            a, b = inst.node_plus.lower(), inst.node_minus.lower()
            expr = types[card.type].expression
            if expr is None:
                emit(f"bsm_{nm} {a} {b} I=V({a},{b})*V(smg_{nm})*{gs!r}", ln)
            else:  # a device whose current is not linear in its voltage (drift)
                body = expr(a, b, f"smg_{nm}", _devices.model_params(card), gs)
                emit(f"bsm_{nm} {a} {b} I={body}", ln)
            emit(f"ismg_{nm} 0 smg_{nm} external", None)
            emit(f"rsmg_{nm} smg_{nm} 0 {STATE_OHMS} noisy=0", None)
            continue
        if tran is not None and i == tran["line_index"] and tran["tstart"] > 0.0:
            emit(_tran_line(tran), ln)
            continue
        emit(ln.text.strip(), ln)
    if ps.saves_given and devices:
        nodes = sorted({n for d in devices for n in (d.node_plus, d.node_minus) if n})
        for k in range(0, len(nodes), 20):
            emit(".save " + " ".join(f"v({n})" for n in nodes[k:k + 20]))
    if not devices:
        # No memristor, so no external source through which a Ctrl-C can stop ngspice: add
        # one idle source on a node of its own (see spicemem.bridge.callbacks.get_vsrc).
        emit(f"{GUARD_SOURCE} 0 smg__guard external")
        emit(f"rsmg__guard smg__guard 0 {STATE_OHMS} noisy=0")
    emit(".end")
    return "\n".join(out) + "\n", origins


def _contains_memristors(key, instances, xlines, subckts, find_subckt, _seen=None):
    seen = set() if _seen is None else _seen
    if key in seen:
        return False
    seen.add(key)
    if instances.get(key):
        return True
    for toks in xlines.get(key, []):
        pos = [t for t in toks[1:] if "=" not in t and t.lower() != "params:"]
        if not pos:
            continue
        sub = find_subckt(pos[-1].lower(), key)
        if sub is not None and _contains_memristors(sub, instances, xlines, subckts, find_subckt, seen):
            return True
    # nested definitions are reachable only through X lines
    return False


def _parse_instance(s: str, ln: Line, scope: tuple) -> Instance:
    toks = _kv_tokens(s)
    pos = [t for t in toks if "=" not in t]
    kv = [t for t in toks if "=" in t]
    where = ln.where
    if len(pos) != 4:
        raise NetlistError(f"{where}: malformed memristor line: expected "
                           f"'N<name> n+ n- MODEL [seed=..] [temp=..]', found {len(pos) - 1} "
                           f"fields after the name")
    if any("=" in t for t in toks[:4]):
        raise NetlistError(f"{where}: malformed memristor line: key=value before the model name")
    params = _parse_params(kv, where, "instance parameter")
    return Instance(pos[0], pos[1], pos[2], pos[3].lower(), params, ln, scope)


def _parse_tran(toks, where: str) -> dict:
    args = [t for t in toks[1:] if t.lower() != "uic"]
    if len(args) < 2:
        raise NetlistError(f"{where}: malformed .tran: expected '.tran TSTEP TSTOP [TSTART [TMAX]] [uic]'")
    try:
        vals = [spice_number(a) for a in args[:4]]
    except ValueError as exc:
        raise NetlistError(f"{where}: malformed .tran: {exc}") from None
    tstep, tstop = vals[0], vals[1]
    tstart = vals[2] if len(vals) > 2 else 0.0
    tmax = vals[3] if len(vals) > 3 else None
    if not (tstop > 0 and tstep > 0 and 0 <= tstart < tstop):
        raise NetlistError(f"{where}: malformed .tran: need 0 < TSTEP, 0 <= TSTART < TSTOP")
    if tmax is not None and not tmax > 0:
        raise NetlistError(f"{where}: malformed .tran: TMAX must be > 0, found {args[3]!r}")
    # ngspice's largest time step is TMAX, else min(TSTEP, TSTOP/50) (traninit.c); the
    # bridge runs from t = 0. Fewer steps than this cannot cover the run.
    largest = tmax if tmax is not None else min(tstep, tstop / 50.0)
    _check_points(".tran", tstop / largest, where,
                  "raise TSTEP (or TMAX) or shorten TSTOP")
    return {"tstep": tstep, "tstop": tstop, "tstart": tstart, "tmax": tmax,
            "uic": any(t.lower() == "uic" for t in toks[1:]), "where": where, "args": args}


#: The most points (time steps at ngspice's largest step, sweep values, frequencies) an
#: analysis may ask for.  ngspice accepts any count and never returns from a sweep whose step
#: is 0 or a run of 1e12 steps, so a netlist -- untrusted input -- could hang the bridge; 1e8
#: points is hours of ngspice even for a tiny circuit, far beyond any sensible run.
MAX_POINTS = 10**8


def _check_points(what: str, points: float, where: str, hint: str) -> None:
    if not points <= MAX_POINTS:      # also catches nan and inf
        raise NetlistError(f"{where}: {what} would need {points:.3g} points, more than the limit "
                           f"of {MAX_POINTS:.0e}: {hint}")


def _sweep_number(text: str, what: str, where: str) -> float:
    try:
        return spice_number(text)
    except ValueError:
        raise NetlistError(f"{where}: {what} must be a number, found {text!r} (the bridge checks "
                           f"a sweep's extent before ngspice runs it)") from None


def _check_frequency_sweep(head: str, spec: list, where: str) -> None:
    """``dec|oct|lin N FSTART FSTOP`` of .ac/.noise/.disto: a finite number of frequencies."""
    if len(spec) < 4 or spec[0].lower() not in ("dec", "oct", "lin"):
        return                           # ngspice reports the malformed line itself
    n = _sweep_number(spec[1], f"{head}'s point count", where)
    f1 = _sweep_number(spec[2], f"{head}'s start frequency", where)
    f2 = _sweep_number(spec[3], f"{head}'s stop frequency", where)
    if spec[0].lower() == "lin" or not (f1 > 0 and f2 > 0):
        points = n                       # ngspice refuses f <= 0 on a log sweep itself
    else:
        span = math.log10(f2 / f1) if spec[0].lower() == "dec" else math.log2(f2 / f1)
        points = n * abs(span) + 1
    _check_points(head, points, where, "use fewer points per interval or a narrower range")


def _check_sweep(head: str, toks: list, where: str) -> None:
    """Refuse an analysis whose sweep never ends or is absurdly long (see MAX_POINTS)."""
    if head == ".dc":
        args = toks[1:]
        for k in range(0, len(args) - 3, 4):    # SRC START STOP STEP [SRC2 START2 STOP2 STEP2]
            start, stop, step = (_sweep_number(a, f".dc {args[k]}'s {w}", where)
                                 for a, w in zip(args[k + 1:k + 4], ("start", "stop", "step")))
            if step == 0:
                raise NetlistError(f"{where}: .dc {args[k]} has step 0: the sweep from {args[k + 1]} "
                                   f"to {args[k + 2]} would never end")
            _check_points(".dc", abs(stop - start) / abs(step) + 1, where,
                          "use a larger step or a narrower range")
    elif head in (".ac", ".disto"):
        _check_frequency_sweep(head, toks[1:], where)
    elif head == ".noise":
        _check_frequency_sweep(head, toks[3:], where)   # .noise V(OUT[,REF]) SRC dec N F1 F2


def _tran_line(tran: dict) -> str:
    # Devices must be advanced from t = 0: ngspice sends no data before TSTART, so the
    # bridge runs from 0 and drops the earlier points from the results itself.
    parts = [".tran", tran["args"][0], tran["args"][1], "0", *tran["args"][3:4]]
    if tran["uic"]:
        parts.append("uic")
    return " ".join(parts)
