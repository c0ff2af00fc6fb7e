"""spicemem fit, the protocol data kinds (issue 18 B): I-V loops through ngspice (diffusive,
drift and RRAM devices through the device-type registry), pulse responses, PPF ratios.

* the statistics of one curve against hand-computed references (exact, no simulation);
* bad input: one line naming the file and the column or key, exit 2, through the CLI;
* recovery: synthetic data made by the model itself at a parameter set that is no preset's,
  with other random streams than the fit's, fitted from another start at reduced size.
"""

import math

import numpy as np
import pytest

from spicemem.bridge.devices import registry
from spicemem.cli import main
from spicemem.fit import load_fit_spec, run_fit
from spicemem.fit import protocols as pr


# -- statistics of one curve: exact references --------------------------------------------------
def _staircase(v_max, step, v_min=None):
    up = np.arange(1, round(v_max / step) + 1) * step
    v = np.concatenate([up, up[-2::-1], [0.0]])
    if v_min is not None:
        dn = -np.arange(1, round(-v_min / step) + 1) * step
        v = np.concatenate([v, dn, dn[-2::-1], [0.0]])
    return v


def test_loop_statistics_of_a_piecewise_curve_match_hand_computed_values():
    """A unipolar loop under a 1 uA compliance: OFF 1 nS until 0.42 V, where the current
    jumps from 0.41 nA (ln ratio to I_cc: -7.80 at 0.40 V) to I_cc (0 at 0.45 V); the crossing
    of ln(1/2) by linear interpolation in ln(I/I_cc) is at 0.40 + 0.05 (7.80 - 0.693)/7.80.
    On the way down the device is ON (min(I_cc, 10 uS x V)) until 0.15 V, OFF below:
    the level is sqrt(g_off g_on) with g_on = 1 uA / 1 V, g_off = 1 nS, and ln g falls through
    it between 0.15 V and 0.10 V at the interpolated point computed below."""
    step, icc = 0.05, 1e-6
    v = _staircase(1.0, step)
    top = int(np.argmax(v))
    i = np.where(np.arange(v.size) <= top, np.where(v >= 0.42, icc, 1e-9 * v), 0.0)
    down = np.arange(v.size) > top
    i = np.where(down & (v >= 0.15), np.minimum(icc, 1e-5 * v), i)
    i = np.where(down & (v < 0.15), 1e-9 * v, i)
    got = pr.loop_statistics(v, i, compliance_a=icc)
    r0 = math.log(1e-9 * 0.40 / icc)
    assert got["threshold_voltage"] == pytest.approx(0.40 + 0.05 * (r0 - math.log(0.5)) / r0, rel=1e-9)
    g_on, g_off = icc / 1.0, 1e-9
    assert got["ln_on_off_ratio"] == pytest.approx(math.log(g_on / g_off), rel=1e-9)
    lev = 0.5 * math.log(g_on * g_off)
    a, b = math.log(min(icc, 1e-5 * 0.15) / 0.15), math.log(1e-9)  # ln g at 0.15 V (ON) and 0.10 V (OFF)
    assert got["hold_voltage"] == pytest.approx(0.15 - 0.05 * (a - lev) / (a - b), rel=1e-9)
    assert math.isnan(got["reset_voltage"])


