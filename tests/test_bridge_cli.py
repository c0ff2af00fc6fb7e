"""``spicemem run``: result files, subcircuits, and every error as one line with exit code 2."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spicemem.bridge import run_netlist, stream_index
from spicemem.bridge.engine import get_engine
from spicemem.cli import main

pytestmark = pytest.mark.ngspice

NETLISTS = Path(__file__).resolve().parents[1] / "netlists"
MODEL = ".model ag diffusive (preset=wang2017_paper friction_ratio=10 heating_ratio=20 theta_ambient=0.35)"


@pytest.fixture(scope="session")
def engine():
    """The process's one ngspice (every bridge test module asks for the same object)."""
    return get_engine()


def write(tmp_path, name, *lines):
    p = tmp_path / name
    p.write_text("\n".join(["* test", *lines, ".end"]) + "\n")
    return p


def run_cli(capsys, *argv):
    rc = main(["run", *map(str, argv)])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if not ln.startswith("spicemem: seed")]
    return rc, lines


def test_run_writes_csv_json_png(engine, tmp_path, capsys):
    rc = main(["run", str(NETLISTS / "subckt_pair.cir"), "--out", str(tmp_path), "--seed", "4"])
    assert rc == 0
    with open(tmp_path / "subckt_pair.csv") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[0] == "time"
    for col in ("v(in)", "i(v1)", "g(XR.X1.N1)", "g(XR.X2.N1)", "temp(XR.X1.N1)", "temp(XR.X2.N1)"):
        assert col in header, header
    assert not any("smg" in h for h in header)  # the bridge's own sources stay internal
    data = np.array(rows[1:], dtype=float)
    assert data[-1, 0] == pytest.approx(40e-6)
    meta = json.loads((tmp_path / "subckt_pair.json").read_text())
    assert meta["seed"] == 4 and meta["status"] == "ok"
    assert [d["name"] for d in meta["devices"]] == ["XR.X1.N1", "XR.X2.N1"]
    assert meta["steps"]["accepted"] == data.shape[0]
    assert meta["wall_time_s"] > 0 and meta["ngspice_version"].startswith("39")
    assert (tmp_path / "subckt_pair.png").stat().st_size > 1000


def test_subcircuit_devices_are_independent(engine):
    """One device per flattened instance, each on the stream of its hierarchical name."""
    text = "\n".join([
        "* nested cells", MODEL,
        ".subckt cell top bot", "Racc top mid 5k", "N1 mid bot ag", ".ends",
        ".subckt row in out", "X1 in out cell", "X2 in out cell", ".ends",
        "V1 in 0 pwl(0 0 1u 0 1.5u 2.5 10u 2.5 10.5u 0)",
        "XA in 0 row", "XB in 0 row", "N1 in 0 ag",
        ".tran 0.5u 12u", ".end"])
    r = run_netlist(text, seed=9)
    assert r.device_names == ["N1", "XA.X1.N1", "XA.X2.N1", "XB.X1.N1", "XB.X2.N1"]
    streams = [d["stream"] for d in r.devices]
    assert streams == [stream_index(k) for k in ("n1", "xa.x1.n1", "xa.x2.n1", "xb.x1.n1", "xb.x2.n1")]
    assert len(set(streams)) == 5
    # independent trajectories: no two devices share a conductance history
    g = r.device_conductance
    assert len({tuple(np.round(row, 15)) for row in g}) == 5
    # the voltage across a cell's device is what ngspice solved at that cell's node
    np.testing.assert_array_equal(r.voltage[1], r.vectors["v(xa.x1.mid)"])
    # a device keeps its stream, and so its initial state, in another netlist
    alone = run_netlist("\n".join(["* alone", MODEL, ".subckt cell top bot", "Racc top mid 5k",
                                   "N1 mid bot ag", ".ends", ".subckt row in out", "X2 in out cell",
                                   ".ends", "V1 in 0 dc 0", "XB in 0 row", ".tran 0.5u 1u", ".end"]),
                        seed=9)
    assert alone.device_names == ["XB.X2.N1"]
    assert alone.device_conductance[0, 0] == r.device_conductance[4, 0]


