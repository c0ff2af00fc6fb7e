"""Sweeps (issue 9): spec, seeds, table, failures, a killed worker, resume, Ctrl-C, CLI.

The targets here are small Python functions (below) and a tiny device: the machinery is
under test, not the physics.  Functions run by spawned worker processes must be
importable by name: pytest puts this folder on sys.path, and spawned children inherit it.
"""

import copy
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spicemem.cli import main
from spicemem.sweep import SpecError, SweepSpec, load_spec, plan, run_sweep, task_seed
from spicemem.sweep.netlist_params import netlist_symbols, substitute

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sweep_relaxation.toml"


def toy(*, seed, x=0.0, mode="ok", log="", flag=""):
    """A target with controllable faults: x == 1 raises (mode 'raise' or while ``flag``
    exists), x == 2 kills its process (mode 'kill'); 'sleep' takes 1 s per call (long enough
    that a Ctrl-C sent after the first rows lands while the others still run, under load)."""
    if log:
        with open(log, "a") as fh:
            fh.write(f"{x} {seed}\n")
    if x == 1 and (mode == "raise" or (flag and os.path.exists(flag))):
        raise ValueError(f"bad x {x}")
    if x == 2 and mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "sleep":
        time.sleep(1.0)
    rng = np.random.default_rng(seed)
    return {"y": x + rng.standard_normal(), "u": rng.random()}


def toy_spec(**python):
    return {"sweep": {"target": "python", "seed": 5, "realizations": 3, "metrics": ["y", "u"]},
            "python": {"function": "test_sweep:toy", **python},
            "parameters": {"python.x": [0, 1, 2, 3]}}