def test_loop_statistics_series_resistor_and_bipolar_reset():
    """Bipolar loop behind 1 kOhm: device 1 MOhm until SET at 1.0 V (then 100 Ohm), RESET at
    -0.6 V.  ON means R_dev < R_s: I = V/(R_s + R_dev) crosses V/(2 R_s) between 0.95 and
    1.00 V; the reset is the first negative |V| where |I/V| < sqrt(g_on g_off)."""
    rs = 1e3
    v = _staircase(1.5, 0.05, v_min=-1.5)
    r = np.full(v.size, 1e6)
    top = int(np.argmax(v))
    on = (np.arange(v.size) >= np.argmax(v >= 1.0 - 1e-12))
    neg = np.nonzero(v < 0)[0][0]
    reset = neg + int(np.argmax(v[neg:] <= -0.6 + 1e-9))
    r[on & (np.arange(v.size) < reset)] = 100.0
    i = v / (rs + r)
    got = pr.loop_statistics(v, i, series_ohm=rs)
    x0, x1 = math.log(1.0 / (1e6 + rs) * rs), math.log(rs / (100.0 + rs))  # ln(I/limit) at 0.95, 1.00 V
    assert got["threshold_voltage"] == pytest.approx(0.95 + 0.05 * (math.log(0.5) - x0) / (x1 - x0), rel=1e-9)
    g_on = i[top] / v[top]
    g_off = 1.0 / (rs + 1e6)  # every OFF sample's |I/V|
    lev = 0.5 * math.log(g_on * g_off)
    ga, gb = math.log(1 / (rs + 100.0)), math.log(1 / (rs + 1e6))  # at -0.55 V (ON) and -0.60 V (OFF)
    assert got["reset_voltage"] == pytest.approx(0.55 + 0.05 * (ga - lev) / (ga - gb), rel=1e-9)


def test_pulse_events_delay_and_relaxation_against_constructed_record():
    """A 1 V pulse from 1 ms to 3 ms behind 1 MOhm, read 0.1 V; device R = 1e8 Ohm, ON
    (1e4 Ohm) from 1.5 ms to 4 ms: g crosses 1/R_s = 1 uS at 1.5 ms (rising, sampled at
    1 us: the crossing lies within one sample, interpolated) and falls at 4 ms.  Delay
    0.5 ms, relaxation 1 ms, to one sample (1 us)."""
    rs = 1e6
    t = np.arange(0, 8e-3, 1e-6)
    v = np.where((t >= 1e-3) & (t < 3e-3), 1.0, 0.1)
    r = np.where((t >= 1.5e-3) & (t < 4e-3), 1e4, 1e8)
    i = v / (rs + r)
    (ev,) = pr.pulse_events(t, v, i, rs)
    assert ev["delay"] == pytest.approx(0.5e-3, abs=1.5e-6)
    assert ev["relaxation"] == pytest.approx(1.0e-3, abs=1.5e-6)
    assert ev["amplitude"] == pytest.approx(1.0) and ev["read"] == pytest.approx(0.1)


def test_pulse_events_relaxation_over_at_the_pulse_end_is_half_a_sample_not_zero():
    """The same record with the device OFF again exactly when the pulse ends (3 ms): the
    relaxation is shorter than one sample; it is reported as half a sample (0.5 us), not 0,
    whose ln the interquartile-mean statistic could not take."""
    rs = 1e6
    t = np.arange(0, 8e-3, 1e-6)
    v = np.where((t >= 1e-3) & (t < 3e-3), 1.0, 0.1)
    r = np.where((t >= 1.5e-3) & (t < 3e-3), 1e4, 1e8)
    (ev,) = pr.pulse_events(t, v, np.asarray(v / (rs + r)), rs)
    assert ev["relaxation"] == pytest.approx(0.5e-6), ev
    assert math.isfinite(math.log(ev["relaxation"]))


def test_wang2017_fit_file_holds_every_simulable_number_of_the_paper():
    """examples/fit_wang2017/fit.toml (docs/fit.md, "The paper's device"): the five statistics,
    Fig. 1c's protocol as the caption states it, and Fig. 3b's temperatures spanning the ratio
    1.5 that Methods gives."""
    from pathlib import Path

    spec = load_fit_spec(Path(__file__).resolve().parents[1] / "examples" / "fit_wang2017" / "fit.toml")
    assert [o.label for o in spec.observations] == [
        "Fig. 3b: E_a", "Fig. 3b: tau(300 K)", "Fig. 1b: R_OFF/R_ON", "Fig. 1c: delay, 600 K",
        "Fig. 1c: relaxation, 600 K"]
    temps = spec.observations[0].temperatures
    assert max(temps) / min(temps) == pytest.approx(1.5)
    for ob, stat, bound in ((spec.observations[3], "ln_delay", 500e-9), (spec.observations[4], "ln_relaxation", 5e-6)):
        assert ob.statistic == stat
        assert (ob.protocol["amplitude"], ob.protocol["width"], ob.protocol["temperature_k"]) == (1.5, 5e-7, 600.0)
        # the stated bound lies above the value, within one sigma (in ln) of it
        assert math.exp(ob.value) < bound <= math.exp(ob.value + ob.sigma), (ob.value, ob.sigma)


