"""Fuzzing the netlist path: generated netlists through ``spicemem run`` in a guarded process.

Used by ``tests/test_fuzz_netlists.py`` (a few examples in the suite) and
``bench/fuzz_netlists.py`` (the long hunt).  Four parts:

* **a grammar** of ngspice-ish netlists (hypothesis strategies): elements of every letter,
  memristor lines and ``.model`` cards with random parameters, subcircuits nested within the
  limits, ``.param``/``.func``, includes of real, missing and special files, ``.control``
  blocks, ``.options``, analyses with random (also absurd) numbers, continuation lines,
  comments, odd whitespace, unicode, NUL, huge lines;
* **memory bombs** (:func:`memory_bomb`): netlists that ask for more memory than the
  bridge's cap, which must be refused in one line;
* **mutations** of the shipped ``netlists/*.cir`` (the quick ones): lines deleted,
  duplicated, swapped, inserted from the grammar, numbers replaced by extreme ones, bytes
  inserted, the file cut short;
* **a guarded worker**: one child process runs ``spicemem.cli.main(["run", ...])`` on each
  netlist in turn, in an empty working directory, and reports over its own pipe.  The
  parent bounds each run's time; a child that dies (a crash) or does not answer (a hang)
  is itself the finding, and a fresh child takes over.  Inside the child every command and
  every netlist text handed to ngspice is recorded (``Engine.command`` / ``Engine.load``).

The property (:func:`violations`): the CLI returns 0, or 2 with exactly one line
``spicemem: error: ...`` of bounded length; never a traceback, a crash or a hang; ngspice
gets no command but the bridge's own (:data:`ALLOWED_COMMANDS`) and no line it would read as
an include, a command block or a file reader (an independent regex, not the bridge's
allow-list); the payload never runs and nothing appears in the working directory.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
#: What the bridge itself sends with ngspice's ``ngSpice_Command`` (bridge/engine.py).
ALLOWED_COMMANDS = frozenset({"version -f", "run", "remcirc", "destroy all", "optran 1 1 1 0 0 0"})
#: The shipped netlists that run in about a second (the rest take tens of seconds: the
#: guard's time bound is for hangs, not for long analyses).
QUICK_SHIPPED = ("single_device.cir", "compliance.cir", "subckt_pair.cir", "crossbar_3x3_1r_v3.cir",
                 "crossbar_4x4_1s1r_v2.cir")
MARKER = "FUZZ_MARKER"
#: The longest error line accepted: the CLI's bound (cli.MESSAGE_LIMIT) plus its prefix and
#: the clip's own note.
LINE_LIMIT = 2100

# An independent statement of what ngspice acts on (its own rule: a case-insensitive prefix
# after leading blanks): includes and libraries, command blocks, comment-commands, XSPICE
# (file readers) and OSDI elements, and command words that run programs or load code.
_DANGER = re.compile(r"^\s*(\.inc|\.lib|\.control|\.endc|\.exec|\*#|\*ng_script|a|n"
                     r"|shell\b|system\b|codemodel\b|osdi\b|pre_osdi\b|source\b|load\b|exec\b)",
                     re.IGNORECASE)

# -- the grammar ------------------------------------------------------------------------------
_NODES = st.sampled_from(["0", "a", "b", "c", "in", "out", "gnd", "n1", "A", "x.y", "1", "-",
                          "{a}", "v(a)", "a" * 300])
_NUMBERS = st.one_of(
    st.sampled_from(["0", "1", "-1", "1k", "1meg", "2.5", "1e-9", "1u", "1e308", "1e309", "-1e308",
                     "1e-320", "nan", "inf", "-inf", "1e", "1..2", "0x10", "1e99999", "3mil",
                     "1" * 400, ".", "-0", "+1", "1f", "1T", "1G", "{1/0}", "{1e308*10}",
                     "{x}", "{sqrt(-1)}", "{log(0)}"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str))
_NAMES = st.sampled_from(["x", "y", "p1", "vdd", "r", "f", "g", "temp", "time", "pi", "e",
                          "x" * 200, "_", "a.b", "1x", "v", "i"])
_BLANK = st.sampled_from([" ", "  ", "\t", " \t ", "\r", "\x0b", "\x0c", "\u00a0", "\u2028",
                          "\u3000", "\x00", " \x00 "])
_JUNK = st.one_of(st.text(max_size=30), st.sampled_from(
    ["\x00", "\ufeff", "é", "\U0001f600", "\\", "'", '"', "{", "}", "(", ")", "=", ",", ";",
     "$", "//", "\x1b[31m", "%", "`rm -rf /`", "$(touch FUZZ_MARKER)"]))


def _expr(depth: int):
    leaf = st.one_of(_NUMBERS, _NAMES)
    if depth <= 0:
        return leaf
    sub = _expr(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/", "**", "^", "?", ":", "==", "&&", "%"]), sub)
        .map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        st.tuples(st.sampled_from(["sqrt", "exp", "log", "pow", "pwr", "abs", "min", "max", "f",
                                   "g", "v", "i", "table", "limit", "ternary_fcn", "agauss",
                                   "gauss", "unif", "aunif", "nosuch"]), sub, sub)
        .map(lambda t: f"{t[0]}({t[1]},{t[2]})"),
        sub.map(lambda s: f"({s})"))


_VALUE = st.one_of(_NUMBERS, _expr(2).map(lambda e: "{" + e + "}"))
_MODEL_TYPES = ["diffusive", "drift", "rram", "DIFFUSIVE", "r", "d", "nmos", "sw", "filesource",
                "d_source", "nosuch", "npn", "res", "numd"]
_MEM_PARAMS = ["preset", "friction_ratio", "heating_ratio", "theta_ambient", "n_particles",
               "seed", "state", "g_scale", "hybrid", "dt", "r_on", "r_off", "x0", "gap",
               "v0", "i0", "g0", "g_min", "tox", "nosuch", "PRESET", "level"]
_PRESETS = ["wang2017_paper", "wang2017", "taox", "hfox", "stanford", "nosuch", "",
            "../../etc/passwd"]


@st.composite
def _param_list(draw, keys, max_size=5):
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        k = draw(st.sampled_from(keys))
        v = draw(st.sampled_from(_PRESETS)) if k.lower() == "preset" else draw(_VALUE)
        out.append(f"{k}={v}" if draw(st.integers(0, 9)) else f"{k} = {v}")
    return out


@st.composite
def model_card(draw):
    name = draw(st.sampled_from(["ag", "m1", "sel", "mem", "d1"]))
    mtype = draw(st.sampled_from(_MODEL_TYPES))
    params = " ".join(draw(_param_list(_MEM_PARAMS)))
    return f".model {name} {mtype} ({params})" if draw(st.booleans()) else f".model {name} {mtype} {params}"


@st.composite
def element(draw):
    letter = draw(st.sampled_from(list("rclvieigfhbdqmswxtuokyzanRCLVN")))
    name = letter + draw(st.sampled_from(["1", "2", "x", "_a", "", "1" * 50]))
    nodes = draw(st.lists(_NODES, min_size=0, max_size=4))
    tail = []
    if letter in "vVi":
        tail = draw(st.sampled_from([["dc", draw(_VALUE)], [draw(_VALUE)],
                                     ["pulse(0", draw(_NUMBERS), "0", "1n", "1n", "1u", "2u)"],
                                     ["pwl(0", "0", draw(_NUMBERS), draw(_NUMBERS) + ")"],
                                     ["sin(0", "1", draw(_NUMBERS) + ")"], ["external"], ["dc", "0", "external"]]))
    elif letter in "bB":
        tail = [draw(st.sampled_from(["v=", "i=", "V=", "r="])) + draw(_expr(2))]
    elif letter in "nN":
        tail = [draw(st.sampled_from(["ag", "m1", "sel", "nosuch"])), *draw(_param_list(_MEM_PARAMS, 3))]
    elif letter in "xX":
        tail = [draw(st.sampled_from(["cell", "sub1", "sub2", "nosuch"])), *draw(_param_list(["p", "w"], 2))]
    else:
        tail = [draw(_VALUE), *draw(_param_list(["m", "tc1", "ic", "w", "l", "temp"], 2))]
    return " ".join([name, *nodes, *tail])


@st.composite
def dot_card(draw):
    kind = draw(st.sampled_from(["param", "func", "include", "lib", "control", "options", "tran",
                                 "op", "dc", "ac", "noise", "save", "ic", "meas", "global", "temp",
                                 "title", "end", "ends", "endl", "exec", "if", "csparam", "width",
                                 "print", "four", "model", "other"]))
    if kind == "param":
        return f".param {draw(_NAMES)}={draw(_VALUE)}" + draw(st.sampled_from(["", " junk", " y=2", ","]))
    if kind == "func":
        return f".func {draw(_NAMES)}({draw(_NAMES)}) {{{draw(_expr(2))}}}"
    if kind in ("include", "lib"):
        target = draw(st.sampled_from(["safe.inc", "payload.inc", "missing.inc", "/dev/zero",
                                       "/dev/stdin", "/etc/passwd", ".", "", "self.cir",
                                       "/proc/self/mem", "x" * 5000, "..", "sub/../safe.inc"]))
        spell = draw(st.sampled_from([".include", ".inc", ".INCL", ".lib", ".LIBRARY", ".libx"]))
        return f"{spell} {target}" + (" sec" if "lib" in spell.lower() and draw(st.booleans()) else "")
    if kind == "control":
        body = draw(st.sampled_from([f"shell touch {MARKER}", f"write {MARKER} v(a)",
                                     f"set wr_singlescale\nwrdata {MARKER} v(a)", "quit", "run",
                                     f"echo x > {MARKER}", "codemodel /tmp/x.cm", "source x"]))
        return f".control\n{body}\n.endc"
    if kind == "options":
        return ".options " + " ".join(draw(st.lists(st.sampled_from(
            ["reltol=1e-3", "abstol=1e-30", "itl4=1000000", "gmin=0", "method=gear", "maxord=99",
             "sourcepath=.", "filetype=ascii", "noacct", "klu", "interp", "temp=-300", "seed=1",
             "savecurrents", "rshunt=0", "nosuch=1"]), max_size=4)))
    if kind == "tran":
        return " ".join([".tran", draw(_NUMBERS), draw(_NUMBERS)] + draw(st.lists(_NUMBERS, max_size=2))
                        + draw(st.sampled_from([[], ["uic"]])))
    if kind == "dc":
        return " ".join([".dc", draw(st.sampled_from(["V1", "v2", "temp", "nosuch"])),
                         draw(_NUMBERS), draw(_NUMBERS), draw(_NUMBERS)])
    if kind in ("ac", "noise"):
        return " ".join([f".{kind}", draw(st.sampled_from(["dec", "lin", "oct"])), draw(_NUMBERS),
                         draw(_NUMBERS), draw(_NUMBERS)] + (["v(a)", "V1"] if kind == "noise" else []))
    if kind == "model":
        return draw(model_card())
    if kind == "other":
        return "." + draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
    return {"op": ".op", "save": ".save v(a) all", "ic": f".ic v(a)={draw(_NUMBERS)}",
            "meas": ".meas tran m max v(a)", "global": ".global g1", "temp": f".temp {draw(_NUMBERS)}",
            "title": ".title x", "end": ".end", "ends": ".ends", "endl": ".endl", "exec": ".exec",
            "if": ".if (1)", "csparam": ".csparam x=1", "width": ".width out=80", "print": ".print tran v(a)",
            "four": ".four 1k v(a)"}[kind]


@st.composite
def subckt(draw, depth: int):
    name = draw(st.sampled_from(["cell", "sub1", "sub2"]))
    body = draw(st.lists(element(), min_size=0, max_size=3))
    if depth > 0 and draw(st.booleans()):
        body += draw(subckt(depth - 1)).split("\n")
    ports = " ".join(draw(st.lists(_NODES, max_size=3)))
    return "\n".join([f".subckt {name} {ports}", *body, ".ends" + draw(st.sampled_from(["", f" {name}"]))])


def _dress(draw, line: str) -> str:
    """The same line as a user might type it: case, blanks, comments, continuation, junk."""
    how = draw(st.integers(0, 14))
    if how == 0:
        line = line.upper()
    elif how == 1:
        line = draw(_BLANK) + line
    elif how == 2:
        line = line + draw(st.sampled_from([" ; c", " $ c", " // c", " * c"]))
    elif how == 3 and " " in line:
        head, tail = line.split(" ", 1)
        line = head + "\n+ " + tail  # the rest on a continuation line
    elif how == 4:
        k = draw(st.integers(0, len(line)))
        line = line[:k] + draw(_JUNK) + line[k:]
    elif how == 5:
        line = line.replace(" ", draw(_BLANK))
    return line


@st.composite
def netlist_text(draw) -> str:
    """A whole netlist: a title, a model card, a mix of lines, usually an analysis, ``.end``."""
    lines = [draw(st.sampled_from(["* fuzz", "", ".include payload.inc", "*# shell touch FUZZ_MARKER",
                                   "V1 a 0 dc 1", "\x00", "\ufeff* bom"]))]
    if draw(st.booleans()):
        lines.append(".model ag diffusive (preset=wang2017_paper friction_ratio=10 heating_ratio=20 "
                     "theta_ambient=0.35)")
    for _ in range(draw(st.integers(0, 10))):
        pick = draw(st.integers(0, 9))
        if pick < 4:
            line = draw(element())
        elif pick < 8:
            line = draw(dot_card())
        elif pick == 8:
            line = draw(subckt(2))
        else:
            line = draw(st.sampled_from(["+ x=1", "* c", "", "   ", "+", "*", ";", "\x00\x00",
                                         "x" * 20000, "+" * 3000]))
        lines.extend(_dress(draw, line).split("\n") if "\n" not in line or draw(st.booleans())
                     else line.split("\n"))
    if draw(st.integers(0, 4)):
        lines += ["V9 a 0 dc 1", "N9 a 0 ag", ".tran 1u 4u"] if draw(st.booleans()) else ["R9 a 0 1k", ".op"]
    if draw(st.integers(0, 5)):
        lines.append(".end")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n", "\n\n\n"]))


@st.composite
def mutated_shipped(draw) -> str:
    """A quick shipped netlist with 1-4 random mutations."""
    text = (REPO / "netlists" / draw(st.sampled_from(QUICK_SHIPPED))).read_text()
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 7))
        k = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == 0 and len(lines) > 1:
            del lines[k]
        elif op == 1:
            lines.insert(k, lines[k] if lines else "")
        elif op == 2 and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[k], lines[j] = lines[j], lines[k]
        elif op == 3:
            lines.insert(k, draw(st.one_of(element(), dot_card())))
        elif op == 4 and lines:
            toks = re.split(r"(\s+)", lines[k])
            nums = [i for i, t in enumerate(toks) if re.match(r"^[-+]?\d", t) or "=" in t]
            if nums:
                i = draw(st.sampled_from(nums))
                new = draw(_NUMBERS)
                toks[i] = (toks[i].split("=")[0] + "=" + new) if "=" in toks[i] else new
                lines[k] = "".join(toks)
        elif op == 5 and lines:
            p = draw(st.integers(0, len(lines[k])))
            lines[k] = lines[k][:p] + draw(_JUNK) + lines[k][p:]
        elif op == 6:
            lines = lines[:k]  # cut short
        elif op == 7 and lines:
            lines[k] = _dress(draw, lines[k])
    return "\n".join(lines) + "\n"


@st.composite
def memory_bomb(draw) -> str:
    """A netlist that asks for more memory than the bridge's default cap (4 GiB,
    spicemem.bridge.resources), in one of three shapes: subcircuits that multiply
    memristors of many particles (>= 8 GiB of state), devices whose varied landscape gives
    each its own hopping tables (>= 400 x 11 MB), or a transient whose result matrices
    (>= 1e6 points x 1000 devices) outgrow it.  Each must end in one line, quickly."""
    kind = draw(st.integers(0, 2))
    head = ["* memory bomb", "V1 in 0 dc 0.1"]
    if kind == 0:
        npart = draw(st.integers(500, 1000))
        fan = draw(st.integers(10, 40))
        need = 8 * 2**30 / (16 * (npart + 1))  # devices for 8 GiB of particles
        levels = 1
        while fan ** levels < need:
            levels += 1
        lines = [f".model ag diffusive (preset=wang2017_paper n_particles={npart})",
                 ".subckt c0 a b", *[f"N{k} a b ag" for k in range(fan)], ".ends"]
        for lv in range(1, levels):
            lines += [f".subckt c{lv} a b", *[f"X{k} a b c{lv - 1}" for k in range(fan)], ".ends"]
        lines += [f"Xtop in 0 c{levels - 1}", ".tran 1u 10u"]
    elif kind == 1:
        n = draw(st.integers(400, 700))
        lines = [".model ag diffusive (preset=wang2017_paper well_depth_ratio=agauss(10, 1, 1))",
                 *[f"N{k} in 0 ag" for k in range(n)], ".tran 1u 10u"]
    else:
        n = draw(st.integers(1000, 2000))
        lines = [".model ag diffusive (preset=wang2017_paper n_particles=1)",
                 *[f"N{k} in 0 ag" for k in range(n)], f".tran 1n {draw(st.sampled_from(['1m', '5m', '10m']))}"]
    return "\n".join(head + lines + [".end"]) + "\n"


def netlists():
    """Generated and mutated netlists, and memory bombs (includes name files relative to the
    netlist's folder: :func:`prepare` writes them there)."""
    return st.one_of(netlist_text(), mutated_shipped(), memory_bomb())


def prepare(folder: Path) -> None:
    """The files the generated netlists include: a safe one and a payload that would create
    the marker if ngspice ever ran it."""
    (folder / "safe.inc").write_text("R8 a 0 2k\n")
    (folder / "payload.inc").write_text(f".control\nshell touch {MARKER}\n.endc\n")


# -- the guarded worker -----------------------------------------------------------------------
class Finding(Exception):
    """A violation of the property (its message says which, with the child's evidence)."""


def _die_with_parent():  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGKILL when the parent dies, so a child stuck in a hang never
    outlives an interrupted fuzz run (prctl PR_SET_PDEATHSIG)."""
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(1, signal.SIGKILL)


class Guard:
    """One child process that runs netlists through the CLI, restarted after a crash or hang.

    ``run(text, timeout)`` returns the child's report (a dict) or raises :class:`Finding`
    for a crash or a hang.  Use as a context manager (the child is ended on exit).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.proc = None
        self.count = 0
        self.crashes = 0
        self.hangs = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self):
        self.cwd = Path(tempfile.mkdtemp(prefix="cwd-", dir=self.folder))
        r, w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "tests"), env.get("PYTHONPATH", "")])
        self.log = open(self.folder / f"child{self.crashes + self.hangs}.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"import netlist_fuzz; netlist_fuzz.worker_main({w})"],
            stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.cwd,
            env=env, pass_fds=(w,), preexec_fn=_die_with_parent)
        os.close(w)
        self.reply = os.fdopen(r, "rb", buffering=0)
        self.buf = b""

    def close(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
            self._gone()

    def _kill(self):
        self.proc.kill()
        self._gone()

    def _gone(self):
        rc = self.proc.wait()
        for f in (self.proc.stdin, self.reply, self.log):
            try:
                f.close()
            except OSError:  # a pipe to a dead child: nothing left to flush
                pass
        self.proc = None
        return rc

    def run(self, text: str, timeout: float = 60.0) -> dict:
        if self.proc is None:
            self._start()
        self.count += 1
        path = self.folder / f"n{self.count}.cir"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        req = json.dumps({"path": str(path), "out": str(self.folder / "out")}) + "\n"
        try:
            self.proc.stdin.write(req.encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        while b"\n" not in self.buf:
            ready, _, _ = select.select([self.reply], [], [], timeout)
            if not ready:
                self.hangs += 1
                self._kill()
                raise Finding(f"hang: no answer within {timeout} s for {path}")
            chunk = self.reply.read(65536)
            if not chunk:
                rc = self._gone()
                self.crashes += 1
                raise Finding(f"crash: the child died (exit {rc}) on {path}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        report = json.loads(line)
        report["path"] = str(path)
        report["cwd_files"] = sorted(os.listdir(self.cwd))
        return report


def violations(report: dict, folder: Path) -> list:
    """What is wrong with one child report (an empty list: the property holds)."""
    bad = []
    if report.get("exception"):
        bad.append(f"an exception escaped main: {report['exception'][-600:]}")
    rc = report.get("rc")
    if rc not in (0, 2):
        bad.append(f"exit code {rc}")
    lines = [ln for ln in report.get("stderr", "").splitlines() if not ln.startswith("spicemem: seed")]
    if "Traceback" in report.get("stderr", ""):
        bad.append("a traceback on stderr")
    errors = [ln for ln in lines if ln.startswith("spicemem: error: ")]
    if rc == 2 and (len(errors) != 1 or len(lines) != 1):
        bad.append(f"exit 2 without exactly one error line: {[x[:300] for x in lines[:5]]}")
    if rc == 0 and errors:
        bad.append(f"exit 0 with an error line: {errors[0][:300]}")
    if any(len(ln) > LINE_LIMIT for ln in errors):
        bad.append(f"an error line of {max(len(x) for x in errors)} characters")
    extra = [c for c in report.get("commands", []) if c not in ALLOWED_COMMANDS]
    if extra:
        bad.append(f"commands sent to ngspice outside the bridge's own: {extra[:5]}")
    acted = [ln for ln in report.get("loaded", []) if _DANGER.match(ln)]
    if acted:
        bad.append(f"lines sent to ngspice that it would act on: {acted[:3]}")
    if report.get("cwd_files"):
        bad.append(f"files appeared in the working directory: {report['cwd_files'][:5]}")
    if any(MARKER in p.name for p in Path(folder).rglob("*")):
        bad.append("the payload's marker file exists")
    return bad


def worker_main(fd: int) -> None:  # pragma: no cover - runs in the child process
    """The child: read requests on stdin, run each through the CLI, answer on ``fd``."""
    import contextlib
    import io
    import traceback
    import warnings

    from spicemem.bridge import engine as eng_mod
    from spicemem.cli import main

    sent = {"commands": [], "loaded": []}
    command, load = eng_mod.Engine.command, eng_mod.Engine.load

    def rec_command(self, cmd):
        sent["commands"].append(cmd)
        return command(self, cmd)

    def rec_load(self, text):
        sent["loaded"].extend(text.splitlines()[1:])  # line 1: the bridge's own title
        return load(self, text)

    eng_mod.Engine.command, eng_mod.Engine.load = rec_command, rec_load
    out = os.fdopen(fd, "w", buffering=1)
    for req in sys.stdin:
        req = json.loads(req)
        sent["commands"].clear()
        sent["loaded"].clear()
        err, exc, warned = io.StringIO(), None, []
        rc = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    rc = main(["run", req["path"], "--out", req["out"], "--seed", "1"])
            except BaseException:  # the finding: report it, keep serving
                exc = traceback.format_exc()
            warned = [f"{w.category.__name__}: {w.message}"[:300] for w in caught]
        out.write(json.dumps({"rc": rc, "stderr": err.getvalue()[-20000:], "exception": exc,
                              "warnings": warned, "commands": list(sent["commands"]),
                              "loaded": [ln[:200] for ln in sent["loaded"]]}) + "\n")
