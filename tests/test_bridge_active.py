"""An all-active array through the bridge: the node-current step control converges, and
the parallel device advance gives the same numbers on any number of threads (issue 17).

The array: 4 x 4 diffusive devices (the accuracy tests' switching parameters), every row
driven by a 4 V pulse through 30 kOhm, every column to ground through 1 kOhm, so that the
devices of a row share its voltage drop and load each other when they switch ON.
"""

import numba
import numpy as np
import pytest

from spicemem.bridge import StepControl, run_netlist

pytestmark = pytest.mark.ngspice

N = 4
G_MAX = 1.911131892218621e-05  # S, the model's maximum conductance (wang2017_paper)
T_END = 9.4e-6  # s, end of the plateau (pulse 1 us + 0.5 us edge + 8 us)


def _array(n: int = N, tstop: float = 10e-6) -> str:
    return _array_of("", ".model ag diffusive (preset=wang2017_paper friction_ratio=10 "
                     "heating_ratio=20 theta_ambient=0.35)", "pulse(0 4 1u 0.5u 0.5u 8u 20u)",
                     "30k", f"{tstop:g}", n=n, r_col="1k", model_name="ag", init="",
                     tstep="0.5u")


def _stats(r):
    """Per device: the switching time (first committed G above 0.3 G_max, or the end of
    the run) and ln G at the end of the plateau."""
    g = r.device_conductance
    above = g > 0.3 * G_MAX
    t_sw = np.where(above.any(axis=1), r.time[np.argmax(above, axis=1)], r.time[-1])
    return t_sw, np.log(g[:, np.searchsorted(r.time, T_END)])


def test_active_array_converges_as_tol_halves():
    """3 seeds x 16 devices = 48 realizations, each run with the node-current controller at
    tol = 0.5 (default) and 0.25, and with the controller before issue 17 (measure="device",
    tol = 0.5).  With one seed a device draws the same random numbers in every run (its
    Langevin clock is independent of the accepted points), so the runs are paired device by
    device and only the splitting differs.  The mean paired difference of the switching time
    and of ln G at the end of the plateau must lie within 3 paired standard errors of zero
    (false alarm 0.3 % per check, if the statistics agree).  Measured: 0.07 +- 0.10 us and
    0.003 +- 0.008 (tol halves), 0.01 +- 0.08 us and 0.005 +- 0.010 (old vs new), for a
    seed-to-seed spread of the switching time of 0.7 us; a bug that doubled the switching
    delay (~1.1 us after the pulse edge) would be ~10 SE away.  And the node measure must take
    fewer steps than the device measure (measured 105-118 vs 196-234)."""
    runs = {"node": StepControl(), "half": StepControl(tol=0.25),
            "device": StepControl(measure="device")}
    stats = {k: [] for k in runs}
    steps = {k: [] for k in runs}
    for seed in (1, 2, 3):
        for key, step in runs.items():
            r = run_netlist(_array(), seed=seed, step=step)
            assert r.step_control["measure"] == step.measure
            stats[key].append(_stats(r))
            steps[key].append(r.steps["accepted"])
    t = {k: np.concatenate([s[0] for s in v]) for k, v in stats.items()}
    lg = {k: np.concatenate([s[1] for s in v]) for k, v in stats.items()}
    assert np.mean(t["node"] < 9.9e-6) > 0.8  # the devices switch: the test covers switching
    for a, b in (("node", "half"), ("device", "node")):
        for what, x in (("switching time", t), ("ln G at the end", lg)):
            d = x[a] - x[b]
            se = d.std(ddof=1) / np.sqrt(d.size)
            assert abs(d.mean()) < 3 * se + 1e-12, (a, b, what, d.mean(), se)
    assert sum(steps["node"]) < sum(steps["device"]), steps


def _on_1_and_2_threads(netlist, extra):
    """Run ``netlist`` (seed 5) on 1 and on 2 Numba threads; assert that conductances,
    temperatures, time axis, step count and ``extra(result)`` are equal bit for bit; return
    the two runs' tuples.  The array must be 8 x 8 = 64 devices (PARALLEL_MIN_DEVICES), so
    that the parallel loop runs."""
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.fail("needs NUMBA_NUM_THREADS >= 2 to compare thread counts")
    from spicemem.bridge.kernels import PARALLEL_MIN_DEVICES  # loads the compiled kernels

    assert 8 * 8 >= PARALLEL_MIN_DEVICES
    before = numba.get_num_threads()
    out = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            r = run_netlist(netlist, seed=5)
            out.append((r.device_conductance, r.temperature, r.time, r.steps["accepted"], *extra(r)))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(out[0], out[1]):
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b)
        else:
            assert a == b
    return out


def test_parallel_advance_is_bit_identical_on_1_and_2_threads():
    """Each device owns its random stream and its rows of the state arrays, so advancing a
    group's devices on 1 or 2 Numba threads must give the same numbers bit for bit
    (an 8 x 8 array: 64 devices, PARALLEL_MIN_DEVICES, so the parallel loop runs)."""
    out = _on_1_and_2_threads(_array(n=8, tstop=3e-6), lambda r: ())
    assert out[0][0].max() > 10 * out[0][0][:, 0].max()  # something switched


