"""The material presets of issue 7 (SiOxNy_Ag, MgOx_Ag, HfOx_Ag): numbers that need no
simulation, checked exactly, and the room-temperature relaxation of the standalone model."""

import math

import numpy as np
import pytest

from spicemem.devices.diffusive import DiffusiveParams, preset_description, preset_names
from spicemem.devices.units import K_B_EV
from spicemem.experiments import measured as m
from spicemem.kernels.diffusive import potential, resistance

PRESETS = ("SiOxNy_Ag", "MgOx_Ag", "HfOx_Ag")


@pytest.mark.parametrize("name", PRESETS)
def test_preset_loads_and_cites_its_sources(name):
    assert name in preset_names()
    p = DiffusiveParams.from_preset(name)
    text = preset_description(name)
    assert "Wang et al" in text and "docs/presets.md" in text
    # The physical anchors: w_p is Fig. 3b's activation energy, L half the 15 nm film, 300 K.
    assert p.w_pin == 0.27
    assert p.half_length == 7.5e-9
    assert p.t_ambient == 300.0
    assert p.integrator == "hybrid"


def test_cluster_minima_are_the_minima_of_u():
    p = DiffusiveParams.from_preset("SiOxNy_Ag")
    c = p.core
    x_l, x_r = m.cluster_minima(p)
    grid = np.linspace(-1.0, 1.0, 400001)
    u = potential(grid, c.w_i, c.r_1, c.x_c, c.r_p)
    # Grid minima of each half agree to the grid spacing (5e-6 L).
    assert abs(grid[np.argmin(np.where(grid < 0, u, np.inf))] - x_l) < 1e-5
    assert abs(grid[np.argmin(np.where(grid > 0, u, np.inf))] - x_r) < 1e-5
    # x_c sits at a node of the pinning potential, so both clusters are equally deep
    # (to the tail of the other Gaussian, exp(-(2 x_c/R_1)^2) ~ 1e-53).
    u_l = potential(np.array([x_l]), c.w_i, c.r_1, c.x_c, c.r_p)[0]
    u_r = potential(np.array([x_r]), c.w_i, c.r_1, c.x_c, c.r_p)[0]
    assert u_l == pytest.approx(u_r, abs=1e-12)


@pytest.mark.parametrize("name", PRESETS)
def test_off_resistance_is_eq3_of_the_off_configuration(name):
    """The closed form equals the kernel's eq. 3 evaluated on the OFF configuration."""
    p = DiffusiveParams.from_preset(name)
    x = m.off_configuration(p)
    r_kernel = resistance(x.copy(), np.arange(x.size, dtype=np.int64), p.tunnel_length_ratio) * p.r_tunnel
    assert m.off_resistance(p) == pytest.approx(r_kernel, rel=1e-12)


@pytest.mark.parametrize("name, bound", [("SiOxNy_Ag", 1e5), ("MgOx_Ag", 1e5), ("HfOx_Ag", 1e10)])
def test_on_off_ratio_from_the_model(name, bound):
    """Issue 7: ON/OFF >= 1e5 (SiOxNy), >= 1e10 (HfOx), exactly from eq. 3 and R_min."""
    p = DiffusiveParams.from_preset(name)
    ratio = m.on_off_ratio(p)
    x_l, x_r = m.cluster_minima(p)
    lam, n = p.tunnel_length_ratio, p.n_particles
    expected = ((math.exp((1 + x_l) / lam) + n - 2 + math.exp((x_r - x_l) / lam) + math.exp((1 - x_r) / lam))
                / ((n + 1) * math.exp(2.0 / ((n + 1) * lam))))
    assert ratio == pytest.approx(expected, rel=1e-12)
    assert ratio >= bound, f"{name}: ON/OFF {ratio:.3g} < {bound:g}"
    # ... and not absurdly more: the paper's 'five orders' / 'over ten orders'.
    assert ratio < 100 * bound


