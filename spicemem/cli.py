"""Command-line interface: ``spicemem experiment|run|sweep|crossbar ...``.

``build_parser()`` is separate from ``main(argv) -> int`` so tests call ``main`` directly.
Heavy imports happen inside the subcommands.  User errors (bad input, unwritable output,
simulator failures) print one line ``spicemem: error: ...`` and return 2.
"""

from __future__ import annotations

import argparse
import secrets
import sys

from .bridge.devices import memory_types  # the registry's metadata: no compiled code


def _seed(value: str) -> int:
    try:
        s = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {value!r}") from None
    if s < 0 or s >= 2**63:
        raise argparse.ArgumentTypeError(f"seed must be in [0, 2**63), got {value!r}")
    return s


def _memory(value: str) -> int:
    from .bridge.resources import parse_limit

    try:
        return parse_limit(value, "--max-memory") or 0
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def _legacy_memory_options() -> list:
    """[(type, (card, LRS, HRS keyword))] of the memories with their own crossbar keywords
    (``MemoryCell.aliases``), whose options ``--<card>``, ``--<LRS>``, ``--<HRS>`` (dashes for
    underscores) predate ``--memory-model/--memory-lrs/--memory-hrs``."""
    return [(kind, cell.aliases) for kind, cell in memory_types().items() if cell.aliases]


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
    rn.add_argument("--format", choices=("csv", "raw", "parquet"), default="csv",
                    help="waveform file: csv (default), raw (ngspice binary raw file, for "
                         "waveform viewers) or parquet (needs pandas + pyarrow); the JSON "
                         "summary and the PNG are always written")
    rn.add_argument("--plot", metavar="VECTORS",
                    help="comma-separated columns to draw in the PNG, e.g. 'v(mid),i(vr),g(X1.N2)' "
                         "(default: a preview of node voltages and device conductances)")
    rn.add_argument("--max-memory", type=_memory, default=None, metavar="SIZE",
                    help="memory cap of the run, e.g. 16G (0: none); a netlist whose estimated "
                         "need is larger is refused before anything is allocated (default: "
                         "$SPICEMEM_MAX_MEMORY, else 4G)")
    rn.set_defaults(func=_cmd_run)

    cb = sub.add_parser("crossbar", help="write a crossbar netlist (1R/1S1R, line resistance, bias scheme)",
                        description="Write an R x C crossbar netlist with a read or write pulse on one "
                                    "cell (docs/crossbar.md); run it with 'spicemem run'.")
    cb.add_argument("rows", type=_positive_int, help="number of rows")
    cb.add_argument("cols", type=_positive_int, help="number of columns")
    cb.add_argument("--cell", default="1S1R", help="1R or 1S1R (default 1S1R)")
    cb.add_argument("--memory", default="resistor",
                    help="resistor (stored pattern), or a registered memristor type that can be a "
                         f"memory: {', '.join(memory_types())} (default resistor)")
    cb.add_argument("--scheme", default="v/2", help="unselected lines: floating, v/2 or v/3 (default v/2)")
    cb.add_argument("--selected", default=None, metavar="I,J", help="selected cell (default 0,COLS-1)")
    cb.add_argument("--pattern", default="worst", metavar="worst|lrs|FILE",
                    help="stored states: worst (others LRS; default), lrs (all LRS), or a file of "
                         "rows of 1 (LRS) / 0 (HRS)")
    cb.add_argument("--state", default="hrs", help="selected cell's state for --pattern worst: lrs or hrs")
    for opt, default, unit in (("--r-lrs", "10k", "Ohm"), ("--r-hrs", "100k", "Ohm"), ("--r-wire", "2", "Ohm per segment"),
                               ("--r-driver", "100", "Ohm"), ("--r-sense", "100", "Ohm")):
        cb.add_argument(opt, default=default, help=f"in {unit} (default {default})")
    for kind, fields in _legacy_memory_options():  # the older per-type spelling of --memory-*
        cell = memory_types()[kind]
        unit = f", in {cell.unit}" if cell.unit else ""
        for name, default, what in zip(fields[1:], (cell.lrs, cell.hrs), ("an LRS", "an HRS")):
            cb.add_argument("--" + name.replace("_", "-"), default=None,
                            help=f"{kind} memory {cell.state_key} of {what} cell{unit} (default {default:g})")
    cb.add_argument("--memory-reversed", action="store_true",
                    help="memristor memory with n+ on the selector side (a positive read is its RESET polarity)")
    cb.add_argument("--pulse", default="read", help="read or write (a write needs --amplitude)")
    cb.add_argument("--amplitude", default=None, help="selected-row voltage, in V (read default 4)")
    for opt, default in (("--delay", "100n"), ("--rise", "50n"), ("--width", "2u"), ("--fall", "50n"),
                         ("--tail", "0")):
        cb.add_argument(opt, default=default, help=f"pulse {opt[2:]}, in s (default {default})")
    cb.add_argument("--selector-model", default=None, help="key=value text of the selector's .model card")
    for kind, fields in _legacy_memory_options():
        cb.add_argument("--" + fields[0].replace("_", "-"), default=None,
                        help=f"key=value text of the {kind} memory's .model card")
    cb.add_argument("--memory-model", default=None,
                    help="key=value text of any memristor memory's .model card (default: its type's)")
    cb.add_argument("--memory-lrs", default=None,
                    help="initial state of an LRS memristor memory, in its state keyword's unit")
    cb.add_argument("--memory-hrs", default=None,
                    help="initial state of an HRS memristor memory, in its state keyword's unit")
    cb.add_argument("--fixed-selector", default=None, metavar="OHM",
                    help="replace every selector by this resistance (plain-ngspice netlist)")
    cb.add_argument("--analysis", default="tran", help="tran (the pulse) or op (its plateau)")
    cb.add_argument("--tmax", default=None, help="maximum time step on the .tran line, in s")
    cb.add_argument("--out", default="netlists", help="output .cir file, or a directory (default ./netlists)")
    cb.set_defaults(func=_cmd_crossbar)

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
    _add_fit_parser(sub)
    return parser


