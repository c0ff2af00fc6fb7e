"""The TaOx drift memristor: its published behaviour, the integrator, the SI API.

Published behaviour (Strachan et al. 2013): pinched hysteresis, gradual (analog) SET and
RESET, non-volatility.  Integrator: order and step independence, agreement with a
scipy Radau reference written independently below from the equations.
"""

import math

import numba
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from spicemem.devices.drift import (DriftParams, conductance, preset_description, preset_names,
                                    resistance_states, simulate_drift)
from spicemem.devices.waveforms import pulse_train
from spicemem.kernels import drift as k

TAOX = DriftParams.from_preset("TaOx")


# -- an independent reference: the equations again, in plain Python, for scipy's Radau --
def ref_rate(v, x, prm=TAOX):
    x = min(max(x, 0.0), 1.0)
    if v == 0.0:
        return 0.0
    i = v * (prm.g_m * x + prm.a_fp * math.exp(prm.b_fp * math.sqrt(abs(v))) * (1.0 - x))
    pw = i * v
    if v > 0.0:
        return (prm.rate_on * math.sinh(v / prm.sigma_on) * math.exp(-(x / prm.x_on) ** 2)
                * math.exp(min(pw / prm.sigma_p, 700.0)))
    if x <= 0.0:
        return 0.0
    return (prm.rate_off * math.sinh(v / prm.sigma_off) * math.exp(-(prm.x_off / x) ** 2)
            * math.exp(1.0 / (1.0 + prm.beta * pw)))


def radau(x0, tb, vb):
    """x at every breakpoint of the piecewise-linear drive, segment by segment (the rate
    has a kink at each breakpoint, so no step of the reference straddles one)."""
    out = [x0]
    x = x0
    for j in range(len(tb) - 1):
        t0, t1, v0, v1 = tb[j], tb[j + 1], vb[j], vb[j + 1]

        def f(t, y, t0=t0, t1=t1, v0=v0, v1=v1):
            r = ref_rate(v0 + (v1 - v0) * (t - t0) / (t1 - t0), y[0])
            if (y[0] >= 1.0 and r > 0.0) or (y[0] <= 0.0 and r < 0.0):
                r = 0.0
            return [r]

        sol = solve_ivp(f, (t0, t1), [x], method="Radau", rtol=1e-11, atol=1e-14)
        assert sol.success, sol.message
        x = sol.y[0, -1]
        out.append(x)
    return np.array(out)


# A SET pulse (0.5 V, 2 ms) then a RESET pulse (-0.45 V, 20 us), with 1 us / 0.1 us edges:
# x goes 0.1 -> 0.49 -> 0.21, through the window-limited and the steep parts of both branches.
TB = np.array([0, 1e-6, 2e-3, 2.001e-3, 3e-3, 3.0001e-3, 3.02e-3, 3.0201e-3, 4e-3])
VB = np.array([0, 0.5, 0.5, 0, 0, -0.45, -0.45, 0, 0])


@pytest.fixture(scope="module")
def reference():
    return radau(0.1, TB, VB)


# -- published behaviour ---------------------------------------------------------------
def test_current_is_pinched_at_zero_voltage_for_every_state():
    p = TAOX.kernel_vector()
    for x in np.linspace(0.0, 1.0, 11):
        assert k.current(0.0, x, p) == 0.0  # i = v G(x, v): exactly 0, not merely small
        assert k.rate(0.0, x, p) == 0.0


def _loop(freq):
    t = np.linspace(0.0, 1.0 / freq, 2001)
    v = 0.45 * np.sin(2.0 * np.pi * freq * t)
    v[[0, 1000, 2000]] = 0.0  # the zero crossings exactly
    r = simulate_drift(TAOX, t, v, x0=0.1, t_out=t)
    i = r.current[0]
    area = abs(np.sum(0.5 * (i[1:] + i[:-1]) * np.diff(r.voltage[0])))
    return r, i, area


