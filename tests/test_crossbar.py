"""Crossbar generator: netlists checked against a direct nodal solution, structure, errors."""

import re
import subprocess
import sys

import numpy as np
import pytest

from spicemem.cli import main
from spicemem.crossbar import (HRS, LRS, Crossbar, Pulse, netlist_text, solve_dc,
                               worst_case_pattern, write_netlist)
from spicemem.crossbar.netlist import col_node, row_node, sense_source

#: Fixed selector resistance of the DC checks, in Ohm (the selector's OFF order).
R_SEL = 1e6


def _spec(n, cell, scheme, r_wire=2.0, **kw):
    return Crossbar(n, n, cell=cell, scheme=scheme, r_wire=r_wire,
                    pattern=worst_case_pattern(n, n, state=HRS), analysis="op",
                    selector_resistance=R_SEL if cell == "1S1R" else None, **kw)


# -- the nodal solver itself ---------------------------------------------------------------------
def test_single_cell_is_a_series_circuit():
    """1x1: driver, two wire segments, the cell and the sense resistor in series (exact)."""
    s = Crossbar(1, 1, cell="1S1R", selector_resistance=5e3, r_wire=3.0, r_driver=70.0,
                 r_sense=40.0, pulse=Pulse(amplitude=2.0), pattern=[[LRS]])
    d = solve_dc(s)
    total = 70.0 + 3.0 + 10e3 + 5e3 + 3.0 + 40.0
    assert d.sense_current == pytest.approx(2.0 / total, rel=1e-12)
    assert d.cell_i[0, 0] == pytest.approx(2.0 / total, rel=1e-12)
    assert d.mid_v[0, 0] == pytest.approx(2.0 - (70.0 + 3.0 + 10e3) * 2.0 / total, rel=1e-12)


@pytest.mark.parametrize("scheme", ["floating", "v/2", "v/3"])
def test_nodal_solution_obeys_kirchhoff(scheme):
    """Every driven line delivers what its cells carry; the totals balance (round-off)."""
    s = _spec(4, "1R", scheme)
    d = solve_dc(s)
    assert abs(d.row_in_i.sum() - d.col_out_i.sum()) < 1e-15 + 1e-12 * np.abs(d.cell_i).sum()
    # a floating line carries no net current
    if scheme == "floating":
        assert np.all(d.row_in_i[1:] == 0) and np.all(d.col_out_i[:-1] == 0)


def test_ideal_lines_match_the_limit_of_small_wire_resistance():
    """r_wire = 0 merges nodes; it agrees with r_wire -> 0 to first order in r_wire."""
    a = solve_dc(_spec(3, "1R", "v/2", r_wire=0.0))
    b = solve_dc(_spec(3, "1R", "v/2", r_wire=1e-6))
    assert a.sense_current == pytest.approx(b.sense_current, rel=1e-8)