@pytest.mark.parametrize("lines, pattern", [
    ([".model m bogus (x=1)", "V1 a 0 dc 1", "N1 a 0 m", ".tran 1u 2u"], r"bad\.cir:2: model 'm' has type 'bogus'"),
    ([".model m diffusive (preset=nope)", "N1 a 0 m", ".tran 1u 2u"], r"bad\.cir:2: unknown preset 'nope'"),
    ([".model m diffusive (preset=wang2017_paper frobnicate=2)", "N1 a 0 m"], r"bad\.cir:2: unknown parameter 'frobnicate'"),
    (["V1 a 0 dc 1", "N1 a 0 nomodel"], r"bad\.cir:3: N1: model 'nomodel' is not defined"),
    ([MODEL, "N1 a 0", ".tran 1u 2u"], r"bad\.cir:3: malformed memristor line"),
    ([MODEL, "N1 a 0 ag seed=x", ".tran 1u 2u"], r"bad\.cir:3: parameter 'seed'"),
    ([MODEL, ".control", "run", ".endc"], r"bad\.cir:3: refused: \.control"),
    (["V1 a 0 dc 1", "shell rm -rf /tmp/x"], r"bad\.cir:3: refused: 'shell'"),
])
def test_errors_are_one_line_exit_2(engine, tmp_path, capsys, lines, pattern):
    p = write(tmp_path, "bad.cir", *lines)
    rc, err = run_cli(capsys, p, "--out", tmp_path / "out", "--seed", "1")
    assert rc == 2
    assert len(err) == 1, err
    assert err[0].startswith("spicemem: error: ")
    import re

    assert re.search(pattern, err[0]), err[0]


def test_missing_file(engine, tmp_path, capsys):
    rc, err = run_cli(capsys, tmp_path / "nope.cir", "--seed", "1")
    assert rc == 2 and len(err) == 1 and "not found" in err[0] and "nope.cir" in err[0]


def test_non_convergence_names_time_and_node_and_keeps_results(engine, tmp_path, capsys):
    # A negative differential conductance that runs away once V(a) nears 1 V.
    p = write(tmp_path, "runaway.cir", MODEL, "V1 in 0 pwl(0 0 1u 5)", "R1 in a 1k", "C1 a 0 1p",
              "B1 0 a I=1e-3*exp(40*(V(a)-1))", "N1 in 0 ag", ".tran 1n 2u")
    rc, err = run_cli(capsys, p, "--out", tmp_path / "out", "--seed", "1")
    assert rc == 2 and len(err) == 1, err
    assert "runaway.cir" in err[0] and "Timestep too small" in err[0]
    assert "time = " in err[0] and 'trouble with node "a"' in err[0]
    rows = (tmp_path / "out" / "runaway.csv").read_text().splitlines()
    assert len(rows) > 10  # the points before the failure are on disk
    meta = json.loads((tmp_path / "out" / "runaway.json").read_text())
    assert meta["status"] == "stopped"


def test_ctrl_c_stops_the_run_and_keeps_results(engine, tmp_path, capsys, ctrl_c_when):
    from spicemem.bridge import callbacks as cb

    devs = [f"N{k} in 0 ag" for k in range(4)]
    p = write(tmp_path, "long.cir", MODEL, "V1 in 0 pulse(0 2.5 1u 0.5u 0.5u 8u 20u)", *devs,
              ".tran 0.5u 5000u")

    ctrl_c_when(lambda: cb.CTX[cb.ACTIVE] and cb.CTX[cb.N_ACCEPTED] > 50)
    rc, err = run_cli(capsys, p, "--out", tmp_path / "out", "--seed", "1")
    assert rc == 2 and len(err) == 1, err
    assert "long.cir" in err[0] and "interrupted" in err[0]
    rows = (tmp_path / "out" / "long.csv").read_text().splitlines()
    assert len(rows) > 50
    assert float(rows[-1].split(",")[0]) < 5000e-6