def test_pinched_hysteresis_loop_shrinks_with_frequency():
    areas = []
    for freq in (1.0, 10.0, 100.0):
        r, i, area = _loop(freq)
        # Pinched: zero current at the zero crossings although x differs there.
        assert np.all(i[[0, 1000, 2000]] == 0.0), i[[0, 1000, 2000]]
        assert abs(r.x[0, 1000] - r.x[0, 0]) > 1e-3, r.x[0, [0, 1000]]
        areas.append(area)
    # Non-zero lobes: at 1 Hz the enclosed area is > 1 % of the bounding box v_max i_max
    # (measured about 8 %); a memoryless resistor would enclose 0.
    _, i1, _ = _loop(1.0)
    assert areas[0] > 0.01 * 0.45 * np.max(np.abs(i1)), areas
    # The state moves by (rate x period) per cycle, so lobes shrink as f rises; measured
    # ratios 0.89 (10 Hz) and 0.05 (100 Hz) of the 1 Hz area: margins are wide.
    assert areas[0] > areas[1] > areas[2], areas
    assert areas[2] < 0.2 * areas[0], areas


def test_gradual_set_under_identical_pulses():
    # 1.0 V, 1 us pulses through a 300 Ohm series (compliance) resistor from x = 0.1:
    # the ON window exp(-(x/x_on)^2) slows each successive step.
    t, v = pulse_train(1.0, 1e-6, 5e-6, 50)
    r = simulate_drift(TAOX, t, v, x0=0.1, series_resistance=300.0, t_out=t)
    after = r.x[0, 4::4]  # state after each pulse
    steps = np.diff(np.concatenate([[0.1], after]))
    assert np.all(steps > 0.0), steps  # SET only raises x
    assert np.all(np.diff(steps) < 0.0), steps  # ... by ever smaller amounts
    # Analog: one pulse does < 20 % of what 50 do, and the 50th still moves x
    # (measured: 14 %, last step 2e-4).
    assert steps[0] < 0.2 * (after[-1] - 0.1), steps
    assert steps[-1] > 1e-5, steps


def test_gradual_reset_under_identical_pulses():
    # -0.45 V, 100 ns pulses from x = 0.4 (no series resistor).
    t, v = pulse_train(-0.45, 1e-7, 1e-6, 50)
    r = simulate_drift(TAOX, t, v, x0=0.4, t_out=t)
    after = r.x[0, 4::4]
    steps = np.diff(np.concatenate([[0.4], after]))
    assert np.all(steps < 0.0), steps  # RESET only lowers x
    # Analog: one pulse does < 10 % of what 50 do (measured 3 %), the total is large.
    assert abs(steps[0]) < 0.1 * (0.4 - after[-1]), steps
    assert 0.4 - after[-1] > 0.05, after[-1]


def test_non_volatile_at_zero_bias_and_at_read_bias():
    # 0 V: dx/dt = 0 identically, so 1e6 s (11 days) leave x bit-for-bit unchanged.
    for x0 in (0.0, 0.3, 0.9):
        r = simulate_drift(TAOX, [0.0, 1e6], [0.0, 0.0], x0=x0, n_out=3)
        assert np.all(r.x[0] == x0), r.x
    # 0.1 V read for 1 s.  In the LRS (x = 0.3) the ON window exp(-(0.3/0.06)^2) = 1e-11
    # freezes x: the change must be < 1e-12.
    r = simulate_drift(TAOX, [0.0, 1.0], [0.1, 0.1], x0=0.3, n_out=3)
    assert abs(r.x[0, -1] - 0.3) < 1e-12, r.x
    # In the HRS (x = 0) sinh has no threshold, so a read disturbs slightly: the model's
    # own rate B sinh(0.1/sigma_on) exp(p/sigma_p) = 2.3e-5 1/s, nearly constant since x
    # moves by ~2e-5.  The integrated change must equal rate x 1 s to 1e-3 (the rate
    # varies by < 1e-4 over it) and stay below 3e-5 (a 2 % conductance change).
    expected = ref_rate(0.1, 0.0) * 1.0
    r = simulate_drift(TAOX, [0.0, 1.0], [0.1, 0.1], x0=0.0, n_out=3)
    assert r.x[0, -1] == pytest.approx(expected, rel=1e-3)
    assert r.x[0, -1] < 3e-5
    # Negative read from x = 0.3: A sinh(0.1/sigma_off) exp(-(x_off/x)^2) e^(1/(1+beta p))
    # = 4.9e-8 1/s, again nearly constant: rate x 1 s to 1e-3, and below 1e-7.
    r = simulate_drift(TAOX, [0.0, 1.0], [-0.1, -0.1], x0=0.3, n_out=3)
    assert 0.3 - r.x[0, -1] == pytest.approx(-ref_rate(-0.1, 0.3) * 1.0, rel=1e-3)
    assert 0.3 - r.x[0, -1] < 1e-7, r.x


