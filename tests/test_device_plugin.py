"""A fourth memristor model added through the public plugin interface only (issue 15).

The model lives entirely in this file: a linear ideal memristor, w in [0, 1],
dw/dt = rate * v, G = g_off + (g_on - g_off) w, with its own parameter dataclass, preset,
instance keyword ``w0``, compiled group kernel and memory-cell description.  Registering
it (one call) makes ``.model m lintest (...)`` run in a netlist and makes it a memory kind
of the crossbar generator: nothing in spicemem names it.

Reference: driven by an ideal piecewise-linear source, w(t) = w0 + rate * (the exact
integral of the source), and the kernel's trapezoid over each accepted step is exact for
a voltage linear within the step (ngspice puts accepted points on the source's
breakpoints), so the recorded conductance equals the formula to rounding.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from numba import carray, cfunc

from spicemem.bridge import run_netlist
from spicemem.bridge.netlist import read_netlist
from spicemem.bridge.plugin import (B_FSTATE, B_G, B_INDEX, B_N, B_NDEV, B_P, B_TEMP, B_V0, B_V1,
                                    BLOCK, BLOCK_SLOTS, GROUP_KERNEL_SIG, DeviceType, Group,
                                    MemoryCell, f64_ptr, i64_ptr, memory_types, model_number,
                                    new_block, register, registry, unregister)
from spicemem.errors import NetlistError


@dataclass(frozen=True)
class LinearParams:
    """g_off, g_on in S; rate in 1/(V s)."""

    g_off: float = 1e-5
    g_on: float = 1e-3
    rate: float = 1e4

    def __post_init__(self):
        if not 0.0 < self.g_off < self.g_on:
            raise ValueError(f"need 0 < g_off < g_on, got g_off={self.g_off!r}, g_on={self.g_on!r}")

    @classmethod
    def from_mapping(cls, data):
        return cls(**data)

    @classmethod
    def from_preset(cls, name, **overrides):
        return cls(**{**{"unit": {}}[name], **overrides})

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


@cfunc(GROUP_KERNEL_SIG)
def linear_group(block, t0, t1):
    b = carray(i64_ptr(block), (BLOCK_SLOTS,))
    n = b[B_N]
    ndev = b[B_NDEV]
    index = carray(i64_ptr(b[B_INDEX]), (n,))
    v0 = carray(f64_ptr(b[B_V0]), (ndev,))
    v1 = carray(f64_ptr(b[B_V1]), (ndev,))
    g = carray(f64_ptr(b[B_G]), (ndev,))
    temp = carray(f64_ptr(b[B_TEMP]), (ndev,))
    w = carray(f64_ptr(b[B_FSTATE]), (n,))
    p = carray(f64_ptr(b[B_P]), (n, 3))
    for j in range(n):
        gi = index[j]
        w[j] = min(1.0, max(0.0, w[j] + p[j, 2] * 0.5 * (v0[gi] + v1[gi]) * (t1 - t0)))
        g[gi] = p[j, 0] + (p[j, 1] - p[j, 0]) * w[j]
        temp[gi] = 300.0
    return 0


class LinearType(DeviceType):
    name = "lintest"
    summary = "linear ideal memristor (a test model)"
    noun = "a lintest memristor"
    params_class = LinearParams
    memory = MemoryCell(model="preset=unit", state_key="w0", lrs=1.0, hrs=0.0)

    def preset_names(self):
        return ["unit"]

    def instance_params(self, params, raw, where):
        w0 = 0.0
        for key, value in raw.items():
            if key != "w0":
                raise NetlistError(f"{where}: unknown instance parameter {key!r} (known: seed, w0)")
            w0 = model_number(key, value, where)
        return params, w0

    def g_scale(self, params):
        return params.g_on

    def v_scale(self, params):
        return 0.1

    def allocate(self, specs):
        n = len(specs)
        w = np.array([s.init for s in specs], dtype=float)
        p = np.array([[s.params.g_off, s.params.g_on, s.params.rate] for s in specs])
        index = np.array([s.index for s in specs], dtype=np.int64)
        block = new_block(index)
        rec = BLOCK.record(block)
        rec["fstate"], rec["p"] = w.ctypes.data, p.ctypes.data
        g0 = p[:, 0] + (p[:, 1] - p[:, 0]) * w
        return [Group(self.name, index, block, linear_group.address, g0, np.full(n, 300.0),
                      {"w": w, "p": p, "index": index}, report=lambda: {"lintest_devices": n})]


@pytest.fixture
def lintest():
    dtype = register(LinearType())
    try:
        yield dtype
    finally:
        unregister(dtype.name)


def _drive_integral(t, t_rise, amp):
    """Exact integral of pwl(0 0, t_rise amp, ... amp), V s."""
    t = np.asarray(t)
    return np.where(t < t_rise, 0.5 * amp * t * t / t_rise, 0.5 * amp * t_rise + amp * (t - t_rise))


@pytest.mark.ngspice
def test_a_fourth_model_runs_in_a_netlist(lintest):
    amp, t_rise = 0.5, 1e-6
    r = run_netlist("* plugin\n.model m lintest (preset=unit rate=1e4)\n"
                    f"V1 a 0 pwl(0 0 {t_rise!r} {amp!r} 1 {amp!r})\nR1 a b 1\nR2 b 0 1e12\n"
                    "N1 a 0 m w0=0.2\nN2 b 0 m w0=0.1\n.tran 1u 100u\n.end\n")
    p = LinearParams()
    for k, w0 in enumerate((0.2, 0.1)):
        v = r.voltage[k]
        w = w0 + p.rate * _drive_integral(r.time, t_rise, amp) if k == 0 else None
        if k == 0:  # ideal source: the exact formula, to rounding
            np.testing.assert_allclose(r.device_conductance[k], p.g_off + (p.g_on - p.g_off) * w,
                                       rtol=1e-9, atol=0)
        # the circuit used the conductance committed at the previous point (Ohm's law holds)
        np.testing.assert_allclose(r.current[k], v * r.conductance[k], rtol=0, atol=0)
    # w rose from w0 by rate * integral: 0.2 + 1e4 * 0.5 * 99.5e-6 = 0.6975 at the end
    assert r.device_conductance[0, -1] == pytest.approx(p.g_off + (p.g_on - p.g_off) * 0.6975,
                                                        rel=1e-9)
    # ngspice's own current through V1 (KCL): the two devices (R2 draws < 1e-10 A).  The
    # B-source V(a,b) V(smg) G is a product of two unknowns, linearised at the previous
    # Newton iterate, so the accepted solution satisfies it to ngspice's reltol (1e-3) plus
    # abstol (1e-12 A), as in test_bridge_accuracy; measured 6e-4 during the ramp, ~0 after
    np.testing.assert_allclose(-r.vectors["i(v1)"], r.current[0] + r.current[1], rtol=1e-3,
                               atol=1e-12)
    assert [d["type"] for d in r.devices] == ["lintest", "lintest"]
    assert [d["init"] for d in r.devices] == ["0.2", "0.1"]
    assert r.extra["lintest_devices"] == 2


def test_the_registry_gives_a_new_model_parity(lintest):
    from spicemem.crossbar import Crossbar
    from spicemem.crossbar.netlist import netlist_text

    assert registry()["lintest"] is lintest
    assert "lintest" in memory_types()
    # the netlist reader: parameters by the type's dataclass, messages name the model
    with pytest.raises(NetlistError, match=r"<netlist>:2: unknown parameter 'bogus' for a "
                                           r"lintest memristor \(known: preset, g_off"):
        read_netlist("* x\n.model m lintest (bogus=1)\nN1 a 0 m\nR1 a 0 1\n.op\n.end\n")
    net = read_netlist("* x\n.model m lintest (g_on=2m)\nN1 a 0 m w0=0.5\nR1 a 0 1\n.op\n.end\n")
    assert "bsm_n1 a 0 I=V(a,0)*V(smg_n1)*0.002" in net.text
    # the crossbar generator: a memory kind with its state keyword and model card
    text = netlist_text(Crossbar(2, 2, cell="1R", memory="lintest"))
    assert ".model mem lintest (preset=unit)" in text
    assert "Nmem row col mem w0=1" in text and "Nmem row col mem w0=0" in text
    with pytest.raises(ValueError, match="already registered"):
        register(LinearType())


def test_the_crossbar_defaults_are_the_types_own():
    from spicemem.crossbar.spec import DRIFT_MODEL, RRAM_MODEL, Crossbar

    assert (DRIFT_MODEL, RRAM_MODEL) == (memory_types()["drift"].model, memory_types()["rram"].model)
    for kind, lrs, hrs in (("drift", "x_lrs", "x_hrs"), ("rram", "gap_lrs", "gap_hrs")):
        cell, spec = memory_types()[kind], Crossbar(1, 1, memory=kind)
        assert (getattr(spec, lrs), getattr(spec, hrs)) == (cell.lrs, cell.hrs)


def test_an_unregistered_type_is_not_a_memristor():
    assert "lintest" not in registry()
    with pytest.raises(NetlistError, match=r"type 'lintest', which is not a memristor type "
                                           r"\(diffusive, drift, rram\)"):
        read_netlist("* x\n.model m lintest (g_on=2m)\nN1 a 0 m\nR1 a 0 1\n.op\n.end\n")