# -- spicemem fit (issue 18) ----------------------------------------------------------------------
def _add_fit_parser(sub) -> None:
    from .sweep.options import nonnegative_int, scheduler_address

    ft = sub.add_parser("fit", help="calibrate a device model to measurements, with uncertainties",
                        description="Fit a preset's parameters to measured statistics; running it "
                                    "again with the same --out resumes (docs/fit.md).")
    ft.add_argument("spec", help="fit file (TOML)")
    ft.add_argument("--out", default="fit", help="output directory (default: ./fit)")
    where = ft.add_mutually_exclusive_group()
    where.add_argument("--workers", type=nonnegative_int,
                       help="local worker processes (default: the CPUs available; 0: in this process)")
    where.add_argument("--scheduler", type=scheduler_address, metavar="ADDRESS",
                       help="run the model evaluations on an existing Dask cluster, e.g. tcp://host:8786")
    ft.add_argument("--seed", type=_seed, help="seed of the common random numbers (default: the fit "
                                               "file's, else the one in --out, else random; printed)")
    ft.set_defaults(func=_cmd_fit)


def _cmd_fit(args) -> int:
    from .fit import load_fit_spec, run_fit

    spec = load_fit_spec(args.spec)
    report = run_fit(spec, args.out, workers=args.workers, scheduler=args.scheduler, seed=args.seed)
    for name, p in report["parameters"].items():
        note = "" if p["determined"] else f"  NOT DETERMINED ({p['why_not']})"
        print(f"{name} = {p['value']:.6g}  (95 %: {p['ci95'][0]:.4g} .. {p['ci95'][1]:.4g}){note}")
    print(f"wrote {args.out}/fitted.toml, report.json, report.png")
    return 0


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
    plot = [n for n in (args.plot or "").split(",") if n.strip()] or None
    for path in run_to_files(args.netlist, args.out, seed, args.format, plot=plot,
                             max_memory=args.max_memory):
        print(f"wrote {path}")
    return 0


