"""The CLI contract shared by every experiment."""

import json
import os

import pytest

from spicemem.cli import main


def test_single_pulse_writes_json_and_png(tmp_path, capsys):
    assert main(["experiment", "single-pulse", "--out", str(tmp_path), "--quick", "--seed", "3"]) == 0
    data = json.loads((tmp_path / "single-pulse.json").read_text())
    for key in ("seed", "realizations", "params", "wall_time_s", "t_s", "g_mean", "temperature_mean_k"):
        assert key in data, key
    assert data["seed"] == 3
    assert (tmp_path / "single-pulse.png").stat().st_size > 1000
    # Switches under the pulse and heats: the mean rises well above its OFF value (~0.015).
    assert data["g_peak"] > 0.05
    assert max(data["temperature_mean_k"]) > data["temperature_mean_k"][0] + 50
    assert "seed 3" in capsys.readouterr().err
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_list_names_every_experiment(capsys):
    assert main(["experiment", "--list"]) == 0
    assert "single-pulse" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["experiment", "no-such-thing", "--quick"],
                                  ["experiment", "single-pulse", "--seed", "-4"],
                                  ["experiment", "single-pulse", "--realizations", "0"],
                                  ["bogus-command"]])
def test_bad_input_is_one_line_and_exit_2(argv, capsys, tmp_path):
    assert main(argv + ["--out", str(tmp_path)] if argv[0] == "experiment" else argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and "error" in err[-1]
    assert "Traceback" not in "\n".join(err)


def test_unwritable_out_is_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["experiment", "single-pulse", "--quick", "--seed", "1", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "spicemem: seed 1"  # the seed line, then exactly one error line
    assert len(err) == 2 and err[1].startswith("spicemem: error:") and str(blocker) in err[1]