def read_rows(out):
    with open(Path(out) / "results.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def by_key(rows):
    return {(int(r["point"]), int(r["realization"])): r for r in rows}


# -- spec -------------------------------------------------------------------------------------
def test_points_are_the_product_of_lists_grids_and_zip_groups():
    spec = SweepSpec.from_dict({
        "sweep": {"target": "python", "seed": 1, "metrics": ["y"]},
        "python": {"function": "test_sweep:toy"},
        "parameters": {
            "python.a": [1, 2],
            "zip": [{"python.b": [10, 20, 30], "python.c": ["p", "q", "r"]}],
            "python.d": {"start": 0.3, "stop": 0.4, "num": 3},
            "python.e": {"start": 1.0, "stop": 100.0, "num": 3, "scale": "log"},
            "python.f": {"start": 0.0, "stop": 0.3, "step": 0.1},
        }})
    assert spec.parameter_names == ["python.a", "python.b", "python.c", "python.d", "python.e", "python.f"]
    pts = spec.points()
    assert spec.n_points == len(pts) == 2 * 3 * 3 * 3 * 4
    # First axis slowest; zipped values move together; grids rounded to 12 digits.
    assert pts[0] == {"python.a": 1, "python.b": 10, "python.c": "p", "python.d": 0.3,
                      "python.e": 1.0, "python.f": 0.0}
    assert pts[-1]["python.a"] == 2 and pts[-1]["python.f"] == 0.3
    assert {(p["python.b"], p["python.c"]) for p in pts} == {(10, "p"), (20, "q"), (30, "r")}
    assert sorted({p["python.d"] for p in pts}) == [0.3, 0.35, 0.4]
    assert sorted({p["python.e"] for p in pts}) == [1.0, 10.0, 100.0]


def test_the_example_is_valid_and_its_preset_is_one_line():
    spec = load_spec(EXAMPLE)
    assert spec.target == "device" and spec.seed == 2017
    assert spec.parameter_names == ["device.t_ambient", "waveform.amplitude"]
    assert spec.n_points == 12 and spec.realizations == 16
    assert spec.sections["device"]["preset"] == "wang2017_paper"
    # Switching to the measured SiOxNy:Ag device is one line (the device table is inline).
    lines = EXAMPLE.read_text().splitlines()
    assert sum(line.startswith("device = {") for line in lines) == 1
    assert '# device = { preset = "SiOxNy_Ag" }' in lines


BAD = [
    ('[sweep]\ntarget = "spice"\n', "sweep.target = 'spice'"),
    ('[sweep]\ntarget = "device"\nrealizations = 0\n', "sweep.realizations = 0"),
    ('[sweep]\ntarget = "device"\nseed = -1\n', "sweep.seed = -1"),
    ('[sweep]\ntarget = "device"\nbogus = 1\n', "sweep.bogus = 1"),
    ('[sweep]\ntarget = "device"\nmetrics = ["g_peak", "speed"]\n[waveform]\namplitude = 2\nwidth = 1e-6\n',
     "sweep.metrics = 'speed'"),
    ('[sweep]\ntarget = "device"\n[device]\nfriction = 3\n', "device.friction = 3"),
    ('[sweep]\ntarget = "device"\n[device]\npreset = "nope"\n', "device.preset = 'nope'"),
    ('[sweep]\ntarget = "device"\n[waveform]\nwidth = 1e-6\n', "waveform.amplitude"),
    ('[sweep]\ntarget = "device"\n[parameters]\n"device.t_ambient" = 300\n', 'parameters."device.t_ambient" = 300'),
    ('[sweep]\ntarget = "device"\n[parameters]\n"device.t_ambient" = []\n', 'parameters."device.t_ambient" = []'),
    ('[sweep]\ntarget = "device"\n[parameters]\n"device.t_ambient" = {start = 1, stop = 2}\n',
     "parameters.\"device.t_ambient\" = {'start': 1, 'stop': 2}"),
    ('[sweep]\ntarget = "device"\n[parameters]\n"pulse.amplitude" = [1, 2]\n', 'parameters."pulse.amplitude"'),
    ('[sweep]\ntarget = "device"\n[parameters]\nt_ambient = [1, 2]\n', "parameters.t_ambient"),
    ('[sweep]\ntarget = "device"\n[[parameters.zip]]\n"device.t_ambient" = [1, 2]\n"waveform.width" = [1]\n',
     "parameters.zip[0]"),
    ('[sweep]\ntarget = "python"\n[python]\nfunction = "not a ref"\n', "python.function = 'not a ref'"),
    ('[sweep\ntarget = "device"\n', "invalid TOML"),
]


@pytest.mark.parametrize("text, where", BAD)
def test_bad_specs_are_one_line_naming_file_key_and_value(tmp_path, capsys, text, where):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: ") and where in msg and "\n" not in msg, msg
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("spicemem: error: ") and where in err[0], err


@pytest.mark.parametrize("argv", [["--workers", "-1"], ["--scheduler", "localhost:8786"],
                                  ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]])
def test_bad_options_exit_2(argv, capsys):
    assert main(["sweep", str(EXAMPLE)] + argv) == 2
    assert "error" in capsys.readouterr().err


def test_unreachable_scheduler_is_one_error(tmp_path):
    from spicemem.errors import SpicememError

    with pytest.raises(SpicememError, match=r"^cannot connect to the Dask scheduler at tcp://127.0.0.1:9: "):
        run_sweep(toy_spec(), tmp_path / "o", scheduler="tcp://127.0.0.1:9", connect_timeout=0.5,
                  progress=False)


# -- seeds ------------------------------------------------------------------------------------
def test_task_seeds_follow_numpy_spawn_tree_and_plan_groups_rows():
    ss = np.random.SeedSequence(7).spawn(3)[2].spawn(5)[4]
    assert task_seed(7, 2, 4) == int(ss.generate_state(1, np.uint64)[0]) >> 1
    seeds = {task_seed(7, p, r) for p in range(50) for r in range(50)}
    assert len(seeds) == 2500 and all(0 <= s < 2**63 for s in seeds)
    spec = SweepSpec.from_dict({**toy_spec(), "sweep": {**toy_spec()["sweep"], "realizations": 5,
                                                        "realizations_per_task": 2}})
    tasks = plan(spec, done={(0, 1), (3, 4)})
    assert [(t.point, [r for r, _ in t.jobs]) for t in tasks[:3]] == [(0, [0, 2]), (0, [3, 4]), (1, [0, 1])]
    assert all(s == task_seed(5, t.point, r) for t in tasks for r, s in t.jobs)
    assert sum(len(t.jobs) for t in tasks) == 4 * 5 - 2


