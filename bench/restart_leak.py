"""Where the memory kept by an ngspice restart goes: libngspice, or the bridge?

Each mode runs in its own child process: a warm-up, then ``--cycles`` cycles; the report
is the growth per cycle (least-squares slope over the cycles, in kB) of

* ``rss``: resident memory (``/proc/self/statm``), after ``malloc_trim(0)``;
* ``malloc``: bytes glibc's malloc has handed out and not got back (``mallinfo2().uordblks``);
* ``python``: bytes Python's own allocator holds (``tracemalloc``, started after the warm-up).

Modes:

* ``good``   -- ``run_netlist`` of a good netlist (no restart): the baseline;
* ``bad``    -- ``run_netlist`` of a netlist with a numparam error (ngspice calls
  ControlledExit; the bridge restarts the library before the next use) then a good one;
* ``quit``   -- ngspice's own ``quit`` command (ControlledExit with no numparam error),
  restart, good run: the restart alone;
* ``raw``    -- no spicemem: PySpice's cffi declarations, ``dlopen`` libngspice,
  ``ngSpice_Init`` with callbacks made once, ``ngSpice_Circ`` of the bad netlist, ``dlclose``;
  the library's own cost of one load, fatal error and unload;
* ``raw-init`` -- as ``raw`` without the netlist: load, init, unload.

If ``raw`` keeps about what ``bad`` keeps, the memory is held by libngspice's allocations
that survive ``dlclose`` (not reachable from Python, not fixable in the bridge).

Usage: python bench/restart_leak.py [--cycles 200] [--modes good,bad,quit,raw,raw-init]
[--repeat 1] [--quick]; ``--quick``: 60 cycles.  One JSON line per mode and repeat, with the
load average (the numbers are memory, not time, so load does not change them).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import subprocess
import sys

BAD = "* t\n.param x=1 junk\nV1 a 0 dc 1\nR1 a 0 1k\n.tran 1u 4u\n.end\n"
GOOD = "* t\nV1 a 0 dc 1\nR1 a b 1k\nR2 b 0 3k\n.tran 1u 4u\n.end\n"
MODES = ("good", "bad", "quit", "raw", "raw-init")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                "usmblks", "fsmblks", "uordblks", "fordblks",
                                                "keepcost")]


_LIBC = ctypes.CDLL(None)
_LIBC.mallinfo2.restype = _Mallinfo2


def _sample(tracemalloc) -> tuple:
    _LIBC.malloc_trim(0)
    with open("/proc/self/statm") as fh:
        rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return rss, _LIBC.mallinfo2().uordblks, tracemalloc.get_traced_memory()[0]


def _slope_kb(ys) -> float:
    n = len(ys)
    xm = (n - 1) / 2
    ym = sum(ys) / n
    return sum((k - xm) * (y - ym) for k, y in enumerate(ys)) / sum((k - xm) ** 2 for k in range(n)) / 1024


def _raw_cycle_factory():
    from PySpice.Spice.NgSpice import Shared as sh

    from spicemem.bridge.engine import _library_path, _private_start

    ffi = sh.ffi
    if not getattr(sh.NgSpiceShared, "_spicemem_cdef", False):
        with open(os.path.join(os.path.dirname(sh.__file__), "api.h")) as fh:
            ffi.cdef(fh.read())
    path = _library_path()
    keep = {
        "char": ffi.callback("int (char *, int, void *)", lambda *a: 0),
        "stat": ffi.callback("int (char *, int, void *)", lambda *a: 0),
        "exit": ffi.callback("int (int, bool, bool, int, void *)", lambda *a: 0),
        "init": ffi.callback("int (pvecinfoall, int, void *)", lambda *a: 0),
        "bg": ffi.callback("int (bool, int, void *)", lambda *a: 0),
    }
    lines = [ffi.new("char[]", ln.encode()) for ln in BAD.splitlines()] + [ffi.NULL]
    arr = ffi.new("char *[]", lines)

    def cycle(with_netlist: bool):
        with _private_start():
            lib = ffi.dlopen(path)
            lib.ngSpice_Init(keep["char"], keep["stat"], keep["exit"], ffi.NULL, keep["init"],
                             keep["bg"], ffi.NULL)
        if with_netlist:
            lib.ngSpice_Circ(arr)
        ffi.dlclose(lib)

    return cycle


def child(mode: str, cycles: int) -> dict:
    import tracemalloc

    if mode.startswith("raw"):
        cycle = _raw_cycle_factory()
        step = (lambda: cycle(mode == "raw"))
        restarts = None
    else:
        from spicemem.bridge import run_netlist
        from spicemem.bridge.engine import get_engine
        from spicemem.errors import NetlistError

        engine = get_engine()

        def step():
            if mode == "bad":
                try:
                    run_netlist(BAD)
                except NetlistError:
                    pass
            elif mode == "quit":
                engine.command("quit")
            run_netlist(GOOD)

        restarts = engine
    for _ in range(10):  # warm-up: compile, first allocations, Python caches
        step()
    tracemalloc.start()
    n0 = restarts.restarts if restarts is not None else 0
    samples = [_sample(tracemalloc)]
    for _ in range(cycles):
        step()
        samples.append(_sample(tracemalloc))
    rss, mal, py = zip(*samples)
    return {"mode": mode, "cycles": cycles,
            "restarts": (restarts.restarts - n0) if restarts is not None else cycles,
            "rss_kb_per_cycle": round(_slope_kb(rss), 2),
            "malloc_kb_per_cycle": round(_slope_kb(mal), 2),
            "python_kb_per_cycle": round(_slope_kb(py), 3),
            "rss_mb_first_last": [round(rss[0] / 2**20, 1), round(rss[-1] / 2**20, 1)],
            "load": [round(x, 2) for x in os.getloadavg()]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child, a.cycles)))
        return 0
    if a.quick:
        a.cycles = 60
    modes = [m for m in a.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m!r} (choose from {', '.join(MODES)})")
    # the child measures the tree this script belongs to, not whatever spicemem is installed
    # (compare two trees by running each one's own copy of this script)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                         env.get("PYTHONPATH", "")])
    for rep in range(a.repeat):
        for m in modes:
            out = subprocess.run([sys.executable, __file__, "--child", m, "--cycles", str(a.cycles)],
                                 capture_output=True, text=True, check=False, env=env)
            if out.returncode:
                print(json.dumps({"mode": m, "repeat": rep, "returncode": out.returncode,
                                  "stderr_tail": out.stderr[-500:]}))
                continue
            print(json.dumps({"repeat": rep, **json.loads(out.stdout.strip().splitlines()[-1])}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