def _cmd_crossbar(args) -> int:
    from pathlib import Path

    from .bridge.netlist import spice_number
    from .crossbar import Crossbar, Pulse, write_netlist
    from .crossbar.spec import HRS, LRS, worst_case_pattern

    def num(opt, text):
        try:
            return spice_number(str(text))
        except ValueError:
            raise ValueError(f"crossbar: {opt} expects a number (SPICE suffixes allowed), got {text!r}") from None

    selected = None
    if args.selected is not None:
        parts = args.selected.split(",")
        if len(parts) != 2 or not all(p.strip().lstrip("-").isdigit() for p in parts):
            raise ValueError(f"crossbar: --selected expects I,J (two integers), got {args.selected!r}")
        selected = tuple(int(p) for p in parts)
    state = {"lrs": LRS, "hrs": HRS}.get(args.state.lower())
    if state is None:
        raise ValueError(f"crossbar: --state must be lrs or hrs, got {args.state!r}")
    kind = args.pulse.lower()
    if kind == "write" and args.amplitude is None:
        raise ValueError("crossbar: a write pulse needs --amplitude (the selected-row voltage, in V)")
    pulse = Pulse(kind=kind, amplitude=4.0 if args.amplitude is None else num("--amplitude", args.amplitude),
                  **{k: num(f"--{k}", getattr(args, k)) for k in ("delay", "rise", "width", "fall", "tail")})
    extra = {}
    if args.selector_model is not None:
        extra["selector_model"] = args.selector_model
    for _, (card, lrs, hrs) in _legacy_memory_options():
        if getattr(args, card) is not None:
            extra[card] = getattr(args, card)
        for key in (lrs, hrs):
            if getattr(args, key) is not None:
                extra[key] = num("--" + key.replace("_", "-"), getattr(args, key))
    if args.memory_model is not None:
        extra["memory_model"] = args.memory_model
    for key in ("memory_lrs", "memory_hrs"):
        if getattr(args, key) is not None:
            extra[key] = num("--" + key.replace("_", "-"), getattr(args, key))
    spec = Crossbar(args.rows, args.cols, cell=args.cell, memory=args.memory, scheme=args.scheme,
                    selected=selected, pulse=pulse, analysis=args.analysis.lower(),
                    r_lrs=num("--r-lrs", args.r_lrs), r_hrs=num("--r-hrs", args.r_hrs),
                    r_wire=num("--r-wire", args.r_wire), r_driver=num("--r-driver", args.r_driver),
                    r_sense=num("--r-sense", args.r_sense), memory_reversed=args.memory_reversed,
                    selector_resistance=None if args.fixed_selector is None else num("--fixed-selector", args.fixed_selector),
                    tmax=None if args.tmax is None else num("--tmax", args.tmax), **extra)
    pat = args.pattern
    if pat.lower() == "worst":
        spec = spec.replace(pattern=worst_case_pattern(spec.rows, spec.cols, spec.selected, state))
    elif pat.lower() != "lrs":
        path = Path(pat)
        try:
            text = path.read_text()
        except OSError as exc:
            raise ValueError(f"crossbar: cannot read the pattern file {pat!r}: {exc.strerror or exc}") from None
        grid = [ln.replace(",", " ").split() for ln in text.splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")]
        spec = spec.replace(pattern=grid)
    print(f"wrote {write_netlist(spec, Path(args.out))}")
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


#: The longest error line the CLI prints: every message quotes foreign text clipped
#: (:func:`spicemem.errors.clip`), and this bounds the sum, e.g. of many names listed.
MESSAGE_LIMIT = 2000


def main(argv=None) -> int:
    from .errors import SpicememError, clip

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
        msg = clip(" ".join(str(exc).split()), MESSAGE_LIMIT)
        print(f"spicemem: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # a sweep appends each finished row to its table as it goes; other commands write
        # their files only at the end (an interrupted bridge run reports what it wrote itself)
        kept = "; finished results are on disk" if args.command in ("sweep", "fit") else "; nothing was written"
        print(f"spicemem: error: interrupted{kept}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
