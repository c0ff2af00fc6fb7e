"""The TaOx drift memristor through the ngspice bridge (``.model NAME drift``).

References: :func:`spicemem.devices.drift.simulate_drift` of the same waveform (ideal source:
the same numbers; behind a series resistor: the same physics up to the splitting error of
the co-simulation, which converges as the step cap shrinks), and ngspice's own source
current (KCL with the nonlinear current law).
"""

import numpy as np
import pytest

from spicemem.bridge import StepControl, run_netlist
from spicemem.bridge.netlist import read_netlist
from spicemem.bridge.run import _device_specs
from spicemem.devices.drift import DriftParams, simulate_drift
from spicemem.devices.waveforms import pulse_train
from spicemem.errors import NetlistError

P = DriftParams.from_preset("TaOx")


def _pwl(t, v):
    return "pwl(" + " ".join(f"{float(a)!r} {float(b)!r}" for a, b in zip(t, v)) + ")"


def _state(r, k=0):
    """x from the recorded zero-bias conductance G0 = G_m x + (1 - x) a."""
    return (r.device_conductance[k] - P.a_fp) / (P.g_m - P.a_fp)


# SET 0.5 V for 2 ms, then RESET -0.45 V for 20 us (the drive of docs/drift_model.md)
DRIVE_T = np.array([0, 1e-6, 2e-6, 2002e-6, 2003e-6, 2010e-6, 2010.1e-6, 2030.1e-6, 2030.2e-6, 2040e-6])
DRIVE_V = np.array([0, 0, 0.5, 0.5, 0, 0, -0.45, -0.45, 0, 0])


@pytest.mark.ngspice
def test_ideal_source_reproduces_simulate_drift():
    """Driven by an ideal source, the device sees exactly the source's waveform: the state
    at every accepted point equals simulate_drift's at the same times (same integrator, same
    interval boundaries), to rounding (1e-12 absolute on x in [0, 1])."""
    text = "\n".join(["* drift, ideal source", ".model tao drift (preset=TaOx)",
                      f"V1 in 0 {_pwl(DRIVE_T, DRIVE_V)}", "N1 in 0 tao x0=0.1",
                      ".tran 1u 2040u", ".end"])
    r = run_netlist(text, seed=1)
    s = simulate_drift(P, DRIVE_T, DRIVE_V, x0=0.1, t_out=r.time)
    x = _state(r)
    np.testing.assert_allclose(x, s.x[0], rtol=0, atol=1e-12)
    assert x.max() > 0.45 and x[-1] < 0.25  # SET and RESET both happened (0.49, 0.21)
    # the nonlinear current law: ngspice's source current (its Newton tolerance, reltol
    # 1e-3, bounds the agreement) against the law evaluated with the state ngspice held
    i_src = -r.vectors["i(v1)"]
    cur = r.current[0]
    big = np.abs(cur) > 1e-9
    np.testing.assert_allclose(i_src[big], cur[big], rtol=2e-3)
    # r.current is not V * G0 for this device (HRS chord conductance grows with |v|)
    assert not np.allclose(cur[big], (r.voltage[0] * r.conductance[0])[big], rtol=0.05)


@pytest.mark.ngspice
def test_state_is_frozen_at_zero_bias():
    """dx/dt = 0 at v = 0 exactly: a drift device at 0 V keeps its state bit for bit."""
    text = "\n".join(["* drift at rest", ".model tao drift (preset=TaOx)", "V1 in 0 dc 0",
                      "R1 in a 1k", "N1 a 0 tao x0=0.3", ".tran 10u 1m", ".end"])
    r = run_netlist(text, seed=1)
    assert np.all(_state(r) == _state(r)[0])
    assert _state(r)[0] == pytest.approx(0.3, abs=1e-15)


def _series_netlist(resistance):
    t, v = pulse_train(2.5, 40e-6, 100e-6, 3, rise=0.4e-6, delay=1e-6)
    text = "\n".join(["* drift behind a series resistor", ".model tao drift (preset=TaOx)",
                      f"V1 in 0 {_pwl(t, v)}", f"R1 in mid {resistance}",
                      "N1 mid 0 tao state=hrs", f".tran 1u {float(t[-1])!r}", ".end"])
    return text, t, v


@pytest.mark.ngspice
@pytest.mark.parametrize("resistance, tol", [(1e3, 0.005), (3e3, 0.03)])
def test_series_resistor_matches_simulate_drift(resistance, tol):
    """Behind a resistor the SET is limited by the divider (the compliance of the synapse):
    three 2.5 V / 40 us pulses from HRS give x = 0.185 through 1 kOhm and 0.0052 through
    3 kOhm (simulate_drift solves the divider inside its integrator).  The bridge holds x
    over each ngspice step; without the drift kernel's step request it ran away to x = 1.
    Measured relative error: 1.1e-3 (1 k), 1.9e-2 (3 k) at the default step control, 2e-4
    and 1.9e-3 with a 0.1 us cap; the tolerances sit ~1.5x above."""
    text, t, v = _series_netlist(resistance)
    ref = simulate_drift(P, t, v, x0=0.0, series_resistance=resistance).x[0, -1]
    r = run_netlist(text, seed=1)
    assert _state(r)[-1] == pytest.approx(ref, rel=tol)


@pytest.mark.ngspice
def test_series_resistor_converges_as_the_cap_shrinks():
    text, t, v = _series_netlist(3e3)
    ref = simulate_drift(P, t, v, x0=0.0, series_resistance=3e3).x[0, -1]
    errors = [abs(_state(run_netlist(text, seed=1, step=StepControl(cap=cap)))[-1] / ref - 1)
              for cap in (0.5e-6, 0.1e-6)]
    assert errors[1] < 0.5 * errors[0], errors


