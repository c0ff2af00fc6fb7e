"""Experiments: paper figures and device studies, all under one contract.

Each experiment is a module with

* ``DESCRIPTION``: one line for ``spicemem experiment --list``;
* ``run(*, seed, realizations, quick, progress) -> dict``: the numbers (JSON-able; arrays
  allowed), full size unless ``quick``;
* ``plot(result, path)``: the figure as a PNG.

:func:`run_experiment` adds the seed, realization count, parameters and wall time, and
writes ``DIR/NAME.json`` and ``DIR/NAME.png`` atomically.
"""

from __future__ import annotations

import importlib
import time
import warnings
from pathlib import Path

from ..devices.validity import ValidityWarning
from ..errors import SpicememError
from ..io import atomic_write_json, ensure_dir

#: name -> module (relative to this package).  Descriptions live in the modules.
EXPERIMENTS: dict[str, str] = {
    "single-pulse": ".single_pulse",
    "hybrid-validation": ".hybrid_validation",
    "hybrid-map": ".hybrid_map",
    "crossbar-sneak": ".crossbar_sneak",
    "crossbar-sneak-rram": ".crossbar_sneak_rram",
    "crossbar-disturb": ".crossbar_disturb",
    "fig4a": ".fig4a",
    "fig4a-tau": ".fig4a_tau",
    "fig4b": ".fig4b",
    "ppd-low-frequency": ".ppd_low_frequency",
    "iv-loop": ".iv_loop",
    "fast-switching": ".fast_switching",
    "delay-relaxation": ".delay_relaxation",
    "arrhenius": ".arrhenius",
    "ppf-tzero": ".ppf_tzero",
    "frequency-switching": ".frequency_switching",
    "srdp": ".srdp",
    "stdp": ".stdp",
    "srdp-taox": ".srdp_taox",
    "stdp-taox": ".stdp_taox",
}


def experiment_names() -> list[str]:
    return sorted(EXPERIMENTS)


def load(name: str):
    if name not in EXPERIMENTS:
        raise SpicememError(f"unknown experiment {name!r}; run 'spicemem experiment --list' "
                            f"(known: {', '.join(experiment_names())})")
    return importlib.import_module(EXPERIMENTS[name], __name__)


def describe() -> list[tuple[str, str]]:
    return [(n, load(n).DESCRIPTION) for n in experiment_names()]


def run_experiment(name: str, out, *, seed: int, realizations: int | None = None,
                   quick: bool = False, progress: bool | None = None, **options) -> tuple[Path, Path]:
    """Run experiment ``name`` and write ``out/NAME.json`` and ``out/NAME.png``.

    ``options`` go to the experiment's ``run`` (e.g. ``presets=`` of ``iv-loop``)."""
    module = load(name)
    out = ensure_dir(out)
    t0 = time.perf_counter()
    # Runs that leave a model's validity range warn; collect them into the JSON and say so
    # once on stderr for the whole experiment (not once per ensemble run).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ValidityWarning)
        result = module.run(seed=seed, realizations=realizations, quick=quick, progress=progress,
                            **options)
    result = dict(result)
    left = [str(w.message) for w in caught if issubclass(w.category, ValidityWarning)]
    for w in caught:
        if not issubclass(w.category, ValidityWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    result["validity_warnings"] = left
    result.setdefault("experiment", name)
    result["seed"] = seed
    result["quick"] = quick
    result["wall_time_s"] = time.perf_counter() - t0
    png = out / f"{name}.png"
    module.plot(result, png)
    js = atomic_write_json(out / f"{name}.json", result)
    if left:
        warnings.warn(f"{name}: {len(left)} of its runs left a model's validity range (listed in "
                      f"{name}.json, 'validity_warnings'; first: {left[0]})", ValidityWarning, stacklevel=2)
    return js, png