# -- the integrator ----------------------------------------------------------------------
def test_agrees_with_radau_reference(reference):
    # The controller bounds the local error by rtol; the global error measured on this
    # drive is ~0.1 rtol (9e-8 at 1e-6, 1.2e-9 at 1e-8), so 1 rtol is a safe bound.
    for rtol in (1e-6, 1e-8):
        prm = TAOX.replace(rtol=rtol, atol=1e-3 * rtol)
        r = simulate_drift(prm, TB, VB, x0=0.1, t_out=TB)
        err = np.max(np.abs(r.x[0] - reference))
        assert err < rtol, (rtol, err, r.x[0], reference)


def test_fixed_step_converges_at_second_order():
    # h_max with a huge atol switches the error control off: fixed-step SDIRK2 runs of a
    # window-limited SET (0.45 V, 50 ms from x = 0.1) and RESET (-0.45 V, 1 ms from 0.4).
    # Halving h must cut the error by ~4 (order 2): measured ratios 0.24-0.27, so
    # [0.15, 0.35] is a wide band.  (Fixed steps are for measuring the order only: with
    # the control off, a step longer than an ON runaway is not resolved.)
    for v, t_end, x0, steps in ((0.45, 5e-2, 0.1, (2.5e-4, 1.25e-4, 6.25e-5)),
                                (-0.45, 1e-3, 0.4, (5e-6, 2.5e-6, 1.25e-6))):
        tb, vb = np.array([0.0, t_end]), np.array([v, v])
        exact = radau(x0, tb, vb)[-1]
        errs = []
        for h in steps:
            prm = TAOX.replace(rtol=0.5, atol=1e300, h_max=h)
            errs.append(simulate_drift(prm, tb, vb, x0=x0, n_out=2).x[0, -1] - exact)
        assert abs(errs[-1]) < 2e-6, errs  # measured 1.0e-6 (SET), 3.0e-7 (RESET)
        for a, b in zip(errs, errs[1:]):
            assert 0.15 < b / a < 0.35, errs


def test_result_does_not_depend_on_the_callers_interval(reference):
    # The bridge calls advance() between ngspice's accepted points; halving those
    # intervals (more output points) must not change the state beyond the tolerance:
    # both runs are within ~0.1 rtol of the reference, so they differ by < 1 rtol.
    coarse = simulate_drift(TAOX, TB, VB, x0=0.1, n_out=101).x[0, -1]
    fine = simulate_drift(TAOX, TB, VB, x0=0.1, n_out=201).x[0, -1]
    assert abs(coarse - fine) < TAOX.rtol, (coarse, fine)
    assert abs(fine - reference[-1]) < TAOX.rtol, (fine, reference[-1])