# -- bad input: one line, file and column, exit 2 ----------------------------------------------------
IV_OK = "voltage_v,current_a,cycle\n" + "".join(
    f"{x:.3f},{(1e-6 if 0.4 <= x and k <= 20 else 1e-9 * x):.3e},{c}\n"
    for c in range(3) for k, x in enumerate(_staircase(1.0, 0.05)))


def _case(tmp_path, data, files=None, fit='preset = "SiOxNy_Ag"', params='w_pin = { min = 0.2, max = 0.4 }'):
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    path = tmp_path / "fit.toml"
    path.write_text(f'[fit]\n{fit}\nseed = 1\n\n[parameters]\n{params}\n\n[[data]]\n{data}\n')
    return path


IV = 'kind = "iv_loop"\nfile = "iv.csv"\ncompliance_a = 1e-6\nsweep_rate_v_per_s = 1.0\n'
PULSE = 'kind = "pulse"\nfile = "p.csv"\nseries_ohm = 1e6\namplitude_v = 1.0\n'
PULSE_SUMMARY = ('kind = "summary"\nstatistic = "{stat}"\nvalue = {value!r}\nuncertainty = 1e-7\namplitude_v = 1.5\n'
                 'width_s = 5e-7\nseries_ohm = 1e6\ntemperature_k = 600.0\n{extra}')
PPF = ('kind = "summary"\nstatistic = "ppf_ratio"\namplitude_v = 3.0\nwidth_s = 1e-3\nseries_ohm = 1e8\n'
       'intervals_s = [1e-3, 2e-2]\n')


