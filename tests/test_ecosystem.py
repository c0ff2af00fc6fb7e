"""The circuit-simulation ecosystem (issue 19): PySpice circuits, pandas / Parquet, progress.

Each claim is checked against an independent path: a PySpice-built circuit against the same
netlist written by hand (bit for bit, same seed); a Parquet file against the CSV of the same
run; the progress bar against a run without it (same numbers).
"""

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spicemem.bridge import run_netlist
from spicemem.bridge.engine import get_engine
from spicemem.cli import main

pytestmark = pytest.mark.ngspice

ROOT = Path(__file__).resolve().parents[1]
MODEL = ".model ag diffusive (preset=wang2017_paper friction_ratio=10 heating_ratio=20 theta_ambient=0.35)"

#: The synapse of netlists/synapse_stdp_taox.cir (Fig. 6c,d, dt = +1 ms), written by hand here so
#: that the PySpice version below is compared with an independent text.  Times are written as
#: PySpice writes them (1e-05, not 10u: ngspice's 10 * 1e-6 is 9.999999999999999e-06, a
#: different first step, so "10u" gives the same physics but not the same bits).
SYNAPSE = """\
* synapse, written by hand
.model ag diffusive (preset=wang2017_fig4 cluster_position_ratio=0.825 r_tunnel=19.111 v_threshold=0.6 tau_thermal=0.0008)
.model tao drift (preset=TaOx)
.model sread sw (vt=0.5 vh=0.1 ron=1 roff=1e12)
.subckt synapse pre post rd ctl
N1 pre mid ag
N2 post mid tao x0=0.13
S1 rd mid ctl 0 sread
.ends
Vpre pre 0 pwl(0 0 2e-05 0 2.04e-05 4 2.24e-05 4 2.28e-05 1.6 0.0008228 1.6 0.0008232 0 0.0026564 0)
Vpost post 0 pwl(0 0 0.0018232 0 0.0018236 4 0.0018256 4 0.001826 1.6 0.002626 1.6 0.0026264 0 0.0026564 0)
Vr rd 0 dc -0.1
Vc ctl 0 pwl(0 1 1e-05 1 1.01e-05 0 0.0026463 0 0.0026464 1 0.0026564 1)
X1 pre post rd ctl synapse
.tran 1e-05 0.0026564
.end
"""


@pytest.fixture(scope="module")
def engine():
    return get_engine()


@pytest.fixture(scope="module")
def example():
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import pyspice_circuits
    finally:
        sys.path.remove(str(ROOT / "examples"))
    return pyspice_circuits


def write(tmp_path, name, *lines):
    p = tmp_path / name
    p.write_text("* test\n" + "\n".join(lines) + "\n.end\n")
    return p


# -- PySpice ----------------------------------------------------------------------------------
def test_a_pyspice_circuit_runs_bit_for_bit_like_the_netlist_written_by_hand(engine, example):
    from spicemem.pyspice import simulate

    by_hand = run_netlist(SYNAPSE, seed=3)
    a = simulate(example.synapse_circuit(), step_time=10e-6, end_time=2656.4e-6, seed=3)
    r = a.result
    assert r.device_names == by_hand.device_names == ["X1.N1", "X1.N2"]
    assert np.array_equal(r.time, by_hand.time)
    assert np.array_equal(r.device_conductance, by_hand.device_conductance)
    assert np.array_equal(r.temperature, by_hand.temperature)
    for key, values in by_hand.vectors.items():
        assert np.array_equal(r.vectors[key], values), key
    # the waveforms the way PySpice users read them: named, with units, on the time axis
    assert str(a.time.unit) == "s" and str(a.nodes["x1.mid"].unit) == "V"
    assert str(a.branches["vr"].unit) == "A"
    assert np.array_equal(np.asarray(a.branches["vr"]), by_hand.vectors["i(vr)"])
    m = a.memristors["x1.n1"]
    assert str(m.conductance.unit) == "S" and str(m.temperature.unit) == "K"
    assert np.array_equal(np.asarray(m.current), by_hand.current[0])


