"""Issue 15: a model's name appears only in its own modules -- adding a model touches its own
module, presets, tests and docs, and the registry's lines for it; nothing else.

The check reads the *code* of every generic module of spicemem (identifiers, imports,
keywords and string literals; not docstrings or comments, which may cite any model as an
example) and fails on a model's name or kind ('drift', 'rram', 'taox', 'hfox', 'stanford')
outside:

* the model's own files (``kernels/<m>.py``, ``devices/<m>.py``, ``bridge/devices_<m>.py``,
  ``bridge/kernels_<m>.py``; presets are TOML beside them);
* the registry's import and ``register`` lines in ``bridge/devices.py``;
* ``experiments/`` (studies of a particular model: the synapse and crossbar circuits are
  TaOx/HfOx by design) and ``fit/`` (fits the diffusive model);
* the legacy crossbar keywords that the two older memory types declare themselves
  (``MemoryCell.aliases``), kept for backward compatibility -- checked to be exactly those;
* one word of physics: the Langevin ``drift`` term of the diffusive kernel.
"""

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "spicemem"
WORDS = re.compile(r"drift|rram|taox|hfox|stanford", re.IGNORECASE)
OWN = re.compile(r"^(kernels/|devices/|bridge/devices_|bridge/kernels_)(drift|rram)\.py$")
STUDIES = ("experiments/", "fit/")
REGISTRY_LINES = {"from . import devices_diffusive, devices_drift, devices_rram",
                  "register(devices_drift.TYPE)", "register(devices_rram.TYPE)"}
PHYSICS = {("kernels/diffusive.py", "drift")}  # the deterministic term a*v of the Langevin step


def code_words(source: str):
    """(line, text) of every identifier, imported name, keyword and non-docstring string."""
    tree = ast.parse(source)
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                docs.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value
        elif isinstance(node, ast.Name):
            yield node.lineno, node.id
        elif isinstance(node, ast.Attribute):
            yield node.lineno, node.attr
        elif isinstance(node, ast.alias):
            yield node.lineno, node.name
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.lineno, node.name
        elif isinstance(node, ast.arg):
            yield node.lineno, node.arg
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.lineno, node.arg
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module


def legacy_names() -> set:
    from spicemem.bridge.devices import memory_types

    names = set()
    for cell in memory_types().values():
        if cell.aliases:
            names.update(cell.aliases)
            names.add(cell.aliases[0].upper())  # the constant crossbar.spec.<CARD>
    return names


def offending(files=None) -> list:
    legacy = legacy_names()
    out = []
    for f in sorted(PKG.rglob("*.py")) if files is None else files:
        rel = f.relative_to(PKG).as_posix()
        if OWN.match(rel) or rel.startswith(STUDIES):
            continue
        lines = f.read_text().splitlines()
        for lineno, text in code_words(f.read_text()):
            if not WORDS.search(text) or text in legacy or (rel, text) in PHYSICS:
                continue
            if rel == "bridge/devices.py" and lines[lineno - 1].strip() in REGISTRY_LINES:
                continue
            out.append(f"{rel}:{lineno}: {text[:80]!r}")
    return out


def test_no_model_name_in_a_generic_module():
    found = offending()
    assert not found, "a model named outside its own modules:\n" + "\n".join(found)


def test_the_legacy_names_are_the_two_older_memories_own():
    # only the two memories that had their own crossbar keywords declare aliases
    assert legacy_names() == {"drift_model", "x_lrs", "x_hrs", "DRIFT_MODEL",
                              "rram_model", "gap_lrs", "gap_hrs", "RRAM_MODEL"}


def test_the_scan_finds_a_model_name():
    """The check itself: code that names a model is caught; a docstring or a comment that
    cites one is not."""
    text = ('"""Cites the drift model."""\n# rram here\nKIND = "rram"\n'
            'def f(taox_ratio):\n    """HfOx."""\n    return taox_ratio\n')
    words = sorted({t for _, t in code_words(text) if WORDS.search(t)})
    assert words == ["rram", "taox_ratio"], words