@pytest.mark.parametrize("data, files, kw, expected", [
    (IV, {"iv.csv": IV_OK.replace("current_a", "i")}, {}, "iv.csv: column 'current_a' missing"),
    (IV, {"iv.csv": IV_OK.replace("1.000,", "1000.0,", 1)}, {}, "column 'voltage_v' = 1000.0: not a voltage in V"),
    (IV, {"iv.csv": IV_OK.replace("1.000e-06", "1.000e-03", 1)}, {}, "column 'current_a' = 0.001: ten times the compliance"),
    (IV, {"iv.csv": IV_OK.replace(",2\n", ",2.5\n", 1)}, {}, "column 'cycle' = 2.5: expected a cycle number"),
    (IV, {"iv.csv": "\n".join(IV_OK.splitlines()[:41]) + "\n"}, {}, "column 'cycle': 1 cycle; at least 2"),
    (IV, {"iv.csv": IV_OK.replace("1.000e-06", "1.000e-08")}, {}, "column 'current_a': no cycle reaches half the compliance"),
    (IV + "series_ohm = 1e3\n", {"iv.csv": IV_OK}, {}, "give exactly one of compliance_a (A) or series_ohm"),
    (IV, {"iv.csv": IV_OK}, {}, "sweep_rate_v_per_s = 1.0: a protocol the model cannot run in a fit"),
    (IV + 'statistics = ["reset_voltage"]\n', {"iv.csv": IV_OK}, {}, "data[0].statistics = 'reset_voltage'"),
    (PULSE, {"p.csv": "time_s,voltage_v,current_a\n0,0,0\n1e-3,1,1e-7\n0.5e-3,0,0\n"}, {},
     "p.csv: row 4, column 'time_s' = 0.0005: times must increase"),
    (PULSE, {"p.csv": "time_s,voltage_v,current_a\n0,0,0\n1e-3,2,1e-7\n2e-3,0.1,1e-9\n"}, {},
     "p.csv: column 'voltage_v': a pulse of 2 V"),
    (PULSE, {"p.csv": "time_s,voltage_v,current_a\n0,0,0\n1e-3,1,1e-7\n2e-3,0.1,1e-9\n"}, {},
     "p.csv: 1 pulse(s) found; at least 4"),
    (PPF + "values = [120.0, 105.0]\nuncertainties = [5.0, 5.0]\n", {}, {}, "values = 120.0: a PPF ratio G2/G1"),
    (PPF + "values = [1.2]\nuncertainties = [0.1]\n", {}, {}, "expected 2 values and uncertainties"),
    (PPF + "values = [1.2, 1.1]\nuncertainties = [0.1, 0.1]\nfirst_weight_s = 1.5e-6\n", {}, {},
     "data[0].first_weight_s = 1.5e-06: give first_weight_s and first_weight_uncertainty_s together"),
    (PPF + "values = [1.2, 1.1]\nuncertainties = [0.1, 0.1]\nfirst_weight_s = 1.5e4\n"
     "first_weight_uncertainty_s = 1e3\n", {}, {}, "first_weight_s = 15000.0: a conductance in S is expected"),
    (PULSE_SUMMARY.format(stat="pulse_delay", value=1e-6, extra=""), {}, {},
     "data[0].value = 1e-06: a delay longer than the pulse (5e-07 s) is never seen"),
    (PULSE_SUMMARY.format(stat="pulse_relaxation", value=2e-6, extra=""), {}, {},
     "data[0].read_v = 0.0: a relaxation is seen only through a read voltage"),
    (PULSE_SUMMARY.format(stat="pulse_relaxation", value=2e-6, extra="read_v = 0.2\nrecord_s = 1e-6\n"), {}, {},
     "data[0].record_s = 1e-06: the record must outlast the relaxation time"),
    (PULSE_SUMMARY.replace("amplitude_v = 1.5", "amplitude_v = 1500.0").format(stat="pulse_delay", value=1e-7,
                                                                             extra=""), {}, {},
     "data[0].amplitude_v = 1500.0: a voltage in V is expected"),
    (PULSE_SUMMARY.format(stat="pulse_delay", value=1e-7, extra="") + "compliance_a = 1e-6\n", {}, {},
     "data[0].compliance_a = 1e-06: unknown key for a summary pulse_delay"),
    ('kind = "summary"\nstatistic = "on_off_ratio"\nvalue = 0.5\nuncertainty = 0.1\ncompliance_a = 1e-6\n'
     'sweep_rate_v_per_s = 1.0\nv_max = 1.0\n', {}, {}, "an ON/OFF ratio (> 1)"),
    ('kind = "relaxation"\nfile = "r.csv"\n', {}, dict(fit='device = "drift"\npreset = "TaOx"',
                                                      params="sigma_p = { min = 1e-5, max = 1e-4 }"),
     "a protocol the drift model cannot run here"),
    (IV, {"iv.csv": IV_OK}, dict(fit='device = "rram"\npreset = "stanford_hfox"',
                                 params="w_pin = { min = 0.2, max = 0.4 }"), "not a fittable parameter of a rram device"),
    (IV, {"iv.csv": IV_OK}, dict(fit='device = "rram"\npreset = "stanford_hfox"',
                                 params="v0 = { min = 1e-4, max = 0.5 }"), "outside the parameter's valid range"),
])
def test_bad_protocol_input_is_one_line_naming_file_and_column_exit_2(tmp_path, capsys, data, files, kw, expected):
    path = _case(tmp_path, data, files, **kw)
    assert main(["fit", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("spicemem: error: "), err
    assert expected in err, err
    assert not (tmp_path / "out").exists()


# -- recovery on synthetic data ---------------------------------------------------------------------
def _write_loops(path, vs, cyc, currents, cycles_per_device):
    """One CSV holding every simulated device's cycles as the cycles of one measurement."""
    lines = ["voltage_v,current_a,cycle"]
    n = 0
    for cur in currents:
        for c in range(cycles_per_device):
            sel = cyc == c
            lines += [f"{a:.9g},{b:.9g},{n}" for a, b in zip(vs[sel], cur[sel])]
            n += 1
    path.write_text("\n".join(lines) + "\n")


def _fit(tmp_path, text):
    (tmp_path / "fit.toml").write_text(text)
    return run_fit(load_fit_spec(tmp_path / "fit.toml"), tmp_path / "out", workers=0, plot=False,
                   log=lambda m: None)


def _check_recovered(rep, name, truth, max_ratio, min_ratio=1.0):
    p = rep["parameters"][name]
    lo, hi = p["ci95"]
    print(f"recovered {name}: truth {truth:.4g}, fitted {p['value']:.4g} [{lo:.4g}, {hi:.4g}], "
          f"{rep['evaluations']['total']} evaluations, {rep['wall_time_s']:.1f} s")
    assert p["determined"], p
    assert lo <= truth <= hi, (name, truth, p)
    # An informative interval, not the whole range: the profile's, before the evaluated-point
    # rule widens it to single evaluations within the 95 % level (an exact rule, tested on its
    # own in test_fit.py, whose reach follows the noise of the points the optimiser's path
    # happened to evaluate, which the standard-error arguments of the tests do not cover;
    # measured on the pulse test: profile factor 9.6, widened to 12.9 by one evaluation).
    # The reported interval must be at least as wide (min_ratio) and hold the truth (above).
    plo, phi = p.get("profile_ci95", p["ci95"])
    assert plo >= lo and phi <= hi, p
    assert min_ratio < hi / lo and phi / plo < max_ratio, (name, p)


@pytest.mark.slow
def test_iv_loop_recovery_diffusive_through_ngspice(tmp_path):
    """Truth w_pin = 0.25 eV (presets: 0.27 and up), start 0.31.  Data: 8 devices x 1 cycle
    (seed 987), the fit: 4 devices with the fit's own seed.  The mean threshold of 8 cycles
    has a standard error of ~0.05 V (their sd ~0.14 V / sqrt 8) and moves ~0.75 V per unit of
    ln w_pin (measured: 0.46 -> 0.99 V for w_pin x 0.7 -> x 1.4), so ln w_pin is fixed to
    ~0.1 and the 95 % interval spans a factor ~1.5 (measured 1.33 since issue 18's kernel
    fix kept common random numbers through ngspice; 1.67 before, when the weights carried the
    point-to-point noise of 1.4x the ensemble SE, docs/fit.md);
    the truth lies 0.2 in ln from the start, so an optimiser that did not move, or an
    interval a factor of 2 too small, fails."""
    from spicemem.devices.diffusive import DiffusiveParams

    proto = {"type": "iv_loop", "compliance_a": 1e-6, "series_ohm": None, "sweep_rate_v_per_s": 2500.0,
             "step_v": 0.025, "v_max": 1.0, "v_min": None, "temperature_k": None, "cycles": 1, "pause_s": 0.02}
    truth = DiffusiveParams.from_preset("SiOxNy_Ag").replace(w_pin=0.25)
    vs, cyc, cur = pr.simulate_loop_curves("diffusive", truth, proto, 8, 987)
    _write_loops(tmp_path / "iv.csv", vs, cyc, cur, 1)
    rep = _fit(tmp_path, '[fit]\npreset = "SiOxNy_Ag"\nseed = 5\ndevices = 4\nmax_evaluations = 12\n'
                         '[parameters]\nw_pin = { min = 0.18, max = 0.4, start = 0.31 }\n'
                         '[[data]]\nkind = "iv_loop"\nfile = "iv.csv"\ncompliance_a = 1e-6\n'
                         'sweep_rate_v_per_s = 2500.0\npause_s = 0.02\n')
    _check_recovered(rep, "w_pin", 0.25, 2.0)


@pytest.mark.slow
@pytest.mark.parametrize("device, preset, name, truth, start, bounds, proto, ratio_range", [
    # TaOx drift: the SET voltage moves with the power scale sigma_p (measured: 0.92 V at
    # the preset's 4e-5 W, 0.78 V at 2.8e-5 W); deterministic model: one device
    ("drift", "TaOx", "sigma_p", 3.2e-5, 4.6e-5, (2e-5, 8e-5),
     dict(series_ohm=100.0, sweep_rate_v_per_s=100.0, step_v=0.05, v_max=2.0, v_min=-2.0), (1.15, 1.4)),
    # Stanford RRAM: the SET voltage moves with the field cut-off f_min (SET at 1.8-2.0 V at
    # 1.26e9 V/m behind 2 kOhm, the same at 10 and 100 V/s; 1.4-1.7 V at 1.12e9; none below
    # 2.2 V at the preset's 1.4e9)
    ("rram", "stanford_hfox", "f_min", 1.26e9, 1.12e9, (1.0e9, 1.38e9),
     dict(series_ohm=2000.0, sweep_rate_v_per_s=100.0, step_v=0.05, v_max=2.2, v_min=-2.2), (1.09, 1.3)),
])
def test_iv_loop_recovery_drift_and_rram_through_the_registry(tmp_path, device, preset, name, truth, start,
                                                               bounds, proto, ratio_range):
    """SET voltages of two bipolar cycles of a deterministic model: the data are the model's
    own at the truth, so the only error is the staircase's resolution, the standard error
    floor step/sqrt(12) = 14 mV given to each mean; the fit must land inside its interval
    (no noise: the interval is the resolution's), and that interval must be narrow.  The SET
    voltage moves ~0.39 V per unit ln sigma_p, so one 50 mV stair is 0.13 in ln and the
    95 % interval is where the statistic moves by 1.96 of its weight (0.017-0.018 V for TaOx,
    0.138 V for RRAM), not one stair.  The exact reference (one parameter: the profile is
    chi2; a 41-point scan with the fit's weights, examples/fit_synthetic/staircase_profile.py)
    spans a factor 1.23 for sigma_p and 1.175 for f_min; the fit gave 1.24 and 1.20
    (docs/fit.md).  The checks: wider than the exact interval with half its ln-width (1.11,
    1.08) and narrower than with twice it (1.51, 1.38), with room inside for the join
    rule: 1.15-1.4 and 1.09-1.3, so a factor-2 error of the width fails either way."""
    p = dict(type="iv_loop", compliance_a=None, temperature_k=None, cycles=2, pause_s=1e-3, **proto)
    base = registry()[device].params_class.from_preset(preset)
    vs, cyc, cur = pr.simulate_loop_curves(device, base.replace(**{name: truth}), p, 1, 3)
    _write_loops(tmp_path / "iv.csv", vs, cyc, cur, 2)
    rep = _fit(tmp_path, f'[fit]\ndevice = "{device}"\npreset = "{preset}"\nseed = 2\ndevices = 1\n'
                         f'max_evaluations = 14\n[parameters]\n{name} = {{ min = {bounds[0]!r}, max = {bounds[1]!r}, '
                         f'start = {start!r} }}\n[[data]]\nkind = "iv_loop"\nfile = "iv.csv"\n'
                         f'series_ohm = {proto["series_ohm"]!r}\nsweep_rate_v_per_s = {proto["sweep_rate_v_per_s"]!r}\n'
                         f'cycles = 2\npause_s = 1e-3\nstatistics = ["threshold_voltage"]\n')
    _check_recovered(rep, name, truth, ratio_range[1], min_ratio=ratio_range[0])


@pytest.mark.slow
def test_pulse_recovery_diffusive(tmp_path):
    """Pulse responses: 1 V, 100 us pulses behind 1 MOhm, no read voltage (so delays only);
    data are 8 simulated devices at tau_thermal = 3.2 us (presets: 2 us and others; seed
    991) in one file, 8 events; the fit runs 6 devices (its own seed) from 2 us.  The delay
    moves faster than tau_thermal itself (measured: the interquartile mean of ln(delay) of 8
    devices rises by ~0.7 from 2 to 3.2 us, a slope of ~1.5 in ln).  Delays scatter by
    sd ~0.8 in ln (3.7-25 us at 2 us), so the Tukey-McLaughlin SE of the interquartile mean
    is 0.8/(0.5 sqrt n): 0.57 for the 8 data events, 0.65 for the 6 simulated devices; together
    0.86, i.e. ln tau_thermal to 0.86/1.5 = 0.57 and a 95 % interval spanning a factor
    exp(3.92 x 0.57) = 9.  The check: the truth inside, and the span under 12 of the allowed
    factor 40 (a doubled ln_sd would span 90).  The start (2 us) is 0.47 off in ln, less than
    one sd (0.57) of the estimate, so the data cannot demand that the fit move towards the
    truth: an unbiased estimator lands less than halfway ~1/3 of the time.  What is checked of
    the optimiser is that it ends no worse than its start (chi2 <= start chi2)."""
    from spicemem.devices.diffusive import DiffusiveParams

    proto = {"type": "pulse", "series_ohm": 1e6, "amplitude": 1.0, "width": 100e-6, "read": 0.0,
             "record": 1e-3, "temperature_k": None}
    truth = DiffusiveParams.from_preset("SiOxNy_Ag").replace(tau_thermal=3.2e-6)
    t, v, i = pr.simulate_pulse_curves(truth, proto, 8, 991)
    lines, t0 = ["time_s,voltage_v,current_a"], 0.0
    for d in range(8):
        lines += [f"{t0 + a:.12g},{b:.9g},{c:.9g}" for a, b, c in zip(t, v[d], i[d])]
        t0 += t[-1] + (t[1] - t[0])
    (tmp_path / "p.csv").write_text("\n".join(lines) + "\n")
    rep = _fit(tmp_path, '[fit]\npreset = "SiOxNy_Ag"\nseed = 4\ndevices = 6\nmax_evaluations = 12\n'
                         '[parameters]\ntau_thermal = { min = 5e-7, max = 2e-5, start = 2e-6 }\n'
                         '[[data]]\nkind = "pulse"\nfile = "p.csv"\nseries_ohm = 1e6\namplitude_v = 1.0\n')
    assert [o["label"] for o in rep["observations"]] == ["pulse delay"]  # no read voltage: no relaxation
    _check_recovered(rep, "tau_thermal", 3.2e-6, 12.0)
    assert rep["chi2"] <= rep["start_chi2"], (rep["chi2"], rep["start_chi2"])



@pytest.mark.slow
def test_ppf_ratio_alone_leaves_w_pin_not_determined_and_the_first_weight_holds_the_truth(tmp_path):
    """PPF of two 3 V / 1 ms pulses 1 ms apart behind 100 MOhm (the ``ppf_tzero`` protocol).
    Data: 64 devices at w_pin = 0.25 eV (seed 991); the fit: 16 devices of its own seed, from
    0.29 eV within [0.22, 0.32].

    What each statistic identifies was measured with 128-256 devices per point and a paired
    bootstrap (``examples/fit_wang2017/ppf_scan.py``, docs/fit.md "PPF: what it identifies"):
    the ratio's slope is +0.3 +- 0.5 per unit of w_pin/w_0 (its SE: 0.21 at 32 devices, 0.30
    at 16), so across these bounds (0.37 in w_pin/w_0) it moves < 0.3 in ln, below one combined
    standard error of data and simulation (0.18 and 0.30 in ln: 0.35): chi2 changes by < 0.8
    over the whole range, under the 3.84 of a 95 % interval, and the fit must say "not
    determined".  The first-pulse weight ln G1 moves by -5.2 +- 0.5 per unit of w_pin/w_0
    (-19 per eV) with SEs of 0.16 (64 data devices) and 0.28 (16 simulated): sigma(w_pin) ~
    0.32 / 19 = 0.017 eV, a 95 % interval ~0.065 eV wide.  The checks: the truth inside it,
    and narrower than 0.09 eV (a doubled error would give 0.13, more than the whole range:
    not determined).  A second set (truth 0.28 eV, data seed 992) passes the same checks
    (docs/fit.md); 16 fit devices, not 32, halve the cost (38 s of CPU with 32).

    The simulation's SE is pooled over the fit's evaluations (engine.pooled_se): one
    16-device estimate of the ln G1 SE scatters by a relative sd of 0.3-0.6 over seeds, and
    this seed's estimate at the optimum (0.555, in the top 10 % of its spread) weighted alone
    left w_pin not determined (a strict xfail until issue 18's pooling); pooled (0.382 from 7
    estimates) it passed.  Rates over fit seeds 1-8 on both sets
    (``examples/fit_wang2017/ppf_seeds.py``, docs/fit.md "What a noisy profile may claim"):
    with the pooled SE alone the ratio came out "determined" at 7 of 16 (set, seed) pairs,
    its profile closed just inside a bound by a quadratic surface fitted to one lucky
    evaluation; since the surface keeps only the terms an F-test supports (engine.
    surface_terms) it is "not determined" at 16 of 16.  With the first weight the truth is
    inside the interval at 16 of 16, while w_pin is determined at 10 of 16 only (an
    interval narrower than 0.09 eV at fewer: here, seed 4, [0.220, 0.311], one-sided).  So
    this test asserts what holds at every seed measured -- the ratio alone not determined,
    the truth inside with the first weight -- and checks on the model itself (no fit) that
    the first weight carries the information; the engine's power to determine a parameter
    the data do pin down is tested over 300 replicates in
    test_fit.py::test_a_flat_noisy_statistic_is_not_determined_and_a_real_slope_is, not at
    one seed here."""
    from spicemem.devices.diffusive import DiffusiveParams
    from spicemem.fit.spec import ln_median_and_se

    proto = {"type": "ppf", "amplitude": 3.0, "width": 1e-3, "series_ohm": 1e8, "temperature_k": None,
             "intervals": [1e-3]}
    lg1, lg2 = pr.ppf_conductances(DiffusiveParams.from_preset("SiOxNy_Ag").replace(w_pin=0.25), proto, 0, 64, 991)
    ratio, ratio_se = pr.ppf_ratio(lg1, lg2)
    m1, s1 = ln_median_and_se(np.exp(lg1))
    g1, g1_se = float(math.exp(m1)), float(math.exp(m1) * s1)
    head = ('[fit]\npreset = "SiOxNy_Ag"\nseed = 4\ndevices = 16\nmax_evaluations = 12\n'
            '[parameters]\nw_pin = { min = 0.22, max = 0.32, start = 0.29 }\n'
            '[[data]]\nkind = "summary"\nstatistic = "ppf_ratio"\namplitude_v = 3.0\nwidth_s = 1e-3\n'
            f'series_ohm = 1e8\nintervals_s = [1e-3]\nvalues = [{ratio!r}]\nuncertainties = [{ratio_se!r}]\n')
    (tmp_path / "ratio").mkdir()
    rep = _fit(tmp_path / "ratio", head)
    p = rep["parameters"]["w_pin"]
    print("ratio only:", p["value"], p["ci95"], p["why_not"], rep["evaluations"]["total"])
    assert not p["determined"], p
    assert p["ci95"] == pytest.approx([0.22, 0.32]), p

    (tmp_path / "g1").mkdir()
    rep = _fit(tmp_path / "g1", head + f"first_weight_s = {g1!r}\nfirst_weight_uncertainty_s = {g1_se!r}\n")
    assert [o["label"] for o in rep["observations"]] == ["ppf_ratio 0.001 s", "ppf_ratio first weight"]
    q = rep["parameters"]["w_pin"]
    lo, hi = q["ci95"]
    print("first weight:", q["value"], q["ci95"], q["determined"], rep["evaluations"]["total"])
    # what holds at every seed measured (16 of 16): the truth inside the reported interval
    assert lo <= 0.25 <= hi, q
    # that the first weight carries the information, checked on the model itself (no fit):
    # one seed's 64 devices at the two bounds move ln G1 by -1.98 (SEs 0.16 and 0.07, measured;
    # -5.2 +- 0.5 per unit of w_pin/w_0 from ppf_scan.py predicts -1.9), so -1.0 is more
    # than 5 of its standard errors from the measured value and more than 5 from no effect
    (m_lo, _), (m_hi, _) = (ln_median_and_se(np.exp(pr.ppf_conductances(
        DiffusiveParams.from_preset("SiOxNy_Ag").replace(w_pin=w), proto, 0, 64, 993)[0])) for w in (0.22, 0.32))
    assert m_hi - m_lo < -1.0, (m_lo, m_hi)