# -- the generator against the nodal solution, through ngspice ------------------------------------
@pytest.mark.ngspice
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("cell", ["1R", "1S1R"])
@pytest.mark.parametrize("scheme", ["floating", "v/2", "v/3"])
@pytest.mark.parametrize("r_wire", [2.0, 0.0])
def test_netlist_matches_nodal_solution_at_dc(n, cell, scheme, r_wire):
    """ngspice's operating point of the generated netlist equals the direct solution.

    Tolerance: 1 uV on every row and column node (ngspice's vntol; the network is linear,
    so Newton converges in one step and the difference is round-off, measured <= 1e-12 V),
    and 1e-9 relative on the sensed current.
    """
    from spicemem.bridge import run_netlist

    s = _spec(n, cell, scheme, r_wire=r_wire)
    res = run_netlist(netlist_text(s), seed=0)
    d = solve_dc(s)
    ng_row = np.array([[res.vectors[f"v({row_node(s, i, j)})"][0] for j in range(n)] for i in range(n)])
    ng_col = np.array([[res.vectors[f"v({col_node(s, i, j)})"][0] for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(ng_row, d.row_v, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ng_col, d.col_v, rtol=0, atol=1e-6)
    i_sense = res.vectors[f"i({sense_source(s)})"][0]
    assert i_sense == pytest.approx(d.sense_current, rel=1e-9), (i_sense, d.sense_current)
    if cell == "1S1R":
        ng_mid = np.array([[res.vectors[f"v(x{i}_{j}.mid)"][0] for j in range(n)] for i in range(n)])
        np.testing.assert_allclose(ng_mid, d.mid_v, rtol=0, atol=1e-6)


@pytest.mark.ngspice
def test_transient_plateau_matches_nodal_solution():
    """A short .tran of the pulse: at the plateau the resistive network is at its DC point
    (no storage elements), to ngspice's reltol (1e-3) on the sensed current."""
    from spicemem.bridge import run_netlist

    s = _spec(3, "1S1R", "v/3").replace(analysis="tran", pulse=Pulse(width=0.5e-6))
    res = run_netlist(netlist_text(s), seed=0)
    t = res.time
    k = np.flatnonzero((t > s.pulse.t_on) & (t < s.pulse.t_off))
    assert k.size >= 3
    d = solve_dc(s)
    i_sense = res.vectors[f"i({sense_source(s)})"][k]
    np.testing.assert_allclose(i_sense, d.sense_current, rtol=1e-3)


@pytest.mark.ngspice
def test_drift_memory_netlist_runs_through_the_bridge():
    """A drift memory at x = 1 is the linear metallic channel, 1/G_m = 40 Ohm (TaOx preset):
    its operating point equals the resistor network with r_lrs = 40 Ohm (linear B-source,
    one Newton step; 1e-9 relative)."""
    from spicemem.bridge import run_netlist
    from spicemem.devices.drift import DriftParams

    s = Crossbar(3, 3, cell="1R", memory="drift", scheme="v/2", analysis="op", x_lrs=1.0,
                 pulse=Pulse(amplitude=0.2))
    res = run_netlist(netlist_text(s), seed=0)
    assert len(res.device_names) == 9 and res.devices[0]["type"] == "drift"
    d = solve_dc(s.replace(memory="resistor", r_lrs=1.0 / DriftParams.from_preset("TaOx").g_m))
    assert res.vectors[f"i({sense_source(s)})"][0] == pytest.approx(d.sense_current, rel=1e-9)


@pytest.mark.ngspice
@pytest.mark.parametrize("edit", [("rwire", 7.5), ("rhrs", 3e4), ("vread", 2.5), ("rsense", 1e3)])
def test_one_param_line_changes_a_value_everywhere(edit):
    """Editing one value on the .param line of a generated 4x4 netlist gives what the nodal
    solver gives for the array with that value changed (1e-9 relative, as above)."""
    from spicemem.bridge import run_netlist

    name, value = edit
    s = Crossbar(4, 4, cell="1R", scheme="v/3", analysis="op", pattern=worst_case_pattern(4, 4))
    text = re.sub(rf"(?m)^(\.param .*\b{name}=)\S+", rf"\g<1>{value!r}", netlist_text(s))
    field = {"rwire": "r_wire", "rhrs": "r_hrs", "rsense": "r_sense"}.get(name)
    changed = s.replace(**{field: value}) if field else s.replace(pulse=Pulse(amplitude=value))
    res = run_netlist(text, seed=0)
    assert res.vectors[f"i({sense_source(s)})"][0] == pytest.approx(solve_dc(changed).sense_current,
                                                                    rel=1e-9)


@pytest.mark.parametrize("name, argv", [
    ("crossbar_3x3_1r_v3.cir", ["3", "3", "--cell", "1R", "--scheme", "v/3"]),
    ("crossbar_4x4_1s1r_v2.cir", ["4", "4", "--cell", "1S1R", "--scheme", "v/2"]),
])
def test_committed_crossbar_netlists_are_what_the_generator_writes(tmp_path, capsys, name, argv):
    from pathlib import Path

    assert main(["crossbar", *argv, "--out", str(tmp_path)]) == 0
    committed = Path(__file__).resolve().parents[1] / "netlists" / name
    assert committed.read_text() == (tmp_path / name).read_text(), f"netlists/{name} is stale"


# -- structure ------------------------------------------------------------------------------------
def test_cells_are_subcircuits_one_per_stored_state_and_both_are_always_defined():
    s = Crossbar(2, 3, cell="1S1R", pattern=[[1, 0, 1], [1, 1, 0]])
    text = netlist_text(s)
    assert text.count(".subckt cell_lrs row col") == 1 and text.count(".subckt cell_hrs row col") == 1
    assert re.search(r"^X0_1 r0_1 c0_1 cell_hrs$", text, re.M)
    assert re.search(r"^X1_2 r1_2 c1_2 cell_hrs$", text, re.M)
    assert len(re.findall(r"^X\d+_\d+ ", text, re.M)) == 6
    # the selector's n+ faces the column: a positive row pulse biases it negatively
    assert "Nsel col mid sel" in text and "Rm row mid {rlrs}" in text and "Rm row mid {rhrs}" in text
    assert ".param vread=4 rwire=2 rdriver=100 rsense=100 rlrs=10000 rhrs=100000" in text
    all_lrs = netlist_text(Crossbar(2, 2, cell="1R"))  # no HRS cell, still both definitions
    assert ".subckt cell_hrs row col" in all_lrs and "Rm row col {rhrs}" in all_lrs
    assert ".model sel diffusive (" in text and text.rstrip().endswith(".end")


def test_floating_lines_have_no_driver():
    s = Crossbar(3, 3, cell="1R", scheme="floating", selected=(1, 1))
    text = netlist_text(s)
    assert re.findall(r"^V\S+", text, re.M) == ["Vr1", "Vc1"]
    assert "Rwr0_0 " not in text and "Rwr1_0 r1_in r1_0" in text


@pytest.mark.parametrize("scheme, row_level, col_level", [("v/2", 2.0, 2.0), ("v/3", 4 / 3, 8 / 3)])
def test_bias_levels_follow_the_scheme(scheme, row_level, col_level):
    s = Crossbar(2, 2, cell="1R", scheme=scheme, analysis="op", selected=(0, 0))
    text = netlist_text(s)
    assert re.search(r"^Vr0 dr0 0 dc \{vread\}$", text, re.M)
    assert re.search(r"^Vc0 dc0 0 dc 0$", text, re.M)
    vread = float(re.search(r"^\.param vread=(\S+)", text, re.M).group(1))
    v_r1 = eval(re.search(r"^Vr1 dr1 0 dc \{(\S+)\}$", text, re.M).group(1), {"vread": vread})
    v_c1 = eval(re.search(r"^Vc1 dc1 0 dc \{(\S+)\}$", text, re.M).group(1), {"vread": vread})
    assert v_r1 == pytest.approx(row_level, rel=1e-14) and v_c1 == pytest.approx(col_level, rel=1e-14)


def test_pulse_waveform_and_tran_line():
    s = Crossbar(2, 2, cell="1R", pulse=Pulse(amplitude=1.5, delay=1e-7, rise=1e-8, width=1e-6,
                                               fall=2e-8, tail=1e-7), tmax=5e-8)
    text = netlist_text(s)
    assert "Vr0 dr0 0 pwl(0 0 1e-07 0 1.1e-07 {vread} 1.11e-06 {vread} 1.13e-06 0)" in text
    assert re.search(r"^\.param vread=1\.5 ", text, re.M)
    assert re.search(r"^\.tran \S+ 1\.23e-06 0 5e-08$", text, re.M)


def test_drift_memory_and_fixed_selector():
    s = Crossbar(2, 2, cell="1S1R", memory="drift", x_lrs=0.9, x_hrs=0.05,
                 pattern=worst_case_pattern(2, 2), selector_resistance=2e6)
    text = netlist_text(s)
    assert ".model mem drift (preset=TaOx)" in text
    assert "Nmem row mid mem x0=0.9" in text and "Nmem row mid mem x0=0.05" in text
    assert "Rsel col mid {rsel}" in text and "rsel=2000000" in text and ".model sel" not in text
    one_r = netlist_text(s.replace(cell="1R"))
    assert "Nmem row col mem x0=0.9" in one_r and "mid" not in one_r


def test_zero_resistances_merge_nodes():
    s = Crossbar(2, 2, cell="1R", r_wire=0.0, r_driver=0.0, r_sense=0.0, analysis="op")
    text = netlist_text(s)
    assert "Vr0 r0 0 dc {vread}" in text and "Vc1 c1 0 dc 0" in text
    assert not re.search(r"^R(w|dr|c)", text, re.M)
    d = solve_dc(s)  # ideal sources on ideal lines: every cell sees its full bias
    assert d.cell_v[0, 1] == pytest.approx(4.0, abs=1e-12)
    assert d.sense_current == pytest.approx(4.0 / 10e3 + 2.0 / 10e3, rel=1e-12)


# -- validation: one-line messages ------------------------------------------------------------------
@pytest.mark.parametrize("kw, pattern", [
    (dict(rows=0, cols=2), r"'rows' must be >= 1"),
    (dict(cell="2S2R"), r"'cell' must be one of"),
    (dict(scheme="v/4"), r"'scheme' must be one of"),
    (dict(memory="sram"), r"'memory' must be one of"),
    (dict(selected=(2, 0)), r"cell \(2, 0\) is outside the 2 x 2 array"),
    (dict(selected="ab"), r"'selected' must be a \(row, column\) pair"),
    (dict(r_lrs=-1.0), r"'r_lrs' must be > 0"),
    (dict(r_wire=float("nan")), r"'r_wire' must be finite"),
    (dict(x_hrs=1.5), r"'x_hrs' must lie in \[0, 1\]"),
    (dict(pattern=[[1, 1]]), r"'pattern' must be 2 x 2"),
    (dict(pattern=[[1, 1], [1, 7]]), r"cell \(1, 1\) must be 1 \(LRS\) or 0 \(HRS\)"),
    (dict(selector_model="preset=x (y)"), r"'selector_model' must be one line"),
    (dict(analysis="ac"), r"'analysis' must be one of"),
])
def test_bad_input_is_a_one_line_error(kw, pattern):
    args = dict(rows=2, cols=2)
    args.update(kw)
    with pytest.raises(ValueError, match=pattern) as exc:
        Crossbar(**args)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("kw, pattern", [
    (dict(amplitude=0.0), r"'pulse amplitude' must be non-zero"),
    (dict(width=0.0), r"'pulse width' must be > 0"),
    (dict(kind="erase"), r"'pulse kind' must be one of"),
])
def test_bad_pulse_is_a_one_line_error(kw, pattern):
    with pytest.raises(ValueError, match=pattern):
        Pulse(**kw)


# -- the CLI ----------------------------------------------------------------------------------------
def test_cli_writes_netlist(tmp_path, capsys):
    rc = main(["crossbar", "3", "4", "--cell", "1R", "--scheme", "v/3", "--r-wire", "1.5",
               "--selected", "1,2", "--state", "lrs", "--out", str(tmp_path)])
    assert rc == 0
    path = tmp_path / "crossbar_3x4_1r_v3.cir"
    assert capsys.readouterr().out.strip() == f"wrote {path}"
    text = path.read_text()
    assert "Rwr0_0 r0_in r0_0 {rwire}" in text and " rwire=1.5 " in text and "Vr1 dr1 0 pwl(" in text
    s = Crossbar(3, 4, cell="1R", scheme="v/3", r_wire=1.5, selected=(1, 2),
                 pattern=worst_case_pattern(3, 4, (1, 2), LRS))
    assert text == netlist_text(s)


def test_cli_pattern_file_and_file_output(tmp_path, capsys):
    pat = tmp_path / "pattern.txt"
    pat.write_text("# stored\n1 0\n0 1\n")
    out = tmp_path / "a.cir"
    assert main(["crossbar", "2", "2", "--pattern", str(pat), "--out", str(out)]) == 0
    assert "*   1 0\n*   0 1" in out.read_text()


@pytest.mark.parametrize("argv, pattern", [
    (["crossbar", "2", "2", "--scheme", "diagonal"], r"'scheme' must be one of"),
    (["crossbar", "2", "2", "--selected", "x"], r"--selected expects I,J"),
    (["crossbar", "2", "2", "--r-wire", "abc"], r"--r-wire expects a number"),
    (["crossbar", "2", "2", "--pulse", "write"], r"a write pulse needs --amplitude"),
    (["crossbar", "2", "2", "--state", "mid"], r"--state must be lrs or hrs"),
    (["crossbar", "2", "2", "--pattern", "/nonexistent/p.txt"], r"cannot read the pattern file"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path, capsys, argv, pattern):
    rc = main([*argv, "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("spicemem: error: "), err
    assert re.search(pattern, err[0]), err[0]


def test_write_netlist_to_directory(tmp_path):
    s = Crossbar(2, 2)
    assert write_netlist(s, tmp_path / "sub") == tmp_path / "sub" / "crossbar_2x2_1s1r_v2.cir"


def test_import_loads_no_simulator_or_plotting():
    code = ("import sys, spicemem.crossbar; bad = [m for m in ('PySpice', 'matplotlib', 'scipy') "
            "if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_run_preview_recognises_crossbar_cells():
    """`spicemem run`'s PNG maps the cells of a generated crossbar (device names X<i>_<j>.N...)
    and falls back to conductance traces for any other netlist."""
    from spicemem.bridge.outputs import _array_cells

    assert _array_cells(["X0_0.Nsel", "X0_1.Nsel", "X1_0.Nsel", "X1_1.Nsel"]) == {
        (0, 0): 0, (0, 1): 1, (1, 0): 2, (1, 1): 3}
    assert _array_cells(["X0_0.Nsel", "X0_1.Nsel", "N1"]) is None  # not all cells
    assert _array_cells(["X0_0.Nsel", "X0_1.Nsel"]) is None  # too few to map
