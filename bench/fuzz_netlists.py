"""The long fuzzing run of the netlist path (tests/netlist_fuzz.py has the grammar, the
mutations of the shipped netlists, the guarded worker and the property).

Every example goes through ``spicemem run`` in a child process with a time bound; a crash
(the child dies), a hang (no answer within ``--timeout`` s) or a violated property is a
finding, printed as one JSON line with the netlist's file (kept in ``--keep``).  The run
continues after a finding.  At the end one JSON line sums up: examples, findings by kind,
restarts of the child, ngspice restarts are not counted here (they are normal), wall time
and the load average.

Usage: python bench/fuzz_netlists.py [--examples 500] [--seed 0] [--timeout 60]
[--keep DIR] [--quick] [--repeat 1]; ``--quick``: 60 examples.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the shared harness

import netlist_fuzz as nf  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402


def hunt(n: int, base_seed: int, timeout: float, keep: Path) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="spicemem-fuzz-"))
    nf.prepare(folder)
    found = []
    kinds: dict = {}
    outcomes: dict = {}
    t0 = time.perf_counter()
    with nf.Guard(folder) as guard:
        @seed(base_seed)
        @settings(max_examples=n, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        @given(text=nf.netlists())
        def one(text):
            try:
                report = guard.run(text, timeout)
                bad = nf.violations(report, folder)
                warned = report.get("warnings", [])
                key = {0: "ran", 2: "refused"}.get(report.get("rc"), "other")
                outcomes[key] = outcomes.get(key, 0) + 1
            except nf.Finding as exc:
                bad, warned = [str(exc)], []
            if warned:
                kinds["warning"] = kinds.get("warning", 0) + 1
            for b in bad:
                kind = b.split(":")[0][:40]
                kinds[kind] = kinds.get(kind, 0) + 1
            if bad or warned:
                keep.mkdir(parents=True, exist_ok=True)
                dest = keep / f"finding{len(found)}.cir"
                dest.write_bytes(text.encode("utf-8", "surrogatepass"))
                found.append(dest)
                print(json.dumps({"netlist": str(dest), "violations": bad, "warnings": warned[:3]}),
                      flush=True)

        one()
        summary = {"examples": guard.count, "findings": len(found), "kinds": kinds, "outcomes": outcomes,
                   "child_crashes": guard.crashes, "child_hangs": guard.hangs,
                   "wall_s": round(time.perf_counter() - t0, 1), "seed": base_seed,
                   "load": [round(x, 2) for x in os.getloadavg()]}
    shutil.rmtree(folder, ignore_errors=True)
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--keep", default="out/fuzz", help="folder for the netlists of the findings")
    ap.add_argument("--repeat", type=int, default=1, help="runs with seeds seed, seed+1, ...")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if a.quick:
        a.examples = 60
    for r in range(a.repeat):
        print(json.dumps(hunt(a.examples, a.seed + r, a.timeout, Path(a.keep))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