def test_memristor_instance_parameters_are_checked(engine):
    from PySpice.Spice.Netlist import Circuit

    from spicemem.pyspice import Memristor

    c = Circuit("t")
    Memristor(c, 1, "a", c.gnd, model="ag", seed=7, state="on")
    assert "N1 a 0 ag seed=7 state=on" in str(c)
    with pytest.raises(ValueError, match="N2: parameter seed='7; shell'"):
        Memristor(c, 2, "a", c.gnd, model="ag", seed="7; shell")
    with pytest.raises(ValueError, match="N3: needs model"):
        Memristor(c, 3, "a", c.gnd)


def test_the_pyspice_example_runs_at_reduced_size(engine, example, tmp_path):
    """examples/pyspice_circuits.py --quick (2 reads per state, one synapse).

    The HRS read is bounded by Ohm's law whatever the selector does: at most
    4 V / (100 kOhm + 200 Ohm) = 39.9 uA.  An LRS read whose selector turned ON exceeds that
    bound (4 V over 10 kOhm and a selector of ~10 kOhm: ~0.2 mA); the selector's delay at 4 V
    is ~0.5 us (docs/crossbar.md), well inside the 2 us pulse, so every LRS read is above it.
    Pre before post (dt = +1 ms) cannot depress: a lone spike changes the weight by < 1e-4
    (docs/synapse.md), so the change is >= -1e-3."""
    s = example.run(tmp_path, seed=1, quick=True)
    bound = 4.0 / (example.R_HRS + 200.0)
    assert max(s["reads"]["HRS"]["peak_sense_current_a"]) <= bound
    assert min(s["reads"]["LRS"]["peak_sense_current_a"]) > 2 * bound
    assert s["synapse"]["weight_change_percent"] > -0.1
    assert (tmp_path / "pyspice_circuits.png").stat().st_size > 10_000
    assert (tmp_path / "pyspice_circuits.json").exists()


# -- pandas and Parquet -----------------------------------------------------------------------
def test_dataframe_and_parquet_hold_the_csv_numbers(engine, tmp_path, capsys):
    p = write(tmp_path, "pair.cir", MODEL, "V1 in 0 pulse(0 2.5 1u 0.5u 0.5u 3u 10u)",
              "R1 in mid 1k", "N1 mid 0 ag seed=3", ".tran 0.5u 8u")
    assert main(["run", str(p), "--out", str(tmp_path / "c"), "--seed", "1"]) == 0
    assert main(["run", str(p), "--out", str(tmp_path / "q"), "--seed", "1", "--format", "parquet"]) == 0
    capsys.readouterr()
    csv_df = pd.read_csv(tmp_path / "c" / "pair.csv")
    pq = pd.read_parquet(tmp_path / "q" / "pair.parquet")
    assert list(pq.columns) == list(csv_df.columns)
    assert {"time", "v(mid)", "i(v1)", "g(N1)", "temp(N1)"} <= set(pq.columns)
    # the CSV keeps 10 significant digits; Parquet keeps the float64s
    for col in csv_df.columns:
        np.testing.assert_allclose(pq[col], csv_df[col], rtol=1e-9, atol=0, err_msg=col)
    df = run_netlist(p, seed=1).to_dataframe()
    assert df.equals(pq)  # exact: the same run, the same float64s
    assert df.attrs["units"]["g(N1)"] == "S" and df.attrs["units"]["i(v1)"] == "A"
    assert df.attrs["seed"] == 1


def test_a_finished_sweep_also_writes_its_table_as_parquet(tmp_path):
    from spicemem.sweep import run_sweep

    sys.path.insert(0, str(ROOT / "tests"))
    try:
        spec = {"sweep": {"target": "python", "seed": 5, "realizations": 2, "metrics": ["y", "u"]},
                "python": {"function": "test_sweep:toy"}, "parameters": {"python.x": [0, 3]}}
        run_sweep(spec, tmp_path / "o", workers=0, progress=False)
    finally:
        sys.path.remove(str(ROOT / "tests"))
    csv_df = pd.read_csv(tmp_path / "o" / "results.csv")
    pq = pd.read_parquet(tmp_path / "o" / "results.parquet")
    assert len(pq) == 4 and pq.equals(csv_df)


