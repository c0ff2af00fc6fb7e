"""The SI device API: validation, seeding, threads, units, waveforms, import hygiene."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

from spicemem import DiffusiveParams, preset_names, pulse_train, simulate
from spicemem.devices.units import K_B_EV


@pytest.mark.parametrize(
    ("field", "value"),
    [("n_particles", 0), ("n_particles", 2.5), ("tau_thermal", -1e-6), ("t_ambient", 0.0),
     ("r_tunnel", float("nan")), ("w_pin", float("inf")), ("cluster_position_ratio", 1.2),
     ("tunnel_length_ratio", 0.0), ("noise", "pink"), ("v_threshold", "abc"), ("coupling_steps", 0)],
)
def test_bad_parameter_names_parameter_and_value(field, value):
    with pytest.raises(ValueError) as err:
        DiffusiveParams.from_preset("wang2017_paper", **{field: value})
    msg = str(err.value)
    assert field in msg and repr(value) in msg, msg
    assert "\n" not in msg


def test_unknown_preset_and_parameter():
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        DiffusiveParams.from_preset("nope")
    with pytest.raises(ValueError, match="unknown parameter 'colour'"):
        DiffusiveParams.from_preset("wang2017_paper", colour=3)
    assert "wang2017_paper" in preset_names()


def test_si_mapping_round_trips(paper_params):
    p = paper_params
    assert p.theta_ambient == pytest.approx(K_B_EV * 300.0 / p.w_pin)
    assert p.theta_ambient == pytest.approx(0.30, rel=1e-6)
    assert p.heating_ratio == pytest.approx(1.0)
    q = p.replace(theta_ambient=0.45, heating_ratio=20.0)
    assert q.t_ambient == pytest.approx(450.0, rel=1e-6)
    assert q.heating_ratio == pytest.approx(20.0)
    assert p.field_coupling == pytest.approx(9.0)


def test_zero_voltage_keeps_ambient_temperature_and_reports_si(paper_params):
    res = simulate(paper_params, [0.0, 2e-6], [0.0, 0.0], realizations=2, seed=3, n_out=11)
    assert np.all(res.temperature == pytest.approx(300.0))
    assert np.all(res.voltage == 0.0) and np.all(res.current == 0.0)
    assert res.conductance.shape == (2, 11)
    assert np.all(res.conductance > 0) and np.all(res.g_norm < 1.0)
    assert res.t[0] == 0.0 and res.t[-1] == pytest.approx(2e-6, abs=res.dt)


def test_ohm_and_divider_with_series_resistance(switching_params):
    t, v = pulse_train(2.5, 3e-6, 0.0, 1, delay=1e-6, tail=2e-6)
    rs = 5e4
    res = simulate(switching_params, t, v, realizations=3, seed=2, series_resistance=rs, n_out=61)
    # The device voltage is the divider of the source at every recorded point.
    vs = res.source_voltage[None, :]
    g = res.conductance
    np.testing.assert_allclose(res.voltage, vs / (1.0 + g * rs), rtol=1e-12)
    np.testing.assert_allclose(res.current, res.voltage * g, rtol=1e-12)


def test_same_seed_same_numbers_any_thread_count(switching_params):
    t, v = pulse_train(2.5, 3e-6, 0.0, 1, delay=1e-6, tail=4e-6)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a = simulate(switching_params, t, v, realizations=4, seed=9, n_out=50)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        b = simulate(switching_params, t, v, realizations=4, seed=9, n_out=50)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(a.conductance, b.conductance)
    np.testing.assert_array_equal(a.temperature, b.temperature)
    c = simulate(switching_params, t, v, realizations=4, seed=10, n_out=50)
    assert not np.array_equal(a.conductance, c.conductance)
    # Realization r depends only on (seed, r): a sub-ensemble reproduces its rows.
    d = simulate(switching_params, t, v, realizations=2, seed=9, n_out=50, first_stream=2)
    np.testing.assert_array_equal(a.conductance[2:], d.conductance)


def test_pulse_train_shape():
    t, v = pulse_train(1.5, 10e-6, 5e-6, 3, rise=1e-6, delay=2e-6)
    assert t[0] == 0.0 and np.all(np.diff(t) >= 0)
    assert v.max() == 1.5 and v.min() == 0.0
    # 3 pulses: 2 + 3*(10 + 2) + 2*5 + 5 (tail) = 53 us.
    assert t[-1] == pytest.approx(53e-6)
    assert np.sum(np.diff((v > 0).astype(int)) == 1) == 3
    with pytest.raises(ValueError, match="'count'"):
        pulse_train(1.0, 1e-6, 1e-6, 0)


def test_bad_waveform():
    p = DiffusiveParams()
    with pytest.raises(ValueError, match="waveform"):
        simulate(p, [0.0, 1.0, 0.5], [0, 0, 0])
    with pytest.raises(ValueError, match="waveform"):
        simulate(p, [0.0, 1.0], [0, np.nan])


def test_import_is_light():
    code = ("import sys, spicemem; "
            "bad = [m for m in ('PySpice', 'matplotlib') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", out.stdout


def test_numba_cache_is_scoped_to_spicemem(tmp_path):
    """Importing and running spicemem's kernels leaves numba's global cache setting alone: a
    user's own ``cache=True`` function is cached beside its source (numba's default), while
    spicemem's go to ``~/.cache/spicemem/numba-<hash>`` (here XDG_CACHE_HOME)."""
    user = tmp_path / "mine.py"
    user.write_text("import numba\n@numba.njit(cache=True)\ndef twice(x):\n    return 2 * x\n")
    code = ("import sys, numba; sys.path.insert(0, %r)\n"
            "from spicemem.kernels.rng import seed_streams\n"
            "import numpy as np; seed_streams(np.uint64(1), 0, 1)\n"
            "import mine; mine.twice(3)\n"
            "from spicemem._numba_cache import cache_dir; print(numba.config.CACHE_DIR or '-'); "
            "print(cache_dir())" % str(tmp_path))
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    global_dir, ours = out.stdout.split()
    assert global_dir == "-"  # numba's process-wide setting untouched
    assert list((tmp_path / "__pycache__").glob("mine.twice-*.nbi")), "user cache moved"
    assert Path(ours).is_relative_to(tmp_path / "xdg")
    assert list(Path(ours).rglob("rng.*.nbi")), "spicemem's kernel not in its own cache"
    assert not list((tmp_path / "xdg").rglob("mine.*")), "user function in spicemem's cache"