def test_measured_presets_share_everything_but_the_tunnelling():
    si, mg, hf = (DiffusiveParams.from_preset(n) for n in PRESETS)
    assert si == mg
    diff = {f for f in si.__dataclass_fields__ if getattr(si, f) != getattr(hf, f)}
    assert diff == {"tunnel_length_ratio", "r_tunnel"}
    # HfOx's R_t: a particle 0.8 L from a cluster conducts as in SiOxNy (same threshold).
    assert hf.r_tunnel * math.exp(0.8 / hf.tunnel_length_ratio) == pytest.approx(
        si.r_tunnel * math.exp(0.8 / si.tunnel_length_ratio), rel=1e-5)
    assert si.r_min == pytest.approx(1000.0, rel=1e-6)


def test_relaxation_level_is_halfway_in_decades():
    p = DiffusiveParams.from_preset("SiOxNy_Ag")
    lev = m.relaxation_level(p)
    assert math.log(lev) == pytest.approx(0.5 * (math.log(p.g_max) + math.log(1.0 / m.off_resistance(p))))


def test_room_temperature_barriers():
    """k_B T0/w_p ~ 0.096 at 300 K; the clusters lie Delta > 10 k_B T0 below the gap wells
    (the OFF state holds), and the pinning barrier w_p sets the hop's activation energy."""
    p = DiffusiveParams.from_preset("SiOxNy_Ag")
    assert p.theta_ambient == pytest.approx(K_B_EV * 300 / 0.27)
    c = p.core
    grid = np.linspace(-1, 1, 200001)
    u = potential(grid, c.w_i, c.r_1, c.x_c, c.r_p)
    delta = u[np.abs(grid) < 0.45].min() - u.min()
    assert delta / p.theta_ambient > 10.0


def test_standalone_relaxation_is_tens_of_ms_and_arrhenius():
    """Evenly spaced particles (the model's maximum conductance) at zero bias relax by
    hopping: tens of ms at 300 K and an activation energy near w_p = 0.27 eV.

    Twelve devices per temperature (hybrid integrator, a few seconds in all); the relaxation
    time's scatter between devices is ~50 %, so the mean of 12 carries ~15 % and the slope
    over 300-400 K (Delta(1/k_B T) = 9.7 /eV) about +-0.03 eV; the band is +-0.06 eV.
    """
    from spicemem.devices.ensemble import simulate

    p0 = DiffusiveParams.from_preset("SiOxNy_Ag")
    level = m.relaxation_level(p0)
    x0 = np.linspace(-1, 1, p0.n_particles + 2)[1:-1] * p0.half_length
    temps, taus = (300.0, 400.0), []
    for temp in temps:
        p = p0.replace(t_ambient=temp)
        t_end = 0.5 if temp < 350 else 0.05
        r = simulate(p, [0.0, t_end], [0.0, 0.0], realizations=12, seed=5, x0=x0,
                     t_out=np.linspace(0, t_end, 5001))
        below = r.conductance < level
        assert below[:, -1].all(), f"not all relaxed at {temp} K within {t_end} s"
        taus.append(r.t[np.argmax(below, axis=1)].mean())
    assert 5e-3 < taus[0] < 0.1, f"relaxation at 300 K: {taus[0] * 1e3:.3g} ms"
    ea = math.log(taus[0] / taus[1]) / ((1 / 300 - 1 / 400) / K_B_EV)
    assert 0.21 < ea < 0.33, f"activation energy {ea:.3f} eV"


def test_an_override_replaces_the_presets_equivalent_key():
    """wang2017_paper gives heating_ratio and t_ambient; overriding g_thermal (or
    theta_ambient) replaces them instead of failing with "not both" (or being ignored)."""
    p = DiffusiveParams.from_preset("wang2017_paper", g_thermal=2e-7)
    assert p.g_thermal == 2e-7
    q = DiffusiveParams.from_preset("wang2017_paper", theta_ambient=0.35)
    assert q.theta_ambient == pytest.approx(0.35, rel=1e-12)
    r = DiffusiveParams.from_preset("SiOxNy_Ag", heating_ratio=10.0, t_ambient=320.0)
    assert r.heating_ratio == pytest.approx(10.0, rel=1e-12) and r.t_ambient == 320.0
