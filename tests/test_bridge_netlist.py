"""Netlist reading, checking and rewriting of the bridge (no ngspice needed)."""

import pytest

from spicemem.bridge.netlist import read_netlist, spice_number
from spicemem.devices.diffusive import DiffusiveParams
from spicemem.errors import NetlistError

MODEL = ".model ag diffusive (preset=wang2017_paper friction_ratio=10 heating_ratio=20 theta_ambient=0.35)"


def net(*lines):
    return "\n".join(["* test", *lines, ".end"]) + "\n"


@pytest.mark.parametrize("text, value", [("1.5", 1.5), ("2e-3", 2e-3), ("10k", 1e4), ("1meg", 1e6),
                                         ("3u", 3e-6), ("5ns", 5e-9), ("-2m", -2e-3), (".5p", 0.5e-12)])
def test_spice_numbers(text, value):
    assert spice_number(text) == pytest.approx(value, rel=1e-15)


def test_rewrite_top_level_device():
    n = read_netlist(net(MODEL, "V1 in 0 dc 1", "N1 in 0 ag seed=7", ".tran 1u 10u"))
    assert [d.name for d in n.devices] == ["N1"]
    d = n.devices[0]
    assert (d.source, d.node_plus, d.node_minus) == ("ismg_n1", "in", "")
    lines = n.text.splitlines()
    # the state node: an external current source into 1 Ohm (no branch unknown); never
    # 'dc 0 external' (segfaults ngspice 39.3)
    # (noisy=0: the 1 Ohm resistor's thermal noise must not reach a .noise analysis)
    assert "ismg_n1 0 smg_n1 external" in lines and "rsmg_n1 smg_n1 0 1 noisy=0" in lines
    b = next(ln for ln in lines if ln.startswith("bsm_n1"))
    assert b.startswith("bsm_n1 in 0 I=V(in,0)*V(smg_n1)*")
    # the source supplies G / G_max, of order one; the B-source multiplies G_max back
    g_max = DiffusiveParams.from_preset("wang2017_paper", friction_ratio=10, heating_ratio=20,
                                        theta_ambient=0.35).g_max
    assert float(b.rsplit("*", 1)[1]) == pytest.approx(g_max, rel=1e-15)
    assert not any(ln.lower().startswith(".model ag") for ln in lines)  # ngspice never sees it


def test_subcircuit_devices_get_hierarchical_names():
    n = read_netlist(net(
        MODEL,
        ".subckt cell top bot",
        "Racc top mid 5k",
        "N1 mid bot ag",
        ".ends cell",
        ".subckt row in out",
        "X1 in out cell",
        "X2 in out cell",
        "N9 in out ag",
        ".ends row",
        "V1 a 0 dc 1",
        "XR a 0 row",
        "XS a b row",
        "N0 a b ag",
    ))
    assert [d.name for d in n.devices] == ["N0", "XR.N9", "XR.X1.N1", "XR.X2.N1", "XS.N9", "XS.X1.N1",
                                           "XS.X2.N1"]
    by = {d.name: d for d in n.devices}
    assert by["XR.X1.N1"].source == "i.xr.x1.ismg_n1"  # as ngspice 39.3 names it
    assert (by["XR.X1.N1"].node_plus, by["XR.X1.N1"].node_minus) == ("xr.x1.mid", "")
    assert (by["XS.X2.N1"].node_plus, by["XS.X2.N1"].node_minus) == ("xs.x2.mid", "b")
    assert (by["XS.N9"].node_plus, by["XS.N9"].node_minus) == ("a", "b")
    # the definition is rewritten once, in place
    assert n.text.count("ismg_n1 0 smg_n1 external") == 1


def test_continuation_lines_and_comments():
    n = read_netlist(net(".model ag diffusive (preset=wang2017_paper", "+ friction_ratio=10)  ; comment",
                         "N1 a 0", "+ ag seed=3 $ trailing", "V1 a 0 dc 1"))
    assert n.devices[0].instance.params == {"seed": "3"}


def test_tstart_is_moved_to_zero():
    n = read_netlist(net(MODEL, "V1 a 0 dc 1", "N1 a 0 ag", ".tran 1u 10u 2u"))
    assert n.tran["tstart"] == pytest.approx(2e-6)
    assert any(ln.startswith(".tran 1u 10u 0") for ln in n.text.splitlines())