def test_ngspice_missing_says_how_to_install(tmp_path):
    """In a fresh process (one ngspice per process): a library that cannot be loaded."""
    p = write(tmp_path, "one.cir", MODEL, "V1 a 0 dc 1", "N1 a 0 ag", ".tran 1u 2u")
    env = dict(os.environ, NGSPICE_LIBRARY_PATH=str(tmp_path / "libngspice-missing.so"))
    proc = subprocess.run([sys.executable, "-m", "spicemem.cli", "run", str(p), "--seed", "1",
                           "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=120)
    err = [ln for ln in proc.stderr.splitlines() if not ln.startswith("spicemem: seed")]
    assert proc.returncode == 2 and len(err) == 1, proc.stderr
    assert "apt-get install libngspice0" in err[0]


def test_raw_file_is_read_back_by_ngspice_itself(engine, tmp_path, capsys):
    """`spicemem run --format raw` writes an ngspice binary raw file; ngspice's own `load`
    (an independent reader) gives back every column bit for bit, names and types included."""
    from spicemem.bridge.outputs import write_raw

    p = write(tmp_path, "pair.cir", MODEL, "V1 in 0 pulse(0 2.5 1u 0.5u 0.5u 3u 10u)", "R1 in mid 1k",
              "N1 mid 0 ag seed=3", ".tran 0.5u 8u")
    rc, err = run_cli(capsys, p, "--out", tmp_path / "out", "--seed", "1", "--format", "raw")
    assert rc == 0, err
    assert not (tmp_path / "out" / "pair.csv").exists()
    res = run_netlist(p, seed=1)
    write_raw(res, tmp_path / "again.raw")
    assert (tmp_path / "again.raw").read_bytes().split(b"Binary:\n", 1)[1] == \
        (tmp_path / "out" / "pair.raw").read_bytes().split(b"Binary:\n", 1)[1]  # same seed, same data
    try:
        out, _ = engine.command(f"load {tmp_path / 'out' / 'pair.raw'}")
        assert any("done" in ln for ln in out), out
        loaded = engine.vectors(engine.current_plot())
    finally:
        engine.clear()
    cols = res.columns()
    assert set(loaded) == set(cols)
    for name, arr in cols.items():
        np.testing.assert_array_equal(loaded[name], arr, err_msg=name)
    text = (tmp_path / "out" / "pair.raw").read_bytes().split(b"Binary:\n", 1)[0].decode()
    assert "\ttime\ttime" in text and "\tv(mid)\tvoltage" in text and "\ti(v1)\tcurrent" in text


# -- ngspice's failures, named as the user wrote them ---------------------------------------------
@pytest.mark.parametrize("lines, patterns", [
    # a node without DC path (the fuzzer's hang, now a failure): the node and both remedies
    (["V1 a 0 dc 1", "R9 a 0 1k", "C1 n1 0 1p", ".tran 1u 4u"],
     [r'node "n1" has no DC path to ground', r"resistor \(e\.g\. 1G\)", r"'uic'", r"singular matrix"]),
    # the same inside a subcircuit: the X name as written and the subcircuit, not only 'x1.n1'
    ([".subckt cap p", "R1 p 0 1k", "C1 n1 0 1p", ".ends", "V1 a 0 dc 1", "R9 a 0 1k", "XCap a cap",
      ".tran 1u 4u"],
     [r'node "n1" inside XCap \(subcircuit "cap"; ngspice\'s xcap\.n1\) has no DC path']),
    # .op: no 'uic' to offer
    (["V1 a 0 dc 1", "R9 a 0 1k", "C1 n1 0 1p", ".op"], [r'node "n1" has no DC path', r"1G\)"]),
    # a loop of voltage sources / of inductors: the element, not "v1#branch"
    (["V1 a 0 dc 1", "V2 a 0 dc 2", "R9 a 0 1k", ".tran 1u 4u"],
     [r"the current through V1 is not fixed by the circuit \(a loop of voltage sources"]),
    (["V1 a 0 dc 1", "L1 a b 1u", "L2 b 0 1u", ".tran 1u 4u"], [r"the current through L1 is not fixed"]),
    ([".subckt lp p", "V1 p 0 dc 1", "V2 p 0 dc 2", ".ends", "X1 a lp", "R1 a 0 1k", ".tran 1u 4u"],
     [r'the current through V1 inside X1 \(subcircuit "lp"; ngspice\'s v\.x1\.v1\)']),
    # gmin and source stepping fail without a singular matrix: the node that moved most
    (["V1 in 0 dc 1", "R1 in a 1k", "B1 a 0 I=V(a)>0.5 ? 1 : -1", ".tran 1u 4u"],
     [r"gmin and source stepping both failed; the largest change in its last iteration: node \"a\""]),
    # timestep too small inside a subcircuit: ngspice's node and the user's
    ([MODEL, ".subckt ra in", "R1 in a 1k", "C1 a 0 1p", "B1 0 a I=1e-3*exp(40*(V(a)-1))", ".ends",
      "V1 in 0 pwl(0 0 1u 5)", "X1 in ra", "N1 in 0 ag", ".tran 1n 2u"],
     [r"Timestep too small; time = ", r'trouble with node "x1\.a" \(node "a" inside X1 \(subcircuit "ra"']),
    # every .save names a vector the circuit does not have: ngspice names none, we name the line
    (["V1 a 0 dc 1", "R9 a 0 1k", ".save v(zz)", ".tran 1u 4u"],
     [r"no \.save line \(\S*bad\.cir:4\) names a node or current"]),
    # unknown model: at top level (ngspice numbers the line) and inside a subcircuit (it does not)
    (["V1 a 0 dc 1", "D1 a 0 nosuch", ".tran 1u 4u"], [r"bad\.cir:3: ngspice: could not find a valid modelname"]),
    ([".subckt dd p", "D1 p 0 nosuch", ".ends", "V1 a 0 dc 1", "X1 a dd", ".tran 1u 4u"],
     [r"bad\.cir:3: ngspice: could not find a valid modelname \(in 'd\.x1\.d1 a 0 nosuch'\)"]),
    (["V1 a 0 dc 1", "X1 a 0 nosuch", ".tran 1u 4u"], [r"bad\.cir:3: ngspice: unknown subckt: x1 a 0 nosuch"]),
])
def test_ngspice_failures_name_the_node_or_element_in_one_line(engine, tmp_path, capsys, lines, patterns):
    """Each common ngspice failure, measured on 39.3 with these netlists, through the CLI:
    exit 2, one bounded line, no traceback, naming the node / element / line as written."""
    import re

    p = write(tmp_path, "bad.cir", *lines)
    rc, err = run_cli(capsys, p, "--out", tmp_path / "out", "--seed", "1")
    assert rc == 2 and len(err) == 1, err
    assert err[0].startswith("spicemem: error: ") and len(err[0]) < 2000, err[0]
    for pattern in patterns:
        assert re.search(pattern, err[0]), (pattern, err[0])


def test_the_bridges_own_nodes_are_not_blamed_on_the_user():
    """The names ngspice gives the nodes and elements the bridge writes (netlist.py: the state
    node ``smg_<name>``, the lines ``bsm_/ismg_/rsmg_<name>``, the guard node) are named as
    the memristor's or the bridge's, at top level and inside subcircuits."""
    from spicemem.bridge.messages import unknown_name
    from spicemem.bridge.netlist import read_netlist

    net = read_netlist("\n".join(["* t", MODEL, ".subckt cell p q", "N1 p q ag", ".ends",
                                  "V1 a 0 dc 1", "XA a 0 cell", "N2 a 0 ag", ".tran 1u 2u", ".end"]))
    assert unknown_name("smg_n2", net).startswith("the state node the bridge adds for memristor N2")
    assert unknown_name("xa.smg_n1", net).startswith("the state node the bridge adds for memristor XA.N1")
    assert unknown_name("i.xa.ismg_n1#branch", net) == "the current through memristor XA.N1"
    assert unknown_name("bsm_n2#internal", net) == "an internal node of memristor N2"
    assert unknown_name("smg__guard", net) == "the bridge's own guard node (smg__guard)"
    assert unknown_name('"xa.p"', net) == 'node "p" inside XA (subcircuit "cell"; ngspice\'s xa.p)'
    assert unknown_name("zz.q", net) == 'node "q" inside zz (ngspice\'s zz.q)'  # not a known path
    # a user node that merely looks like the bridge's (no such memristor) stays the user's
    assert unknown_name("smg_n9", net) == 'node "smg_n9"'