def _array_of(model: str, card: str, pulse: str, r_row: str, tstop: str, n: int = 8,
              r_col: str = "100", model_name: str = "mem", init: str = " state=hrs",
              tstep: str = "1n") -> str:
    """An n x n array of ``model`` devices, every row pulsed through ``r_row``."""
    lines = [f"* all-active {n}x{n}" + (f" {model}" if model else ""), card]
    for i in range(n):
        lines += [f"V{i} s{i} 0 {pulse}", f"Rs{i} s{i} r{i} {r_row}"]
    lines += [f"Rc{j} c{j} 0 {r_col}" for j in range(n)]
    lines += [f"N{i}_{j} r{i} c{j} {model_name}{init}" for i in range(n) for j in range(n)]
    lines += [f".tran {tstep} {tstop}", ".end"]
    return "\n".join(lines)


@pytest.mark.parametrize("netlist", [
    # TaOx SET behind the row resistor: the step request and truncation are exercised
    _array_of("drift", ".model mem drift (preset=TaOx)", "pulse(0 2.5 1u 0.4u 0.4u 10u 40u)",
              "300", "3u"),
    # RRAM SET with the variation on: each device draws from its own stream
    _array_of("rram", ".model mem rram (preset=stanford_hfox variation=1)",
              "pulse(0 1.6 20n 10n 10n 150n 1u)", "100", "250n"),
], ids=["drift", "rram"])
def test_parallel_drift_and_rram_are_bit_identical_on_1_and_2_threads(netlist):
    """The drift and RRAM group kernels advance groups of >= PARALLEL_MIN_DEVICES devices on
    Numba threads; the shared counters and the step request are reduced in group order
    after the parallel loop, so 1 and 2 threads must give the same run bit for bit (8 x 8
    = 64 devices, every row driven so that the devices' states move: drift +12 % in G in
    3 us, RRAM up to x3 with the variation)."""
    out = _on_1_and_2_threads(netlist, lambda r: (
        sorted((k, v) for k, v in r.extra.items() if k.endswith(("_s", "_count")) and "time_s" not in k),))
    g = out[0][0]
    # the parallel path did work: most devices' states moved (drift: all of them; RRAM: the
    # variation leaves a few at their start)
    assert np.mean(g[:, -1] > 1.05 * g[:, 0]) > 0.5, g[:, -1] / g[:, 0]


def test_replayed_devices_reproduce_the_run_bit_for_bit():
    """The device work of a run depends only on its accepted time points and the solved
    voltages there (state is committed on accepted points only; each device owns its random
    stream): the same devices (same netlist and seed), advanced outside ngspice by their
    group kernel through its address, interval by interval with the run's time points and
    voltages, commit the run's conductances bit for bit.  bench/active_breakdown.py times
    the devices this way, apart from ngspice; this is the property it rests on.  4 x 4
    array, 4 us: the devices hop at 0 V, go over to Langevin dynamics under the pulse and
    some switch ON."""
    import ctypes

    from spicemem.bridge.netlist import read_netlist
    from spicemem.bridge.run import _device_specs
    from spicemem.bridge.session import DeviceArrays

    text = _array(tstop=4e-6)
    r = run_netlist(text, seed=3)
    specs, info, _ = _device_specs(read_netlist(text), 3)
    dev = DeviceArrays(specs, info)
    (grp,) = dev.groups
    kernel = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_double,
                              ctypes.c_double)(grp.kernel)
    t, volt, g_run = r.time, r.voltage, r.device_conductance
    assert np.array_equal(dev.g, g_run[:, 0])
    for k in range(1, t.size):
        dev.v0[:] = volt[:, k - 1]
        dev.v1[:] = volt[:, k]
        assert kernel(int(grp.block.ctypes.data), float(t[k - 1]), float(t[k])) == 0
        assert np.array_equal(dev.g, g_run[:, k]), (k, t[k], np.abs(dev.g / g_run[:, k] - 1).max())
    assert (g_run > 0.3 * G_MAX).any(), g_run.max() / G_MAX  # the replay covered switching


@pytest.mark.parametrize("user, expected", [(None, "GOMP_SPINCOUNT = '0'"),
                                            ("ACTIVE", "OMP_WAIT_POLICY = 'ACTIVE'")])
def test_openmp_workers_wait_passively_unless_the_user_chose(user, expected):
    """libgomp's spinning workers took the cores the bridge's own threads needed between its
    short parallel loops (one per accepted point): 2x the CPU of a 2-thread live run at
    load 15 (spicemem/__init__.py).  Importing spicemem sets OMP_WAIT_POLICY=PASSIVE before
    Numba starts libgomp; libgomp's own report of its settings (OMP_DISPLAY_ENV=VERBOSE)
    must show a spin count of 0 (unset, it reports 'PASSIVE' too, but spins 300000 times),
    and a policy the user set must be kept."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env.update(OMP_DISPLAY_ENV="VERBOSE", PYTHONPATH=os.pathsep.join(
        [str(root), os.environ.get("PYTHONPATH", "")]))
    if user is not None:
        env["OMP_WAIT_POLICY"] = user
    # the order of the benches: spicemem first, then the thread count (which starts libgomp)
    out = subprocess.run([sys.executable, "-c", "import numba, spicemem.bridge; "
                          "numba.set_num_threads(1); print(numba.threading_layer())"],
                         env=env, capture_output=True, text=True, check=True, timeout=300)
    if out.stdout.strip() != "omp":
        pytest.skip(f"Numba's threading layer is {out.stdout.strip()!r}, not OpenMP")
    assert expected in out.stderr, out.stderr[-2000:]
