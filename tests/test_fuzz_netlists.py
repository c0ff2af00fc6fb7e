"""Fuzzing the netlist path, the bounded error text and the restart's memory.

The property (``tests/netlist_fuzz.py``): ``spicemem run`` on any netlist -- generated from
a grammar of ngspice-ish lines or mutated from a shipped one -- returns 0, or 2 with one
bounded error line; never a traceback, a crash or a hang; ngspice gets no command but the
bridge's own and no line it would act on as an include, a command block or a file reader;
nothing is written in the working directory.  The suite runs a few examples in a guarded
child process; ``bench/fuzz_netlists.py`` runs the long hunt (docs/bridge.md, "Security").
"""

import ctypes
import signal
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings

import netlist_fuzz as nf
from spicemem.bridge import run_netlist
from spicemem.bridge.engine import get_engine
from spicemem.cli import MESSAGE_LIMIT, main
from spicemem.errors import NetlistError, clip

pytestmark = pytest.mark.ngspice

GOOD = "* t\nV1 a 0 dc 1\nR1 a b 1k\nR2 b 0 3k\n.tran 1u 4u\n.end\n"
BAD = "* t\n.param x=1 junk\nV1 a 0 dc 1\nR1 a 0 1k\n.tran 1u 4u\n.end\n"


@pytest.fixture(scope="module")
def guard(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    nf.prepare(folder)
    with nf.Guard(folder) as g:
        yield g


# 15 examples (about 10 s on a quiet machine: the child imports spicemem once, then ~0.5 s
# per netlist).  The time bound is for hangs, which never end: 90 s leaves room for a loaded
# machine; the quick shipped netlists take ~1 s.
@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(text=nf.netlists())
def test_any_netlist_runs_or_is_one_bounded_line_and_reaches_no_command(guard, text):
    report = guard.run(text, timeout=90.0)
    assert nf.violations(report, guard.folder) == [], (report["path"], report["stderr"][-2000:])


def test_the_guard_reports_a_hang_and_a_crash_and_recovers(guard):
    """The fuzz harness itself: a run that does not answer in time is a hang, a child that
    dies is a crash, and the next netlist gets a fresh child."""
    slow = "* slow\nV1 a 0 sin(0 1 1meg)\nR1 a 0 1k\n.tran 1n 20m\n.end\n"  # 2e7 steps
    with pytest.raises(nf.Finding, match=r"^hang: no answer within 2"):
        guard.run(slow, timeout=2.0)
    box = {}

    def run():
        try:
            guard.run(slow, timeout=120.0)
        except nf.Finding as exc:
            box["exc"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    for _ in range(200):  # the child is started and busy in ngspice
        time.sleep(0.1)
        if guard.proc is not None and guard.count >= 2:
            break
    time.sleep(1.0)
    guard.proc.send_signal(signal.SIGSEGV)
    worker.join(60)
    assert "exc" in box and str(box["exc"]).startswith("crash: the child died (exit -11)"), box
    report = guard.run(GOOD, timeout=90.0)
    assert report["rc"] == 0 and nf.violations(report, guard.folder) == [], report


def test_the_property_catches_what_it_should():
    """violations() on reports made by hand: each kind of breach is named."""
    ok = {"rc": 2, "stderr": "spicemem: seed 1\nspicemem: error: x.cir:2: refused\n", "exception": None,
          "commands": ["run", "remcirc"], "loaded": ["R1 a 0 1k"], "cwd_files": []}
    assert nf.violations(ok, "/nonexistent") == []
    cases = [({"exception": "Traceback ...\nKeyError: 'x'"}, "an exception escaped"),
             ({"rc": 1}, "exit code 1"),
             ({"stderr": "spicemem: error: a\nspicemem: error: b\n"}, "exactly one error line"),
             ({"stderr": "spicemem: error: " + "x" * 3000}, "an error line of 3017"),
             ({"commands": ["run", "shell ls"]}, "outside the bridge's own: \\['shell ls'\\]"),
             ({"loaded": ["  .INCLUDE /etc/passwd"]}, "would act on"),
             ({"loaded": ["Ashady a b m"]}, "would act on"),
             ({"cwd_files": ["FUZZ_MARKER"]}, "working directory")]
    import re

    for change, what in cases:
        bad = nf.violations({**ok, **change}, "/nonexistent")
        assert any(re.search(what, b) for b in bad), (change, bad)


# -- bounded error text -----------------------------------------------------------------------
def test_clip_keeps_short_text_and_names_the_cut_of_long_text():
    assert clip("x" * 200) == "x" * 200
    text = "".join(chr(65 + k % 26) for k in range(1000))
    out = clip(text, 200)
    # head 150, tail 50 characters, and the cut's 1-based positions, so they add back up
    head, note_tail = out.split("...[characters ", 1)
    note, tail = note_tail.split(" cut]...", 1)
    assert head == text[:150] and tail == text[-50:]
    assert note == "151-950 of 1000"
    assert len(head) + (950 - 151 + 1) + len(tail) == len(text)


@pytest.mark.parametrize("body, reason", [
    # ngspice echoed each of these whole (40 000 to 130 000 characters) before
    ("V1 a 0 dc {" + "+".join(["1"] * 30000) + "+zz}", r"Undefined parameter \[zz\]"),
    (".param p={" + "(" * 20000 + "1" + ")" * 20000 + "}", r"Closing \"\)\" not found"),
    ("V1 a 0 dc 1 " + " ".join(f"x{k}" for k in range(20000)), r"unknown parameter \(x0\)"),
], ids=["long-expression", "deep-parentheses", "long-line"])
def test_ngspice_errors_on_huge_lines_are_clipped(tmp_path, capsys, body, reason):
    import re

    p = tmp_path / "big.cir"
    p.write_text(f"* t\n{body}\nR1 a 0 1k\n.tran 1u 4u\n.end\n")
    rc = main(["run", str(p), "--out", str(tmp_path / "o"), "--seed", "1"])
    err = [ln for ln in capsys.readouterr().err.splitlines() if not ln.startswith("spicemem: seed")]
    assert rc == 2 and len(err) == 1, err
    assert re.match(r"spicemem: error: \S*big\.cir:2: ngspice: ", err[0]) and re.search(reason, err[0]), err[0][:400]
    # every quoted piece at most 200 characters plus its note: the whole line stays short
    assert len(err[0]) < 1200, len(err[0])
    assert re.search(r"\.\.\.\[characters \d+-\d+ of \d+ cut\]\.\.\.", err[0])


def test_the_cli_bounds_any_error_line(tmp_path, capsys, monkeypatch):
    """A message of our own that grew long (here: a refusal quoting a 50 000-character
    token) is clipped to the CLI's limit too."""
    p = tmp_path / "tok.cir"
    p.write_text("* t\n." + "q" * 50000 + " 1\nR1 a 0 1k\n.tran 1u 4u\n.end\n")
    rc = main(["run", str(p), "--out", str(tmp_path / "o"), "--seed", "1"])
    err = [ln for ln in capsys.readouterr().err.splitlines() if not ln.startswith("spicemem: seed")]
    assert rc == 2 and len(err) == 1 and "tok.cir:2: refused" in err[0], err[0][:300]
    assert len(err[0]) <= len("spicemem: error: ") + MESSAGE_LIMIT + 60, len(err[0])


# -- the restart's memory ---------------------------------------------------------------------
class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                "usmblks", "fsmblks", "uordblks", "fordblks",
                                                "keepcost")]