def test_netlist_gets_the_nonlinear_current_expression():
    n = read_netlist("* x\n.model tao drift (preset=TaOx b_fp=3.1)\nV1 a 0 dc 1\nN1 a b tao\n"
                     "R1 b 0 1k\n.tran 1u 2u\n.end\n")
    line = next(ln for ln in n.text.splitlines() if ln.startswith("bsm_n1"))
    assert line.startswith("bsm_n1 a b I=V(a,b)*(0.025*V(smg_n1)+(1-V(smg_n1))*")
    assert "exp(3.1*sqrt(abs(V(a,b))+1e-18))" in line  # never pow(): it drops the sign
    assert "ismg_n1 0 smg_n1 external" in n.text and "rsmg_n1 smg_n1 0 1 noisy=0" in n.text


@pytest.mark.parametrize("model, inst, message", [
    ("preset=nope", "", r"<netlist>:2: unknown preset 'nope' for a drift memristor"),
    ("preset=TaOx colour=1", "", r"<netlist>:2: unknown parameter 'colour' for a drift"),
    ("preset=TaOx g_m=-1", "", r"<netlist>:2: parameter 'g_m' must be > 0"),
    ("preset=TaOx", "x0=1.5", r"<netlist>:3: parameter 'x0' must lie in \[0, 1\]"),
    ("preset=TaOx", "state=on", r"<netlist>:3: parameter 'state' of a drift memristor"),
    ("preset=TaOx", "state=hrs x0=0.2", r"<netlist>:3: give either 'state' or 'x0'"),
    ("preset=TaOx", "temp=300", r"<netlist>:3: unknown instance parameter 'temp'"),
])
def test_bad_drift_lines(model, inst, message):
    with pytest.raises(NetlistError, match=message):
        n = read_netlist(f"* x\n.model tao drift ({model})\nN1 a 0 tao {inst}\nR1 a 0 1k\n.end\n")
        _device_specs(n, 0)


def test_initial_states():
    n = read_netlist("* x\n.model tao drift (preset=TaOx)\nN1 a 0 tao\nN2 a 0 tao state=lrs\n"
                     "N3 a 0 tao x0=0.25\nR1 a 0 1k\n.end\n")
    specs, info, _ = _device_specs(n, 0)
    assert [s.init for s in specs["drift"]] == [0.0, 1.0, 0.25]  # a typed value, not "x0=..."
    assert [d["init"] for d in info] == ["x0=0.0", "x0=1.0", "x0=0.25"]
    assert info[0]["g_scale"] == P.g_m


@pytest.mark.ngspice
def test_a_noisy_neighbour_neither_stalls_the_run_nor_spoils_the_drift_device():
    """A drift device behind 1 kOhm next to a diffusive synapse, both on one source ramp
    (2.5 V in 0.4 us).  The diffusive device's conductance is redrawn at every accepted
    point, so its drift partner's rate jumps by e^5 between points whatever the step: a
    step control that compared successive rates crawled at 1e-15 s (the run never ended);
    holding x over the ramp step ran the 1 kOhm device away to x = 1.  Reference:
    simulate_drift of the lone 1 kOhm device (x = 0.1656 after 3.6 us at 2.5 V); measured
    0.26 % (80 ns of device time dropped by 6 truncated steps), tolerance 2 %."""
    text = "\n".join([
        "* synapse and a lone drift device on one source",
        ".model ag diffusive (preset=wang2017_paper r_tunnel=10 tau_thermal=30u)",
        ".model tao drift (preset=TaOx)",
        "V1 in 0 pulse(0 2.5 1u 0.4u 0.4u 40u 50.8u 15)",
        "N0a m0 in ag", "N0b m0 0 tao", "R1 in m1 1k", "N1b m1 0 tao",
        ".tran 1u 5u", ".end"])
    r = run_netlist(text, seed=1)
    ref = simulate_drift(P, [0, 1e-6, 1.4e-6, 5e-6], [0, 0, 2.5, 2.5], x0=0.0,
                         series_resistance=1e3).x[0, -1]
    assert _state(r, 2)[-1] == pytest.approx(ref, rel=0.02)
    assert r.steps["accepted"] < 20000, r.steps
    assert r.extra["drift_time_dropped_s"] < 1e-6


@pytest.mark.ngspice
def test_devices_beyond_the_rate_ceiling_are_reported_once(capfd):
    """Two drift devices on one 1.5 V / 1 us pulse: N1 directly (the fitted SET would take
    1e-56 s; it reaches the ceiling), N2 behind 100 kOhm (a few mV on it, far inside the
    valid range).  The run lists N1 only, in extra["drift_beyond_ceiling"], and writes one
    stderr line for it; N1 still ends at x = 1 (the ceiling bounds the speed, not the end
    state) no sooner than 1/rate_max after the pulse starts."""
    text = "\n".join(["* drift devices beyond / inside the validity range", ".model tao drift (preset=TaOx)",
                      "V1 in 0 pulse(0 1.5 1u 1n 1n 1u 10u)", "N1 in 0 tao x0=0",
                      "R2 in b 100k", "N2 b 0 tao x0=0", ".tran 10n 3u", ".end"])
    r = run_netlist(text, seed=1)
    assert r.extra["drift_beyond_ceiling"] == ["N1"], r.extra
    err = capfd.readouterr().err
    assert err.count("rate_max") == 1 and "N1" in err, err
    x = _state(r)
    assert x[-1] == pytest.approx(1.0, abs=1e-9)
    t_set = r.time[np.argmax(x >= 0.999)]
    assert t_set >= 1e-6 + P.switching_time_floor() * 0.999, t_set
