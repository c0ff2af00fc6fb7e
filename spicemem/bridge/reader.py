"""Reading a netlist the way ngspice reads it: files, title, continuations, comments, includes.

A netlist is untrusted input.  This module turns the user's file (and every file it
includes) into the logical lines that ngspice would see, so that the allow-list check of
:mod:`spicemem.bridge.allowlist` judges exactly what ngspice gets.  It mirrors the reader of
ngspice 39.3 (``src/frontend/inpcom.c``):

* **Title.**  The first line of the top-level file is the title, whatever it is (blank, a
  comment, an element, a dot card).  Nothing on it is read; the bridge sends ngspice a title
  of its own (see :mod:`spicemem.bridge.netlist`), because ngspice would still expand an
  ``.include`` written on line 1.
* **Continuations.**  A line whose first non-blank character is ``+`` continues the last
  non-comment line before it; comment and blank lines in between are skipped (ngspice's
  ``inp_stitch_continuation_lines``).  Continuations are joined *before* includes are
  expanded, so an ``.include`` whose file name sits on a ``+`` line is seen whole.
* **Comments.**  A line whose first non-blank character is ``*`` is a comment, except ``*#``
  lines, which ngspice executes as commands (refused).  Inline comments, as ngspice strips
  them: ``;`` anywhere, ``$`` after a blank, ``//``.
* **Includes.**  ngspice matches dot cards case-insensitively as prefixes: every card that
  starts with ``.inc`` (``.include``, ``.incl``, ``.inc_``, ``.INCLUDEX``) includes a file, every
  card that starts with ``.lib`` (``.lib``, ``.LIBRARY``, ``.libx``) includes a library
  section.  The reader expands them all itself: a relative name is resolved against the
  including file's folder (the working directory for a netlist given as text); only
  regular files of at most :data:`MAX_FILE_BYTES` are read; nesting is limited to
  :data:`MAX_INCLUDE_DEPTH`, and a file that is already being read higher up the chain is a
  cycle.  A netlist reads at most :data:`MAX_INCLUDES` included files and
  :data:`MAX_TOTAL_BYTES` in all: without that bound ten ``.include`` lines per file, eight
  files deep, expand to 1e8 lines and the reader never returns (an "include bomb").
  ``.end`` inside an included file is dropped, as ngspice does; lines after the top-level
  ``.end`` are not read.
* **Characters.**  Control characters (NUL included) are refused anywhere; outside comments
  only ASCII is accepted, so that blanks are exactly space and tab for both readers.

Every refusal is a :class:`~spicemem.errors.NetlistError` naming file and line.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import NetlistError

MAX_INCLUDE_DEPTH = 16
#: Largest file the reader opens (a 64x64 crossbar netlist is ~0.5 MB).
MAX_FILE_BYTES = 64 << 20
#: Most include/library reads one netlist may make (counting a file each time it is read).
MAX_INCLUDES = 10_000
#: Most bytes one netlist may read in all, its own file and every include counted each time.
MAX_TOTAL_BYTES = 2 * MAX_FILE_BYTES

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_BLANK = " \t"
_BLANKS = re.compile(r"[ \t]+")
_CONTROL_NAMES = {0: "NUL", 0x1b: "ESC", 0x0c: "form feed", 0x0b: "vertical tab", 0x0d: "carriage return"}


@dataclass(frozen=True)
class Line:
    """One logical line (continuations joined, comments removed) and where it came from."""

    text: str
    file: str
    lineno: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.lineno}"


@dataclass(frozen=True)
class Source:
    """A netlist as read: its name, its title line, its logical lines, the files read."""

    name: str
    title: str
    lines: tuple
    files: tuple  # resolved paths of every file read, the netlist's own first


def split_blanks(text: str) -> list:
    """Tokens separated by blanks exactly as ngspice separates them (space and tab)."""
    return [t for t in _BLANKS.split(text.strip(_BLANK)) if t]


def strip_inline_comment(text: str) -> str:
    """``text`` without its inline comment (ngspice: ``;`` anywhere, ``$`` after a blank,
    ``//``)."""
    cut = len(text)
    for m in (re.search(r";", text), re.search(r"[ \t]\$", text), re.search(r"//", text)):
        if m is not None:
            cut = min(cut, m.start())
    return text[:cut].rstrip(_BLANK)


def read_source(path_or_text, *, name: str | None = None) -> Source:
    """Read a netlist file (or text: anything containing a newline) and everything it includes.

    Returns the logical lines ngspice would see after its own reading, with their origin.
    """
    if isinstance(path_or_text, Path) or "\n" not in str(path_or_text):
        p = Path(path_or_text)
        source = str(p)
        if not p.is_file():
            raise NetlistError(f"netlist file not found: {source!r}")
        text = _read_file(p, source)
        base = p.resolve().parent
        chain = (str(p.resolve()),)
    else:
        source = name or "<netlist>"
        text = str(path_or_text)
        base = Path.cwd()
        chain = ()
    phys = _physical(text, source)
    if not phys:
        raise NetlistError(f"{source}: empty netlist")
    title = phys[0][0]
    reads = _Reads(list(chain), len(text.encode("utf-8", errors="replace")), 0)
    lines = _expand(_join(phys[1:], source), base, chain, reads, top=True)
    return Source(source, title, tuple(lines), tuple(reads.files))


@dataclass
class _Reads:
    """What one netlist has read so far: the files (each once, in order) and the totals that
    bound the expansion (:data:`MAX_INCLUDES`, :data:`MAX_TOTAL_BYTES`)."""

    files: list
    n_bytes: int
    n_includes: int


# -- physical lines ------------------------------------------------------------------------------
def _physical(text: str, fname: str):
    out = []
    for k, raw in enumerate(text.split("\n")):
        raw = raw[:-1] if raw.endswith("\r") else raw
        m = _CONTROL.search(raw)
        if m is not None:
            code = ord(m.group())
            label = _CONTROL_NAMES.get(code, f"0x{code:02x}")
            raise NetlistError(f"{fname}:{k + 1}: refused: control character {label} "
                               f"(0x{code:02x}) at column {m.start() + 1}")
        out.append((raw, fname, k + 1))
    if out and out[-1][0] == "":
        out.pop()  # the newline that ends the last line
    return out


def _is_comment(s: str) -> bool:
    return s.startswith("*")


def _join(phys, fname: str) -> list:
    """Logical lines of one file: comments dropped, inline comments stripped, ``+`` lines
    joined to the last non-comment line."""
    lines: list = []
    for raw, f, n in phys:
        s = raw.strip(_BLANK)  # blanks as ngspice has them; Python's strip() also eats U+00A0
        if not s:
            continue
        if s.startswith("*#"):
            raise NetlistError(f"{f}:{n}: refused: '*#' lines are ngspice commands; a netlist may "
                               f"not run commands")
        if _is_comment(s):
            continue
        s = strip_inline_comment(s)
        m = _NON_ASCII.search(s)
        if m is not None:
            raise NetlistError(f"{f}:{n}: refused: non-ASCII character U+{ord(m.group()):04X} "
                               f"outside a comment")
        if s.startswith("+"):
            if not lines:
                raise NetlistError(f"{f}:{n}: a continuation line ('+') with no line before it "
                                   f"to continue")
            prev = lines[-1]
            body = s[1:].strip(_BLANK)
            lines[-1] = Line(f"{prev.text} {body}" if body else prev.text, prev.file, prev.lineno)
            continue
        if not s:
            continue
        lines.append(Line(s, f, n))
    return lines


def _read_file(path: Path, where: str) -> str:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise NetlistError(f"{where}: file not found: {str(path)!r}") from None
    except OSError as exc:
        raise NetlistError(f"{where}: cannot read {str(path)!r}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise NetlistError(f"{where}: refused: {str(path)!r} is not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise NetlistError(f"{where}: refused: {str(path)!r} has {st.st_size} bytes, more than "
                           f"the {MAX_FILE_BYTES} a netlist file may have")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise NetlistError(f"{where}: cannot read {str(path)!r}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise NetlistError(f"{where}: refused: {str(path)!r} is larger than {MAX_FILE_BYTES} bytes")
    return data.decode("utf-8", errors="replace")


# -- includes ------------------------------------------------------------------------------------
def _card(line: Line) -> str:
    toks = split_blanks(line.text)
    return toks[0].lower() if toks else ""


def _file_argument(rest: str, where: str, card: str):
    """The file name after an include card (quotes removed) and what follows it."""
    rest = rest.strip(_BLANK)
    if not rest:
        raise NetlistError(f"{where}: {card} needs a file name")
    if rest[0] in "\"'":
        end = rest.find(rest[0], 1)
        if end < 0:
            raise NetlistError(f"{where}: {card}: unclosed quote in the file name")
        return rest[1:end], rest[end + 1:].strip(_BLANK)
    toks = split_blanks(rest)
    return toks[0], " ".join(toks[1:])


def _resolve(target: str, base: Path) -> Path:
    p = Path(os.path.expanduser(target))
    return p if p.is_absolute() else base / p


def _expand(lines, base: Path, chain: tuple, reads: _Reads, top: bool = False) -> list:
    out = []
    for ln in lines:
        card = _card(ln)
        if card == ".end":
            if top:
                break  # ngspice reads nothing after the top-level .end
            continue  # .end inside an included file is dropped
        if card.startswith(".inc") or card.startswith(".lib"):
            out.extend(_include(ln, card, base, chain, reads))
            continue
        if card.startswith(".endl"):
            raise NetlistError(f"{ln.where}: {card} without a .lib section around it")
        out.append(ln)
    return out


def _include(ln: Line, card: str, base: Path, chain: tuple, reads: _Reads) -> list:
    where = ln.where
    rest = ln.text.strip(_BLANK)[len(card):]
    target, tail = _file_argument(rest, where, card)
    if card.startswith(".lib"):
        section = split_blanks(tail)
        if len(section) != 1:
            raise NetlistError(f"{where}: {card} expects a file and one section name "
                               f"('.lib FILE SECTION'), found {ln.text.strip()!r}")
        section = section[0]
    elif tail:
        raise NetlistError(f"{where}: {card} expects one file name, found {ln.text.strip()!r}")
    if len(chain) >= MAX_INCLUDE_DEPTH:
        raise NetlistError(f"{where}: includes nested deeper than {MAX_INCLUDE_DEPTH}")
    reads.n_includes += 1
    if reads.n_includes > MAX_INCLUDES:
        raise NetlistError(f"{where}: refused: more than {MAX_INCLUDES} .include/.lib reads in one "
                           f"netlist (includes that multiply: each file read counts every time)")
    path = _resolve(target, base)
    text = _read_file(path, where)
    reads.n_bytes += len(text.encode("utf-8", errors="replace"))
    if reads.n_bytes > MAX_TOTAL_BYTES:
        raise NetlistError(f"{where}: refused: the netlist and its includes exceed {MAX_TOTAL_BYTES} "
                           f"bytes in all (includes that multiply: each file read counts every time)")
    real = str(path.resolve())
    if real in chain:
        raise NetlistError(f"{where}: refused: include cycle: {real!r} includes itself")
    if real not in reads.files:
        reads.files.append(real)
    logical = _join(_physical(text, str(path)), str(path))
    if card.startswith(".lib"):
        logical = _lib_section(logical, section, str(path), where)
    return _expand(logical, path.parent, chain + (real,), reads)


def _lib_section(lines, section: str, fname: str, where: str) -> list:
    """The logical lines of ``.lib SECTION`` ... ``.endl`` in a library file."""
    out = []
    inside = False
    for ln in lines:
        toks = split_blanks(ln.text)
        low = [t.lower() for t in toks]
        if not inside:
            if len(low) == 2 and low[0].startswith(".lib") and low[1] == section.lower():
                inside = True
            continue
        if low and low[0].startswith(".endl"):
            return out
        out.append(ln)
    if inside:
        raise NetlistError(f"{where}: section {section!r} of library {fname!r} is not closed by .endl")
    raise NetlistError(f"{where}: section {section!r} not found in library {fname!r}")