# -- progress ---------------------------------------------------------------------------------
def test_progress_bar_shows_simulated_time_and_changes_no_number(engine, tmp_path):
    p = write(tmp_path, "bar.cir", MODEL, "V1 in 0 pulse(0 2.5 1u 0.5u 0.5u 3u 10u)",
              "R1 in mid 1k", "N1 mid 0 ag", "N2 mid 0 ag", ".tran 0.5u 30u")
    stream = io.StringIO()
    with_bar = run_netlist(p, seed=2, progress=stream)
    without = run_netlist(p, seed=2)
    assert np.array_equal(with_bar.device_conductance, without.device_conductance)
    assert np.array_equal(with_bar.vectors["v(mid)"], without.vectors["v(mid)"])
    text = stream.getvalue()
    n = with_bar.steps["accepted"]
    assert "bar.cir" in text and "2 devices" in text
    assert f"/ 3e-05 s, {n} steps" in text  # the last draw: every accepted step, the stop time


def test_no_progress_output_when_stderr_is_not_a_terminal(engine, tmp_path, capsys):
    p = write(tmp_path, "quiet.cir", MODEL, "V1 in 0 dc 0.1", "N1 in 0 ag", ".tran 0.5u 5u")
    assert main(["run", str(p), "--out", str(tmp_path / "o"), "--seed", "1"]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "steps" not in err


def test_ctrl_c_during_a_run_with_progress_keeps_the_partial_result(engine, tmp_path, ctrl_c_when):
    from spicemem.bridge import callbacks as cb
    from spicemem.bridge.run import BridgeInterrupted

    devs = [f"N{k} in 0 ag" for k in range(4)]
    p = write(tmp_path, "long.cir", MODEL, "V1 in 0 pulse(0 2.5 1u 0.5u 0.5u 8u 20u)", *devs,
              ".tran 0.5u 5000u")
    ctrl_c_when(lambda: cb.CTX[cb.ACTIVE] and cb.CTX[cb.N_ACCEPTED] > 50)
    with pytest.raises(BridgeInterrupted) as info:
        run_netlist(p, seed=1, progress=io.StringIO())
    res = info.value.result
    assert res is not None and res.time.size > 50 and res.time[-1] < 5000e-6


# -- plots ------------------------------------------------------------------------------------
def test_plot_option_draws_the_named_vectors_and_names_a_missing_one(engine, tmp_path, capsys):
    p = write(tmp_path, "pair.cir", MODEL, "V1 in 0 pulse(0 2.5 1u 0.5u 0.5u 3u 10u)",
              "R1 in mid 1k", "N1 mid 0 ag seed=3", ".tran 0.5u 8u")
    out = tmp_path / "o"
    assert main(["run", str(p), "--out", str(out), "--seed", "1", "--plot", "V(mid), i(v1),g(n1)"]) == 0
    assert (out / "pair.png").stat().st_size > 10_000
    capsys.readouterr()
    bad = tmp_path / "b"
    assert main(["run", str(p), "--out", str(bad), "--seed", "1", "--plot", "v(mid),v(nope)"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if not ln.startswith("spicemem: seed")]
    assert len(err) == 1 and "'v(nope)'" in err[0] and "v(mid)" in err[0], err
    assert (bad / "pair.csv").exists() and (bad / "pair.json").exists()  # the data is kept
    assert not (bad / "pair.png").exists()


def test_spicemem_run_draws_progress_on_a_terminal(tmp_path):
    """stderr on a pseudo-terminal (as in an interactive shell; this one reports 0 columns, as
    under ``script`` or some CI runners): the bar is drawn and ends at the stop time."""
    import os
    import pty
    import subprocess

    p = write(tmp_path, "tty.cir", MODEL, "V1 in 0 pulse(0 2.5 1u 0.5u 0.5u 3u 10u)",
              "R1 in mid 1k", "N1 mid 0 ag", ".tran 0.5u 20u")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "spicemem", "run", str(p), "--seed", "1",
                                 "--out", str(tmp_path / "o")], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT)
        os.close(slave)
        chunks = []
        while True:  # read while it runs: a full pty buffer would block the child
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child side is closed and everything was read
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=300)
    finally:
        os.close(master)
    assert proc.returncode == 0
    text = b"".join(chunks).decode("utf-8", "replace")
    assert "tty.cir" in text and "100%" in text and "t = 2e-05 / 2e-05 s" in text, text