def test_a_restart_leaves_little_on_the_heap_and_nothing_in_cffi():
    """Before: each numparam failure's restart kept ~140 kB (libngspice's heap, which only its
    own ``quit`` frees, plus cffi's keep-alive list of every library it opened).  Measured
    over 200 restarts with bench/restart_leak.py: 138 kB of malloc'd bytes per restart
    before, 8.5 kB after.  Here 30 restarts: the bound of 50 kB per restart is 6x the fixed
    value (room for the noise of 30 cycles) and a third of the leak's."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _Mallinfo2
    engine = get_engine()
    ffi = engine._ffi

    def cycle():
        with pytest.raises(NetlistError, match=r"Undefined parameter \[junk\]"):
            run_netlist(BAD)
        run_netlist(GOOD)

    for _ in range(5):
        cycle()
    n_libs, r0 = len(ffi._libraries), engine.restarts
    libc.malloc_trim(0)
    used0 = libc.mallinfo2().uordblks
    for _ in range(30):
        cycle()
    libc.malloc_trim(0)
    per = (libc.mallinfo2().uordblks - used0) / 30
    assert engine.restarts - r0 == 30
    assert len(ffi._libraries) == n_libs and len(ffi._function_caches) == n_libs
    assert per < 50e3, f"{per / 1e3:.1f} kB per restart"


# -- what the fuzz probe found ------------------------------------------------------------------
@pytest.mark.parametrize("card, name", [
    # each kept a 20 us pulse running past 120-150 s (a hang to the guard) before its range
    # (g_m=1e-308 and a_fp=1e30: outside the same ranges, seen only with a 30 s bound)
    ("diffusive (preset=wang2017_paper dt_factor=1e-308)", "dt_factor"),
    ("drift (g_m=1e30)", "g_m"),
    ("drift (g_m=1e-308)", "g_m"),
    ("drift (a_fp=1e-308)", "a_fp"),
    ("drift (a_fp=1e30)", "a_fp"),
    ("drift (sigma_on=1e-308)", "sigma_on"),
    ("drift (sigma_p=1e-308)", "sigma_p"),
    ("drift (rate_max=1e308)", "rate_max"),
    ("drift (rtol=1e-308)", "rtol"),
    ("drift (h_max=1e-308)", "h_max"),
    ("rram (h_max=1e-308)", "h_max"),
])
def test_parameters_that_never_finished_are_refused_in_one_line(tmp_path, capsys, card, name):
    p = tmp_path / "p.cir"
    p.write_text(f"* p\n.model m {card}\nV1 a 0 pulse(0 1 1u 1u 1u 5u 20u)\nN1 a 0 m\n.tran 0.5u 20u\n.end\n")
    rc = main(["run", str(p), "--out", str(tmp_path / "o"), "--seed", "1"])
    err = [ln for ln in capsys.readouterr().err.splitlines() if not ln.startswith("spicemem: seed")]
    assert rc == 2 and len(err) == 1, err
    assert f"p.cir:2: parameter '{name}' = " in err[0], err[0]
    assert "outside its valid range" in err[0] or "must be 0 (no limit)" in err[0], err[0]