@pytest.mark.parametrize("integrator", ["langevin", "hybrid"])
def test_pieces_give_the_numbers_of_one_call(switching_params, monkeypatch, integrator):
    """simulate() runs an ensemble in pieces of records (so that Ctrl-C lands between
    compiled calls); the pieces end at records, so the numbers are those of one call, bit
    for bit, for both integrators."""
    import spicemem.devices.ensemble as ens

    q = switching_params.replace(integrator=integrator)
    t, v = pulse_train(2.5, 3e-6, 2e-6, 2, delay=1e-6, tail=3e-6)
    monkeypatch.setattr(ens, "PIECE_PARTICLE_STEPS", 10**15)
    whole = simulate(q, t, v, realizations=3, seed=4, n_out=80)
    monkeypatch.setattr(ens, "PIECE_PARTICLE_STEPS", 1)  # one record interval per call
    pieces = simulate(q, t, v, realizations=3, seed=4, n_out=80)
    np.testing.assert_array_equal(whole.conductance, pieces.conductance)
    np.testing.assert_array_equal(whole.temperature, pieces.temperature)


def test_ctrl_c_interrupts_a_long_simulation():
    """A Ctrl-C during a long standalone run stops it within about a piece (~0.1 s of
    compiled work), with KeyboardInterrupt, instead of after the whole run."""
    code = ("import os, signal, threading, time\n"
            "from spicemem import DiffusiveParams, pulse_train, simulate\n"
            "p = DiffusiveParams.from_preset('wang2017_paper', integrator='langevin')\n"
            "t, v = pulse_train(2.5, 1e-6, 0.0, 1, delay=1e-6, tail=2e-3)\n"
            "simulate(p, t[:3], v[:3], realizations=1, n_out=3)  # compile first\n"
            "threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
            "t0 = time.monotonic()\n"
            "try:\n"
            "    simulate(p, t, v, realizations=8, n_out=2001)\n"
            "    print('finished', time.monotonic() - t0)\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted', time.monotonic() - t0)\n")
    # a shell without job control starts children with SIGINT ignored: restore the default
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    word, seconds = out.stdout.split()
    assert word == "interrupted", out.stdout + out.stderr
    assert float(seconds) < 10.0, seconds