def test_ensemble_matches_single_device_and_runs_in_nopython_code():
    p = TAOX.kernel_vector()

    @numba.njit
    def bridge_like(x, v0, v1, dt, p, h):  # stands in for the ngspice callback
        return k.advance_ensemble(x, v0, v1, dt, p, h)

    x = np.array([0.0, 0.1, 0.4, 0.4])
    v0 = np.array([0.0, 0.5, -0.45, 0.0])
    v1 = np.array([0.6, 0.5, -0.45, 0.0])
    expected = [k.advance(x[d], v0[d], v1[d], 1e-4, p, 0.0)[0] for d in range(4)]
    h = np.zeros(4)
    assert bridge_like(x, v0, v1, 1e-4, p, h) == 0
    np.testing.assert_array_equal(x, expected)  # same arithmetic, bit for bit
    assert x[3] == 0.4  # no bias: held exactly


def test_series_resistor_solves_the_loop_self_consistently():
    # v_s = v_d + R_s i(v_d, x) at every output point, to round-off (Newton to 1e-15 |v_s|).
    t, v = pulse_train(2.5, 40e-6, 10e-6, 2)
    r = simulate_drift(TAOX, t, v, x0=0.0, series_resistance=1e3)
    resid = r.voltage[0] + 1e3 * r.current[0] - r.source_voltage
    assert np.max(np.abs(resid)) < 1e-12, np.max(np.abs(resid))
    assert r.x[0, -1] > 0.1  # 2.5 V through 1 kOhm does SET (measured 0.18)


# -- SI API --------------------------------------------------------------------------------
def test_preset_cites_its_sources_and_gives_the_resistance_window():
    assert "TaOx" in preset_names()
    text = preset_description("TaOx")
    assert "Strachan" in text and "NOT ACCESSED" in text and "Ascoli" in text
    r_lrs, r_hrs = resistance_states(TAOX, 0.0)
    assert r_lrs == pytest.approx(1.0 / TAOX.g_m)  # x = 1: the metallic channel alone
    assert r_hrs == pytest.approx(1.0 / TAOX.a_fp)  # x = 0, v -> 0: Frenkel-Poole alone
    g = conductance(TAOX, np.array([0.0, 1.0]), 0.1)
    assert g[1] / g[0] > 100.0  # the on/off window at the 0.1 V read is ~800


@pytest.mark.parametrize(
    ("field", "value"),
    [("g_m", 0.0), ("a_fp", -1e-6), ("b_fp", -1.0), ("sigma_on", float("nan")), ("x_on", 0.0),
     ("sigma_p", float("inf")), ("beta", -500.0), ("rate_off", "abc"), ("rtol", 1.5),
     ("h_min", 0.0)],
)
def test_bad_parameter_names_parameter_and_value(field, value):
    with pytest.raises(ValueError) as err:
        DriftParams.from_preset("TaOx", **{field: value})
    msg = str(err.value)
    assert field in msg and repr(value) in msg, msg


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        DriftParams.from_preset("nope")
    with pytest.raises(ValueError, match="unknown parameter 'colour'"):
        TAOX.replace(colour=1)
    with pytest.raises(ValueError, match="x0"):
        simulate_drift(TAOX, [0.0, 1.0], [0.0, 0.0], x0=1.5)
    with pytest.raises(ValueError, match="series_resistance"):
        simulate_drift(TAOX, [0.0, 1.0], [0.0, 0.0], x0=0.0, series_resistance=-1.0)
    with pytest.raises(ValueError, match="non-decreasing"):
        simulate_drift(TAOX, [1.0, 0.0], [0.0, 0.0], x0=0.0)


# -- validity range: the physical ceiling on the switching rate (issue 20) -----------------
def test_rate_never_exceeds_the_ceiling():
    # the fitted law at 1.5 V from x = 0 is ~1e56 1/s; the model holds it at rate_max
    p = TAOX.kernel_vector()
    for v, x in ((1.5, 0.0), (2.5, 0.3), (-1.0, 0.4), (-3.0, 0.9)):
        assert k.log_rate(v, x, p) > math.log(TAOX.rate_max), (v, x)  # the fitted law is beyond it
        assert abs(k.rate(v, x, p)) == pytest.approx(TAOX.rate_max, rel=1e-12), (v, x)
    assert k.rate(0.5, 0.1, p) == pytest.approx(math.exp(k.log_rate(0.5, 0.1, p)), rel=1e-12)


