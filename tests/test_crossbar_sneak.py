"""The crossbar-sneak study at small sizes: selectors keep the read margin, half-selected
selectors stay OFF, the selected one switches within the read pulse."""

import json

import numpy as np
import pytest

from spicemem.experiments import run_experiment

pytestmark = pytest.mark.ngspice


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("crossbar_sneak")
    js, png = run_experiment("crossbar-sneak", out, seed=11, quick=True, progress=False)
    return json.loads(js.read_text()), js, png


def _rows(result, **match):
    return [r for r in result["results"] if all(r[k] == v for k, v in match.items())]


def test_contract_files_and_keys(study):
    result, js, png = study
    assert png.stat().st_size > 5000
    assert png.with_name("crossbar-sneak_read.png").stat().st_size > 5000
    assert result["seed"] == 11 and result["quick"] is True
    assert {r["size"] for r in result["results"]} == {2, 4, 8}
    for r in result["results"]:
        for key in ("size", "cell", "scheme", "read_margin", "sneak_current_a", "half_selected_on",
                    "half_selected_max_v"):
            assert key in r, (key, r)
    assert "Largest usable crossbar" in result["statement"]


def test_selectors_improve_the_margin(study):
    result = study[0]
    for n in (2, 4, 8):
        for scheme in ("floating", "v/2", "v/3"):
            (one_r,) = _rows(result, size=n, cell="1R", scheme=scheme)
            (sel,) = _rows(result, size=n, cell="1S1R", scheme=scheme)
            assert sel["read_margin"] > one_r["read_margin"] + 0.1, (n, scheme, sel["read_margin"],
                                                                     one_r["read_margin"])
            assert sel["sneak_current_a"] < 0.01 * one_r["sneak_current_a"], (n, scheme)
    # without selectors the margin falls with the array size; with them it stays usable
    for scheme in ("floating", "v/2", "v/3"):
        m = [r["read_margin"] for r in sorted(_rows(result, cell="1R", scheme=scheme),
                                               key=lambda r: r["size"])]
        assert m[0] > m[1] > m[2], (scheme, m)
        assert all(r["read_margin"] > 0.5 for r in _rows(result, cell="1S1R", scheme=scheme))


def test_direct_solution_agrees_with_ngspice_for_1r(study):
    for r in _rows(study[0], cell="1R"):
        assert r["nodal_rel_err"] < 1e-9, r


def test_half_selected_selectors_stay_off_and_selected_switches_in_time(study):
    result = study[0]
    width = result["params"]["pulse"]["width"]
    v_read = result["params"]["pulse"]["amplitude"]
    for r in _rows(result, cell="1S1R"):
        assert r["half_selected_on"] is False, r
        assert r["selectors_on_other"] == 0, r
        # the selected selector of an LRS cell is ON before the sense window (the second
        # half of the plateau); in an HRS cell the memory limits it to ~0.1-0.2 G_max, at
        # the ON threshold, so its crossing time is not asserted
        t_lrs = r["t_selected_on_s"][0]
        assert t_lrs is not None and 0 < t_lrs < 0.5 * width, r
        if r["scheme"] == "v/2":
            assert r["half_selected_max_v"] == pytest.approx(v_read / 2, rel=0.02)
        if r["scheme"] == "v/3":
            assert r["half_selected_max_v"] == pytest.approx(v_read / 3, rel=0.02)


def test_time_resolved_read(study):
    """The traced read: the half-selected selectors' largest conductance stays below the ON
    threshold all along; the selected one is ON over the whole sense window."""
    result = study[0]
    tr = result["trace"]
    pulse = result["params"]["pulse"]
    on = result["params"]["selector_on_fraction"]
    t_off = pulse["delay"] + pulse["rise"] + pulse["width"]
    for key in ("lrs", "hrs"):
        t = np.asarray(tr[key]["time_s"])
        half = np.asarray(tr[key]["half_selected_g_norm_max"])
        sel = np.asarray(tr[key]["selected_g_norm"])
        assert half.max() < on, (key, half.max())
        window = (t >= t_off - 0.5 * pulse["width"]) & (t <= t_off)
        assert window.sum() >= 3
        # LRS: fully ON; HRS: switched (>= 30x its OFF conductance), current-limited by 100 kOhm
        floor = on if key == "lrs" else 30 * sel[0]
        assert sel[window].min() > floor, (key, sel[window].min(), floor)
    i_lrs = np.asarray(tr["lrs"]["sense_current_a"])
    i_hrs = np.asarray(tr["hrs"]["sense_current_a"])
    assert i_lrs.max() > 3 * i_hrs.max()
