"""Command-line interface: ``spicemem experiment|run ...``.

``build_parser()`` is separate from ``main(argv) -> int`` so tests call ``main`` directly.
Heavy imports happen inside the subcommands.  User errors (bad input, unwritable output,
simulator failures) print one line ``spicemem: error: ...`` and return 2.
"""

from __future__ import annotations

import argparse
import secrets
import sys


def _seed(value: str) -> int:
    try:
        s = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {value!r}") from None
    if s < 0 or s >= 2**63:
        raise argparse.ArgumentTypeError(f"seed must be in [0, 2**63), got {value!r}")
    return s


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spicemem", description=__doc__.splitlines()[0])
    from . import __version__

    parser.add_argument("--version", action="version", version=f"spicemem {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ex = sub.add_parser("experiment", help="run a paper figure or device study")
    ex.add_argument("name", nargs="?", help="experiment name (see --list)")
    ex.add_argument("--list", action="store_true", help="list the experiments")
    ex.add_argument("--out", default="out", help="output directory (default: ./out)")
    ex.add_argument("--seed", type=_seed, help="base seed (default: random, printed)")
    ex.add_argument("--realizations", type=_positive_int, help="override the realization count")
    ex.add_argument("--quick", action="store_true", help="reduced size (what the tests run)")
    ex.set_defaults(func=_cmd_experiment)

    rn = sub.add_parser("run", help="run an ngspice netlist with memristors (the bridge)")
    rn.add_argument("netlist", help="netlist file (.cir) with memristor lines")
    rn.add_argument("--out", default="out", help="output directory (default: ./out)")
    rn.add_argument("--seed", type=_seed, help="base seed (default: random, printed)")
    rn.set_defaults(func=_cmd_run)

    from .sweep.options import nonnegative_int, scheduler_address

    sw = sub.add_parser("sweep", help="run a parameter sweep / Monte Carlo (local processes or Dask)",
                        description="Run the points x realizations of a sweep file; running it "
                                    "again with the same --out resumes (docs/sweeps.md).")
    sw.add_argument("spec", help="sweep file (TOML)")
    sw.add_argument("--out", help="output directory (default: out/<name of the sweep file>)")
    where = sw.add_mutually_exclusive_group()
    where.add_argument("--workers", type=nonnegative_int,
                       help="local worker processes (default: the CPUs available; 0: in this process)")
    where.add_argument("--scheduler", type=scheduler_address, metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://host:8786")
    sw.add_argument("--recycle", type=nonnegative_int, default=None,
                    help="tasks per local worker before it is replaced (default 50; 0: never)")
    sw.add_argument("--seed", type=_seed, help="base seed (default: the spec's, else the one "
                                                "stored in --out, else random; printed)")
    sw.set_defaults(func=_cmd_sweep)
    return parser


def _resolve_seed(args) -> int:
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    print(f"spicemem: seed {seed}", file=sys.stderr)
    return seed


def _cmd_experiment(args) -> int:
    from .experiments import describe, run_experiment

    if args.list:
        for name, text in describe():
            print(f"{name:24s} {text}")
        return 0
    if not args.name:
        raise _UsageError("experiment: give a NAME or --list")
    seed = _resolve_seed(args)
    js, png = run_experiment(args.name, args.out, seed=seed, realizations=args.realizations,
                             quick=args.quick)
    print(f"wrote {js}\nwrote {png}")
    return 0


def _cmd_run(args) -> int:
    from .bridge.outputs import run_to_files

    seed = _resolve_seed(args)
    for path in run_to_files(args.netlist, args.out, seed):
        print(f"wrote {path}")
    return 0


def _cmd_sweep(args) -> int:
    from pathlib import Path

    from .sweep import load_spec, run_sweep
    from .sweep.backends import DEFAULT_RECYCLE

    spec = load_spec(args.spec)
    out = args.out if args.out is not None else Path("out") / Path(args.spec).stem
    summary = run_sweep(spec, out, workers=args.workers, scheduler=args.scheduler, seed=args.seed,
                        recycle=DEFAULT_RECYCLE if args.recycle is None else args.recycle)
    print(f"wrote {summary.table}")
    failed = summary.rows - summary.resumed - summary.ok
    if failed:
        print(f"spicemem: {failed} of {summary.rows} rows failed or are missing (see the status "
              f"and error columns); run the same command again to retry them", file=sys.stderr)
        return 1
    return 0


class _UsageError(Exception):
    pass


def main(argv=None) -> int:
    from .errors import SpicememError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line message
        return 0 if exc.code in (0, None) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (SpicememError, ValueError, OSError, _UsageError) as exc:
        msg = " ".join(str(exc).split())
        print(f"spicemem: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("spicemem: error: interrupted; finished results are on disk", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