def test_no_switch_faster_than_the_floor(capfd):
    # 2.5 V directly on the device: the fitted SET would cross [0, 1] in far below 1e-50 s.
    # With the ceiling |dx/dt| <= rate_max, x(t) <= rate_max t exactly (x0 = 0), and the
    # device is flagged once, with one stderr line.
    t = np.array([0.0, 1e-13, 1e-9])
    v = np.array([0.0, 2.5, 2.5])
    t_out = np.linspace(0.0, 1e-9, 201)
    r = simulate_drift(TAOX, t, v, x0=[0.0], t_out=t_out)
    floor = TAOX.switching_time_floor()
    assert floor == pytest.approx(1e-10)
    # the integrator's relative tolerance 1e-6 bounds the excess over the exact envelope
    assert np.all(r.x[0] <= TAOX.rate_max * t_out * (1 + 1e-6) + 1e-12), r.x[0][:30]
    assert r.x[0, -1] == 1.0  # and it does get there (at the ceiling) well within 1 ns
    assert r.beyond_ceiling.tolist() == [True]
    err = capfd.readouterr().err
    assert err.count("rate_max") == 1, err


def test_inside_the_valid_range_nothing_is_flagged(capfd):
    t, v = pulse_train(0.5, 2e-3, 0.0, 1, rise=1e-6)
    r = simulate_drift(TAOX, t, v, x0=[0.1], n_out=101)
    assert r.beyond_ceiling.tolist() == [False]
    assert r.x[0, -1] > 0.2  # a real SET happened, below the ceiling
    assert capfd.readouterr().err == ""


# -- relative accuracy at small x (issue 20) ------------------------------------------------
def _vdev(vs, x, rs, prm=TAOX):
    from scipy.optimize import brentq

    def cur(v):
        return v * (prm.g_m * x + prm.a_fp * math.exp(prm.b_fp * math.sqrt(abs(v))) * (1.0 - x))

    if rs == 0.0 or vs == 0.0:
        return vs
    return brentq(lambda v: v + rs * cur(v) - vs, min(0.0, vs), max(0.0, vs), xtol=1e-15, rtol=1e-15)


@pytest.mark.parametrize("amp, rs", [(2.5, 10e3), (2.5, 50e3), (0.8, 1e3), (0.8, 0.0)])
def test_relative_accuracy_at_small_x(amp, rs):
    # One 40 us pulse from the HRS (x0 = 0): x ends between 5e-9 and 3e-5, where the old
    # absolute tolerance 1e-9 gave relative errors up to 1e-3 (measured).  Reference: the
    # equations above with a brentq device-voltage solve, scipy Radau with atol 1e-22 (far
    # below x).  Measured with the defaults: <= 2e-7 relative; 1e-5 leaves room for the
    # step sequence to change, and is 100x below the old error.
    t, v = pulse_train(amp, 40e-6, 100e-6, 1, rise=0.4e-6)
    x = simulate_drift(TAOX, t, v, x0=[0.0], series_resistance=rs, n_out=2).x[0, -1]
    xr = 0.0
    for j in range(len(t) - 1):
        t0, t1, v0, v1 = t[j], t[j + 1], v[j], v[j + 1]
        if t1 <= t0 or (v0 == 0.0 and v1 == 0.0):
            continue

        def f(tt, y, t0=t0, t1=t1, v0=v0, v1=v1):
            return [ref_rate(_vdev(v0 + (v1 - v0) * (tt - t0) / (t1 - t0), y[0], rs), y[0])]

        xr = solve_ivp(f, (t0, t1), [xr], method="Radau", rtol=1e-12, atol=1e-22).y[0, -1]
    assert 1e-9 < xr < 1e-4, xr  # the small-x regime this test is about
    assert abs(x - xr) <= 1e-5 * xr, (x, xr, abs(x - xr) / xr)
