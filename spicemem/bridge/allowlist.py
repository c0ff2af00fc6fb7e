"""The allow-list: what the bridge lets ngspice read.

The bridge checks the **exact text it hands to ngspice**, line by line, after it has read,
expanded and rewritten the user's netlist (:mod:`spicemem.bridge.reader`,
:mod:`spicemem.bridge.netlist`).  A line passes only if it is one of these; everything else
is refused with the file and line it came from.  An allow-list fails closed: a spelling that
nobody thought of (``.incl``, ``.LIBRARY``, ``.exec``, ``.control2``) is not on it.

Dot cards (first word, compared whole, any case) -- each reads no file and runs nothing:

========================  ========================================================================
``.title``                sets the title text
``.model``                device parameters (the type must be in :data:`MODEL_TYPES`)
``.subckt`` ``.ends``     subcircuit definitions
``.param`` ``.func``      numbers and expressions (numparam has no file or shell functions)
``.global``               global node names
``.options`` (``.option``, ``.opt``)  simulator tolerances and switches, names in :data:`OPTIONS`
``.temp``                 circuit temperature
``.ic`` ``.nodeset``      initial node voltages
``.save`` ``.probe``      which vectors ngspice keeps (in memory; the bridge writes the files)
``.print`` ``.plot`` ``.four``  output requests; in shared-library mode they print to the
                          text callback only and write no file
``.meas`` ``.measure``    measurements of the results (printed, no file)
``.width``                listing width
``.csparam``              a parameter for ``.control`` scripts (which are refused)
``.tran`` ``.op`` ``.dc`` ``.ac`` ``.noise`` ``.tf`` ``.sens`` ``.pz`` ``.disto``  analyses
``.end``                  the end of the netlist
========================  ========================================================================

Not on the list, for example: ``.include``/``.lib`` and every card starting so (ngspice
matches them as prefixes; the bridge has already expanded them itself, so none is left),
``.control``/``.endc`` (command scripts), ``.exec`` (commands before the circuit is parsed),
``.if``/``.else``/``.endif`` (the bridge would have to evaluate them to know which
memristors exist), ``.spiceinit``, ``.osdi``.

Element lines: the first letter must be one of :data:`ELEMENT_LETTERS` -- the SPICE
primitives and subcircuit calls.  ``A`` (XSPICE code models: ``filesource``, ``d_source``
and ``d_state`` read files named on their ``.model`` card) and ``N`` (OSDI devices; the
bridge's own ``N`` memristor lines are rewritten before this check) are refused.  A voltage
or current source may not be ``external``: that keyword is how the bridge's conductance
sources talk to it.
"""

from __future__ import annotations

import re

from ..errors import NetlistError
from .reader import split_blanks

#: Dot cards ngspice may receive (first word, lowercase, compared whole).
DOT_CARDS = frozenset({
    ".title", ".model", ".subckt", ".ends", ".param", ".func", ".global",
    ".options", ".option", ".opt", ".temp", ".ic", ".nodeset", ".save", ".probe",
    ".print", ".plot", ".four", ".meas", ".measure", ".width", ".csparam",
    ".tran", ".op", ".dc", ".ac", ".noise", ".tf", ".sens", ".pz", ".disto", ".end",
})

#: Model types of ngspice's built-in devices (manual, "Device models"); XSPICE code models
#: are absent on purpose (their A elements are refused), and so are the CIDER numerical
#: devices (numd, nbjt, numos), whose cards can name output files.
MODEL_TYPES = frozenset({
    "r", "res", "c", "l", "sw", "csw", "urc", "ltra", "txl", "cpl", "d", "npn", "pnp",
    "njf", "pjf", "nmos", "pmos", "nmf", "pmf", "nhfet", "phfet", "vdmos",
})

#: ``.options`` names (ngspice manual, "Simulator variables" and "Options"): tolerances,
#: iteration limits, integration method and device defaults.  None of them names a file.
OPTIONS = frozenset({
    "abstol", "reltol", "vntol", "chgtol", "trtol", "gmin", "gminsteps", "gminfactor",
    "gshunt", "cshunt", "rshunt", "pivtol", "pivrel", "itl1", "itl2", "itl3", "itl4", "itl5",
    "itl6", "srcsteps", "tnom", "temp", "method", "maxord", "maxstep", "noopiter",
    "keepopinfo", "savecurrents", "sparse", "noinit", "norefvalue", "interp", "ramptime",
    "xmu", "defad", "defas", "defl", "defw", "scale", "seed", "bypass", "trytocompact",
    "badmos3", "noopac", "opts", "acct", "noacct", "list", "nolist", "nomod", "node", "nopage",
    "warn", "maxwarns", "autostop", "klu", "fpprec", "minbreak", "delmin", "numdgt",
})