# -- failures, kills, resume ---------------------------------------------------------------------
def test_raising_and_killed_points_are_recorded_and_the_sweep_goes_on(tmp_path):
    # x == 1 raises, x == 2 SIGKILLs its worker; 2 workers, 3 realizations per task.
    spec = toy_spec(mode="kill", flag=str(tmp_path / "flag"))
    (tmp_path / "flag").write_text("")
    summary = run_sweep(spec, tmp_path / "o", workers=2, recycle=0, progress=False)
    rows = by_key(read_rows(tmp_path / "o"))
    assert len(rows) == 12 and summary.computed == 12
    status = {k: r["status"] for k, r in rows.items()}
    assert all(status[(p, r)] == "ok" for p in (0, 3) for r in range(3)), status
    for r in range(3):
        assert rows[(1, r)]["status"] == "failed" and rows[(1, r)]["error"] == "ValueError: bad x 1"
        assert rows[(2, r)]["status"] == "failed" and "worker process died" in rows[(2, r)]["error"]
        assert rows[(2, r)]["y"] == ""
    assert summary.ok == 6 and summary.failed == 6
    point = json.loads((tmp_path / "o" / "points" / "point_00002.json").read_text())
    assert point["rows_failed"] == 3 and point["parameters"] == {"python.x": 2}


def test_resume_recomputes_only_missing_and_failed_rows(tmp_path):
    out, log, flag = tmp_path / "o", tmp_path / "calls.log", tmp_path / "flag"
    flag.write_text("")
    spec = toy_spec(log=str(log), flag=str(flag))
    first = run_sweep(spec, out, workers=0, progress=False)
    assert (first.ok, first.failed) == (9, 3)
    rows1 = by_key(read_rows(out))
    # Fix the cause, and simulate an interruption: two rows lost, a half-written line.
    flag.unlink()
    lines = (out / "results.csv").read_text().splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(("3,1,", "3,2,"))]
    (out / "results.csv").write_text("".join(kept) + "3,2,123,3,0.5")
    log.write_text("")
    second = run_sweep(spec, out, workers=0, progress=False)
    redone = sorted((int(x), int(seed)) for x, seed in (ln.split() for ln in log.read_text().splitlines()))
    expected = sorted([(1, task_seed(5, 1, r)) for r in range(3)] + [(3, task_seed(5, 3, r)) for r in (1, 2)])
    assert redone == expected
    assert (second.resumed, second.computed, second.ok) == (7, 5, 5) and second.complete
    rows2 = read_rows(out)
    assert len(rows2) == 12 and len(by_key(rows2)) == 12  # tidy: one row per point and realization
    rows2 = by_key(rows2)
    for key, row in rows1.items():
        if row["status"] == "ok":
            assert rows2[key]["y"] == row["y"]  # same seed, same number, bit for bit
    # A third run has nothing to do.
    log.write_text("")
    third = run_sweep(spec, out, workers=0, progress=False)
    assert third.computed == 0 and log.read_text() == ""


