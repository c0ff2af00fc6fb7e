"""What a restart of ngspice costs after a fatal error (bridge/engine.py), and that memory
stays flat over many.

Each round: a fatal error (a netlist whose ``.param`` line numparam cannot evaluate; ngspice
calls ControlledExit), then a small good netlist through ``run_netlist`` (which restarts the
library first, then runs).  Reported: the restart's wall time (median and max over the
rounds), the good run's wall time next to the same run without a restart before it, the
resident memory before and after, and whether the library was reloaded from its own file
(``dlclose`` unloaded it) or from a private copy.  One JSON line; the load average is
printed with it, because wall times mean little on a loaded machine.

Usage: python bench/engine_restart.py [--rounds 100] [--repeat 3] [--quick]
``--quick``: 20 rounds, one repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

BAD = "* t\n.param x=1 junk\nV1 a 0 dc 1\nR1 a 0 1k\n.tran 1u 4u\n.end\n"
GOOD = "* t\nV1 a 0 dc 1\nR1 a b 1k\nR2 b 0 3k\n.tran 1u 4u\n.end\n"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def copies_mapped() -> int:
    with open("/proc/self/maps") as fh:
        return len({ln.split()[-1] for ln in fh if "libngspice-spicemem" in ln})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if a.quick:
        a.rounds, a.repeat = 20, 1
    from spicemem.bridge import run_netlist
    from spicemem.bridge.engine import get_engine
    from spicemem.errors import NetlistError

    engine = get_engine()
    run_netlist(GOOD)  # compile and warm up
    print("load before:", os.getloadavg())
    for rep in range(a.repeat):
        plain = []
        for _ in range(a.rounds):
            t = time.perf_counter()
            run_netlist(GOOD)
            plain.append(time.perf_counter() - t)
        rss0, n0 = rss_mb(), engine.restarts
        restart, after = [], []
        for _ in range(a.rounds):
            try:
                run_netlist(BAD)
            except NetlistError:
                pass
            assert engine.exited is None  # run_netlist's clean-up already restarted it
            engine.command("quit")  # a second fatal exit; its restart timed by itself
            t = time.perf_counter()
            engine.restart()
            restart.append(time.perf_counter() - t)
            t = time.perf_counter()
            run_netlist(GOOD)
            after.append(time.perf_counter() - t)
        print(json.dumps({
            "repeat": rep, "rounds": a.rounds, "restarts": engine.restarts - n0,
            "restart_ms_median": 1e3 * statistics.median(restart), "restart_ms_max": 1e3 * max(restart),
            "good_run_ms_median": 1e3 * statistics.median(plain),
            "good_run_after_restart_ms_median": 1e3 * statistics.median(after),
            "rss_mb_before": round(rss0, 1), "rss_mb_after": round(rss_mb(), 1),
            "private_copies_mapped": copies_mapped()}))
    print("load after:", os.getloadavg())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