#: First letters of the elements ngspice may receive.
ELEMENT_LETTERS = frozenset("bcdefghijklmopqrstuvwxyz")

#: Front-end commands that run programs or load code.  ngspice reads a line outside a
#: ``.control`` block as an element, never as a command, so these are refused for clarity:
#: a line ``shell rm -rf /`` is a mistake or an attack, not a switch named "shell".
COMMAND_WORDS = frozenset({"shell", "codemodel", "osdi", "pre_osdi", "source", "load", "exec",
                           "system", "setcs"})

_HINTS = ((".control", ": .control blocks run ngspice commands; the analysis lines (.tran, .op) "
                       "and .save are enough"),
          (".endc", ": .control blocks run ngspice commands"),
          (".exec", ": .exec blocks run ngspice commands"),
          (".if", ": conditional netlists are not supported by the bridge"),
          (".el", ": conditional netlists are not supported by the bridge"))

#: The one form of an external source: the bridge's conductance source of a memristor.
_BRIDGE_SOURCE = re.compile(r"^ismg_[a-z0-9_]+ 0 smg_[a-z0-9_]+ external$")
_OPTION_NAME = re.compile(r"^([a-z_][a-z0-9_]*)", re.IGNORECASE)
_MODEL_TYPE = re.compile(r"^([a-z][a-z0-9_]*)", re.IGNORECASE)


def check_line(text: str, bridge: bool = False) -> str | None:
    """Why ``text`` (one line as ngspice gets it) is refused, or None if it is allowed.

    ``bridge``: the line is one the bridge wrote itself (it may be a conductance source).
    """
    if bridge and not _BRIDGE_SOURCE.match(text) and " external" in text.lower():
        return "an external source not of the bridge's form"
    if re.search(r"[^\x20-\x7e\t]", text):
        return "a character other than printable ASCII"
    toks = split_blanks(text)
    if not toks:
        return None
    head = toks[0].lower()
    first = head[0]
    if first == ".":
        if head not in DOT_CARDS:
            hint = next((h for p, h in _HINTS if head.startswith(p)), "")
            return (f"{head} is not on the bridge's allow-list of netlist cards{hint} "
                    f"(docs/bridge.md, 'Security')")
        if head == ".model":
            return _check_model(toks)
        if head in (".options", ".option", ".opt"):
            return _check_options(text)
        return None
    if first.isalpha():
        if head in COMMAND_WORDS:
            return (f"{head!r} is an ngspice command that runs programs or loads code; a netlist "
                    f"may not run commands")
        if first not in ELEMENT_LETTERS:
            what = {"a": "XSPICE code-model elements (A...) can read files",
                    "n": "N lines are memristors of a type the bridge knows, or nothing"}
            return f"the element {toks[0]!r}: " + what.get(first, "not an ngspice element")
        if first in "vi" and any(t.lower() == "external" for t in toks[1:]) and not bridge:
            return (f"the source {toks[0]!r} is 'external': external sources are reserved for "
                    f"the bridge's memristors")
        return None
    return f"a line starting with {toks[0][0]!r} is neither an element nor a dot card"


def _check_model(toks) -> str | None:
    if len(toks) < 3 and not (len(toks) == 2 and "(" in toks[1]):
        return "a .model card needs a name and a type"
    rest = " ".join(toks[2:]) if len(toks) > 2 else toks[1].split("(", 1)[1]
    m = _MODEL_TYPE.match(rest)
    mtype = m.group(1).lower() if m else rest[:16]
    if mtype not in MODEL_TYPES:
        return (f"the model type {mtype!r} is not on the bridge's allow-list of ngspice device "
                f"models (memristor types are handled by the bridge; XSPICE code models are refused)")
    return None


def _check_options(text: str) -> str | None:
    body = re.sub(r"\s*=\s*", "=", text.strip())
    for tok in split_blanks(body)[1:]:
        m = _OPTION_NAME.match(tok)
        if m is None or m.group(1).lower() not in OPTIONS:
            return f"the option {tok.split('=')[0]!r} is not on the bridge's allow-list of .options"
    return None


def check_text(text: str, origins) -> None:
    """Refuse ``text`` unless every line but the first (the bridge's own title) is allowed.

    ``origins[k]`` names where line k came from (``file:line``), or is None for a line the
    bridge wrote itself.  Raises NetlistError naming the first refused line.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(origins):
        raise NetlistError(f"internal error: {len(lines)} lines but {len(origins)} origins")
    for k, line in enumerate(lines[1:], start=1):
        if not line.strip():
            raise NetlistError(f"internal error: blank line {k + 1} in the text for ngspice")
        why = check_line(line, bridge=origins[k] is None and bool(_BRIDGE_SOURCE.match(line)))
        if why is not None:
            where = origins[k] or "<bridge>"
            raise NetlistError(f"{where}: refused: {why}")