def test_a_changed_spec_refuses_to_resume(tmp_path, capsys):
    path = tmp_path / "s.toml"
    text = ('[sweep]\ntarget = "python"\nseed = 3\nrealizations = 2\nmetrics = ["y"]\n'
            '[python]\nfunction = "test_sweep:toy"\n[parameters]\n"python.x" = [0, 3]\n')
    path.write_text(text)
    out = str(tmp_path / "o")
    assert main(["sweep", str(path), "--out", out, "--workers", "0"]) == 0
    assert main(["sweep", str(path), "--out", out, "--workers", "0"]) == 0  # same spec: resumes
    capsys.readouterr()
    path.write_text(text.replace("[0, 3]", "[0, 4]"))
    assert main(["sweep", str(path), "--out", out, "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"spicemem: error: {out}: holds a sweep with a different spec")
    path.write_text(text)
    assert main(["sweep", str(path), "--out", out, "--workers", "0", "--seed", "4"]) == 2
    assert "base seed differs" in capsys.readouterr().err


def test_failed_rows_make_exit_1_and_a_retry_fixes_them(tmp_path, capsys):
    flag = tmp_path / "flag"
    flag.write_text("")
    path = tmp_path / "s.toml"
    path.write_text(f'[sweep]\ntarget = "python"\nseed = 3\nmetrics = ["y", "u"]\n'
                    f'[python]\nfunction = "test_sweep:toy"\nflag = "{flag}"\n'
                    f'[parameters]\n"python.x" = [0, 1]\n')
    out = str(tmp_path / "o")
    assert main(["sweep", str(path), "--out", out, "--workers", "0"]) == 1
    assert "1 of 2 rows failed" in capsys.readouterr().err
    flag.unlink()
    assert main(["sweep", str(path), "--out", out, "--workers", "0"]) == 0
    err = capsys.readouterr().err
    assert "seed 3" in err and "1 done before, 1 to compute" in err
    rows = read_rows(out)
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert list(rows[0]) == ["point", "realization", "seed", "python.x", "y", "u", "status", "error",
                             "wall_time_s"]


def test_an_experiment_is_a_target_and_a_missing_metric_fails_its_rows(tmp_path):
    spec = {"sweep": {"target": "experiment", "seed": 1, "metrics": ["g_peak", "g_at_pulse_end"]},
            "experiment": {"name": "single-pulse", "quick": True},
            "parameters": {"experiment.realizations": [2]}}
    s = run_sweep(spec, tmp_path / "e", workers=0, progress=False)
    row = read_rows(tmp_path / "e")[0]
    assert s.ok == 1 and 0 < float(row["g_at_pulse_end"]) <= float(row["g_peak"]) <= 1
    with pytest.raises(SpecError, match="experiment.name = 'fig99'"):
        SweepSpec.from_dict({**spec, "experiment": {"name": "fig99"}})
    spec = toy_spec()
    spec["sweep"]["metrics"] = ["y", "z"]
    s = run_sweep(spec, tmp_path / "p", workers=0, progress=False)
    row = read_rows(tmp_path / "p")[0]
    assert s.failed == 12 and row["error"] == "LookupError: the function's result has no 'z' (scalars: y, u)"


def test_a_bad_device_value_fails_its_point_only(tmp_path):
    spec = {"sweep": {"target": "device", "seed": 2, "metrics": ["g_peak", "relaxation_time"]},
            "device": {"integrator": "langevin", "n_particles": 8},
            "waveform": {"amplitude": 2.5, "width": 0.5e-6, "tail": 0.5e-6},
            "parameters": {"device.t_ambient": [330.0, -5.0]}}
    s = run_sweep(spec, tmp_path / "o", workers=0, progress=False)
    rows = read_rows(tmp_path / "o")
    assert (s.ok, s.failed) == (1, 1)
    assert rows[0]["status"] == "ok" and float(rows[0]["g_peak"]) > 0
    assert rows[1]["status"] == "failed" and "t_ambient" in rows[1]["error"] and "must be > 0" in rows[1]["error"]


def test_ctrl_c_stops_cleanly_and_the_same_command_resumes(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[sweep]\ntarget = "python"\nseed = 9\nrealizations = 4\nrealizations_per_task = 1\n'
                    'metrics = ["y"]\n[python]\nfunction = "test_sweep:toy"\nmode = "sleep"\n'
                    '[parameters]\n"python.x" = [0, 3, 4]\n')
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                                        os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "spicemem.cli", "sweep", str(path), "--out", str(out), "--workers", "2"]
    # A shell without job control starts background jobs with SIGINT ignored, and Python
    # keeps an inherited SIG_IGN: restore the default so the child sees Ctrl-C as a user would.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        table = out / "results.csv"
        while time.monotonic() < deadline:
            if table.exists() and table.read_text().count("\n") >= 4:  # header + 3 rows
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # pragma: no cover - only if the test already failed
            proc.kill()
            proc.wait()
    assert proc.returncode == 2, err
    assert "interrupted; finished results are on disk" in err and "Traceback" not in err
    text = table.read_text()
    assert text.endswith("\n")
    rows = read_rows(out)
    assert 3 <= len(rows) < 12 and all(r["status"] == "ok" for r in rows)
    done = len(rows)
    again = subprocess.run(cmd[:-2] + ["--workers", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert f"{done} done before, {12 - done} to compute" in again.stderr
    assert len(by_key(read_rows(out))) == 12


# -- netlist substitution (no ngspice needed) ------------------------------------------------------
def test_netlist_values_are_substituted_safely(tmp_path):
    text = ("title\n.param vin = 1.5 rload={2*rx} rx=1k\n.model ag diffusive (preset=wang2017_paper\n"
            "+ temp=300)\n.include sub/lib.cir\nN1 a 0 ag seed=7\n.tran 1u 10u\n.end\n")
    assert netlist_symbols(text) == ({"vin", "rload", "rx"}, {"ag"})
    new = substitute(text, {"vin": 2.25, "rx": 5}, {"ag": {"temp": 350.0, "friction_ratio": 10}},
                     base_dir=tmp_path)
    lines = new.splitlines()
    assert lines[1] == ".param vin=2.25 rload={2*rx} rx=5"
    assert lines[2] == ".model ag diffusive (preset=wang2017_paper temp=350.0 friction_ratio=10)"
    assert lines[3] == f".include {tmp_path / 'sub/lib.cir'}"
    with pytest.raises(ValueError):
        substitute(text, {"vin": "1\n.control"}, {}, base_dir=tmp_path)


def test_importing_the_sweep_package_loads_no_numba_or_dask():
    code = ("import sys, spicemem.sweep, spicemem.cli; spicemem.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numba', 'dask', 'distributed', 'matplotlib', 'PySpice')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_spec_hash_ignores_grouping_but_not_values():
    base = toy_spec()
    other = copy.deepcopy(base)
    other["sweep"]["realizations_per_task"] = 1
    assert SweepSpec.from_dict(base).spec_hash() == SweepSpec.from_dict(other).spec_hash()
    other["parameters"]["python.x"] = [0, 1, 2, 4]
    assert SweepSpec.from_dict(base).spec_hash() != SweepSpec.from_dict(other).spec_hash()


@pytest.mark.ngspice
def test_a_netlist_sweep_runs_in_a_worker_and_matches_this_process(tmp_path):
    (tmp_path / "rc.cir").write_text(
        "* a pulse through a resistor into one diffusive memristor\n"
        ".param vin=2.0 rs=1k\n"
        ".model ag diffusive (preset=wang2017_paper friction_ratio=10 heating_ratio=20\n"
        "+ integrator=langevin n_particles=10 temp=330)\n"
        "V1 in 0 pwl(0 0 0.1u {vin} 1u {vin} 1.1u 0)\nR1 in mid {rs}\nN1 mid 0 ag\n"
        ".tran 0.05u 2u\n.end\n")
    spec = {"sweep": {"target": "netlist", "seed": 4, "realizations": 2,
                      "metrics": ["max:g(n1)", "final:v(mid)", "max:temp(N1)"]},
            "netlist": {"path": "rc.cir"}, "param": {"rs": 2000},
            "parameters": {"param.vin": [1.5, 2.5], "model.ag.temp": [350.0]}}
    spec = SweepSpec.from_dict(spec, base_dir=tmp_path)
    a = run_sweep(spec, tmp_path / "pool", workers=1, progress=False)
    b = run_sweep(spec, tmp_path / "here", workers=0, progress=False)
    assert a.ok == b.ok == 4
    strip = lambda rows: [{k: v for k, v in r.items() if k != "wall_time_s"} for r in rows]  # noqa: E731
    assert strip(read_rows(tmp_path / "pool")) == strip(read_rows(tmp_path / "here"))
    rows = read_rows(tmp_path / "here")
    assert float(rows[2]["max:temp(N1)"]) > float(rows[0]["max:temp(N1)"]) > 349  # more volts, hotter
    with pytest.raises(SpecError, match=r"no '\.param vout=\.\.\.' line"):
        SweepSpec.from_dict({"sweep": {"target": "netlist", "metrics": ["max:v(mid)"]},
                             "netlist": {"path": "rc.cir"}, "parameters": {"param.vout": [1.0]}},
                            base_dir=tmp_path)