def test_save_lines_get_the_device_nodes():
    n = read_netlist(net(MODEL, "V1 a 0 dc 1", "R1 a b 1k", "N1 b 0 ag", ".save v(a)", ".tran 1u 10u"))
    assert ".save v(b)" in n.text.splitlines()


def test_include_is_inlined_and_checked(tmp_path):
    (tmp_path / "models.inc").write_text(MODEL + "\n")
    (tmp_path / "bad.inc").write_text("* fine\n.control\nshell rm -rf /\n.endc\n")
    top = tmp_path / "top.cir"
    top.write_text(net(".include models.inc", "V1 a 0 dc 1", "N1 a 0 ag"))
    n = read_netlist(top)
    assert n.devices[0].model.name == "ag"
    top.write_text(net(".include bad.inc", "V1 a 0 dc 1"))
    with pytest.raises(NetlistError, match=r"bad\.inc:2: refused: \.control"):
        read_netlist(top)


@pytest.mark.parametrize("line, what", [
    (".control", "control"),
    (".endc", "control"),
    ("shell rm -rf /", "shell"),
    ("*# shell ls", r"'\*#'"),
    ("codemodel /tmp/evil.cm", "codemodel"),
    ("pre_osdi /tmp/evil.osdi", "pre_osdi"),
    ("  .CONTROL", "control"),
])
def test_refused_lines_name_file_and_line(line, what):
    with pytest.raises(NetlistError, match=rf"<netlist>:3: refused: .*{what}"):
        read_netlist(net("V1 a 0 dc 1", line))


@pytest.mark.parametrize("lines, message", [
    ([".model m bogus (x=1)", "N1 a 0 m"], r"<netlist>:2: model 'm' has type 'bogus'"),
    ([".model m diffusive (preset=nope)", "N1 a 0 m"], r"<netlist>:2: unknown preset 'nope'"),
    ([".model m diffusive (frobnicate=1)", "N1 a 0 m"], r"<netlist>:2: unknown parameter 'frobnicate'"),
    ([".model m diffusive (friction_ratio=abc)", "N1 a 0 m"], r"<netlist>:2: parameter 'friction_ratio'"),
    ([".model m diffusive (friction_ratio=-1)", "N1 a 0 m"], r"<netlist>:2: parameter 'friction_ratio' must be > 0"),
    (["N1 a 0 nomodel"], r"<netlist>:2: N1: model 'nomodel' is not defined"),
    ([MODEL, "N1 a 0"], r"<netlist>:3: malformed memristor line"),
    ([MODEL, "N1 a 0 ag seed"], r"<netlist>:3: malformed memristor line"),
    ([MODEL, "N1 a 0 ag 7"], r"<netlist>:3: malformed memristor line"),
    ([".model m drift (preset=nope)", "N1 a 0 m"], r"<netlist>:2: unknown preset 'nope' for a drift memristor"),
    ([MODEL, ".tran 1u"], r"<netlist>:3: malformed \.tran"),
    ([MODEL, ".subckt c a b", "N1 a b ag"], r"\.subckt 'c' is not closed"),
    ([MODEL, "R1 smg_n1 0 1k", "N1 a 0 ag"], r"'smg_n1' is reserved"),
    ([MODEL, "Rsmg_n1 a 0 1k", "N1 a 0 ag"], r"'rsmg_n1' is reserved"),
    ([MODEL, "Ismg_n1 a 0 1m", "N1 a 0 ag"], r"'ismg_n1' is reserved"),
])
def test_bad_netlists(lines, message):
    with pytest.raises(NetlistError, match=message):
        read_netlist(net(*lines))


@pytest.mark.parametrize("line", ["R1 a x1.smg_n1 1k", "R1 a smg_n10 1k", "R1 a xsmg_n1 1k",
                                  "Rsmg_n1x a 0 1k"])
def test_names_that_only_contain_a_reserved_name_are_free(line):
    # the reserved-name check reads whole names (hierarchical 'x1.smg_n1' is another node)
    read_netlist(net(MODEL, line, "N1 a 0 ag"))


def test_unknown_instance_parameter_is_reported_at_run_setup():
    from spicemem.bridge.run import _device_specs

    n = read_netlist(net(MODEL, "N1 a 0 ag colour=red"))
    with pytest.raises(NetlistError, match=r"<netlist>:3: unknown instance parameter 'colour'"):
        _device_specs(n, 0)


def test_missing_file():
    with pytest.raises(NetlistError, match=r"netlist file not found: 'no/such\.cir'"):
        read_netlist("no/such.cir")
