"""spicemem fit (issue 18): input validation, the statistics and their errors, the Fisher
intervals, user preset files (API, netlists, sweeps), and recovery with coverage on the
real model at reduced size (resume included)."""

import math
import os

import numpy as np
import pytest

from spicemem.cli import main
from spicemem.devices.diffusive import DiffusiveParams

GOOD_CSV = "temperature_k,relaxation_s\n" + "\n".join(f"300,{0.01 * (1 + 0.1 * k)}" for k in range(6)) + "\n"


def _fit_file(tmp_path, *, params='tau_thermal = { min = 2e-7, max = 2e-5 }', data=None, csv=GOOD_CSV):
    (tmp_path / "r.csv").write_text(csv)
    data = data or '[[data]]\nkind = "relaxation"\nfile = "r.csv"\n'
    text = f'[fit]\npreset = "SiOxNy_Ag"\nseed = 1\n\n[parameters]\n{params}\n\n{data}'
    path = tmp_path / "fit.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("kwargs, expected", [
    (dict(csv="temperature_k,tau\n300,0.01\n"), "r.csv: column 'relaxation_s' missing"),
    (dict(csv="temperature_k,relaxation_s\n300,abc\n"), "r.csv: row 2, column 'relaxation_s': expected a number"),
    (dict(csv="temperature_k,relaxation_s\n" + "300,-1\n" * 5), "column 'relaxation_s' = -1.0: not a relaxation time"),
    (dict(csv="temperature_k,relaxation_s\n" + "3000,0.01\n" * 5), "column 'temperature_k' = 3000.0: not a temperature"),
    (dict(params="w_pin = { min = 0.0001, max = 0.4 }"), "parameters.w_pin"),
    (dict(params="friction_ratio = { min = 1, max = 20 }"), "not fittable: a landscape or friction parameter"),
    (dict(params="pin_period_ratio = { min = 0.12, max = 0.24 }"), "nearby values share no random numbers"),
    (dict(params="t_ambient = { min = 250, max = 350 }"), "not a fittable parameter"),
    (dict(params="w_pin = { min = 0.2, max = 0.4, start = 0.5 }"), "outside the bounds"),
    (dict(data='[[data]]\nkind = "iv_loop"\nfile = "r.csv"\ncompliance_a = 1e-6\nsweep_rate_v_per_s = 1.0\n'),
     "r.csv: column 'voltage_v' missing"),
    (dict(data='[[data]]\nkind = "summary"\nstatistic = "activation_energy"\nvalue = 270.0\n'
               'uncertainty = 0.03\ntemperatures = [300.0, 350.0]\n'), "an activation energy in eV"),
])
def test_bad_fit_input_is_one_line_naming_file_and_column_exit_2(tmp_path, capsys, kwargs, expected):
    path = _fit_file(tmp_path, **kwargs)
    assert main(["fit", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("spicemem: error: "), err
    assert expected in err, err
    assert not (tmp_path / "out").exists()  # refused before anything ran


def test_interquartile_mean_standard_error_matches_its_scatter():
    """The statistic of a condition and its standard error (Tukey-McLaughlin) against the
    scatter of the statistic itself over 4000 normal samples of n = 24: the mean SE must
    agree with the sd of the IQMs.  The sd of 4000 draws is known to 1.1 % (1/sqrt(2 x 4000));
    the formula's small-sample bias at n = 24 is a few %; 8 % is outside both, and a wrong
    factor (sqrt(pi/2) = 1.25, or the 0.5 of the trimming missing: 2x) is far outside."""
    from spicemem.fit.spec import ln_median_and_se

    rng = np.random.default_rng(5)
    est, ses = [], []
    for _ in range(4000):
        m, se = ln_median_and_se(np.exp(rng.normal(0.0, 0.7, 24)))
        est.append(m)
        ses.append(se)
    sd = float(np.std(est, ddof=1))
    assert abs(np.mean(est)) < 4 * sd / math.sqrt(4000)  # unbiased for a symmetric law
    assert np.mean(ses) == pytest.approx(sd, rel=0.08), (np.mean(ses), sd)
    # censored events (inf) in the top quarter do not change it; in the middle half they do
    x = np.exp(rng.normal(0.0, 0.7, 24))
    y = x.copy()
    y[np.argsort(x)[-3:]] = np.inf
    assert ln_median_and_se(y)[0] == pytest.approx(ln_median_and_se(x)[0])
    y[np.argsort(x)[-8:]] = np.inf
    assert math.isnan(ln_median_and_se(y)[0])


def test_report_bars_are_the_weights_the_fit_used():
    """report.png's model bars are the simulation part of the weight the fit used: the
    ensemble SE, or the scatter measured between evaluations where the engine raised the
    weight to it (then the label says so).  References: the weight itself,
    weight_sigma^2 = data_sigma^2 + sim^2 (engine), read back exactly; and the bar drawn,
    read off the figure's error-bar segments (1.96 sim / data_sigma wide on each side)."""
    import types

    from spicemem.fit.report import protocol_figure, simulation_weight

    plain = {"label": "a", "kind": "x", "data": 1.0, "data_sigma": 0.5, "model": 1.2, "model_sigma": 0.1,
             "pull": 0.4, "model_scatter": 0.05, "weight_sigma": math.hypot(0.5, 0.1)}
    raised = {"label": "b", "kind": "x", "data": 2.0, "data_sigma": 0.2, "model": 1.7, "model_sigma": 0.1,
              "pull": -1.0, "model_scatter": 0.3, "weight_sigma": math.hypot(0.2, 0.3)}
    old = {k: v for k, v in plain.items() if k not in ("model_scatter", "weight_sigma")}
    assert simulation_weight(plain) == (pytest.approx(0.1, rel=1e-12), "ensemble SE")
    assert simulation_weight(raised) == (pytest.approx(0.3, rel=1e-12), "measured scatter")
    assert simulation_weight(old) == (0.1, "ensemble SE")  # a report written before the floor
    report = {"observations": [plain, raised], "parameters": {}, "chi2": 1.0, "dof": 1,
              "evaluations": {"total": 3}}
    fig = protocol_figure(types.SimpleNamespace(name="n", preset="p"), report)
    ax = fig.axes[0]
    model_bars = [c for c in ax.containers if c.lines[0].get_color() == "C0"]
    half = [abs(np.diff(c.lines[2][0].get_segments()[0][:, 0])[0]) / 2 for c in model_bars]
    assert half == [pytest.approx(1.96 * 0.1 / 0.5), pytest.approx(1.96 * 0.3 / 0.2)], half
    assert "scatter 3.0x SE" in ax.get_yticklabels()[0].get_text() + ax.get_yticklabels()[1].get_text()


def test_fisher_intervals_of_a_linear_model_and_a_flat_parameter():
    """The covariance against the exact one of a linear least-squares problem (inv(J^T J)),
    a flat column reported as not determined (not regularised into a number), a strong
    correlation reported in a note."""
    from spicemem.fit.engine import uncertainties

    rng = np.random.default_rng(3)
    j = rng.normal(size=(8, 2))
    j = np.column_stack([j, np.zeros(8)])  # third parameter: the data do not depend on it
    lo, hi = np.log([1e-3, 1e-3, 1e-3]), np.log([1e3, 1e3, 1e3])
    z = np.zeros(3)
    out = uncertainties(j, chi2=1.0, nobs=8, lo=lo, hi=hi, z=z, names=["a", "b", "c"])
    exact = np.linalg.inv(j[:, :2].T @ j[:, :2])
    assert out["a"]["ln_sd"] == pytest.approx(math.sqrt(exact[0, 0]), rel=1e-9)
    assert out["b"]["ln_sd"] == pytest.approx(math.sqrt(exact[1, 1]), rel=1e-9)
    assert out["a"]["correlations"]["b"] == pytest.approx(exact[0, 1] / math.sqrt(exact[0, 0] * exact[1, 1]), rel=1e-9)
    assert out["a"]["ci95"][1] == pytest.approx(math.exp(1.96 * math.sqrt(exact[0, 0])), rel=1e-9)
    assert out["a"]["determined"] and not out["c"]["determined"]
    assert out["c"]["why_not"].startswith("flat") and out["c"]["ci95"] == [pytest.approx(1e-3), pytest.approx(1e3)]
    # chi2/dof > 1 widens the errors (never more precise than the scatter): dof = 8 - 2
    wide = uncertainties(j, chi2=24.0, nobs=8, lo=lo, hi=hi, z=z, names=["a", "b", "c"])
    assert wide["a"]["ln_sd"] == pytest.approx(2.0 * out["a"]["ln_sd"], rel=1e-9)
    # two nearly equal columns: correlated beyond the limit -> a note
    jc = np.column_stack([j[:, 0], j[:, 0] * 1.001 + 1e-3 * j[:, 1]])
    c = uncertainties(jc, chi2=1.0, nobs=8, lo=lo[:2], hi=hi[:2], z=z[:2], names=["a", "b"])
    assert "correlated beyond" in c["a"]["note"]


def test_profile_intervals_of_a_curved_valley_match_the_exact_profile():
    """profile_intervals on a noise-free model whose statistics are quadratic in the
    parameters (a curved valley, correlation ~-0.95, as the fit's tau_thermal-w_pin one):
    the response surface is then exact, so its intervals must equal the exact profile
    likelihood's, found independently (a 1-D minimisation per value and a root finder).
    The tolerance, 2 % of the interval's width, is the 161-point grid's linear
    interpolation of a curved profile; the Gauss-Newton interval (straight valley) differs
    from the exact one by more than that (asserted: the test would see a fall-back)."""
    from scipy.optimize import brentq, minimize_scalar

    from spicemem.fit.engine import profile_intervals, uncertainties

    data = np.array([0.75, 0.70, 0.10])  # the model at (0.3, 0.4) + about one sigma
    sig = np.array([0.1, 0.1, 0.2])

    def res(z):
        a, b = z
        g = np.array([a + b, a + 0.8 * b + 0.6 * b * b, 0.5 * a - 0.2 * b * b])
        return (g - data) / sig

    lo, hi = np.array([-5.0, -5.0]), np.array([5.0, 5.0])
    from scipy.optimize import least_squares
    z = least_squares(res, [0.0, 0.0], bounds=(lo, hi), xtol=1e-14, ftol=1e-14).x
    f = res(z)
    jac = np.stack([(res(z + 1e-6 * e) - f) / 1e-6 for e in np.eye(2)], axis=1)
    names = ["a", "b"]
    chi2 = float(f @ f)
    unc = uncertainties(jac, chi2, 3, lo, hi, z, names)
    out = profile_intervals(lambda zs: [res(q) for q in zs], z, f, jac, lo, hi, names, unc, chi2, 3)
    scale = max(1.0, chi2 / 1)
    for i in range(2):
        def prof(v, i=i):
            def c(u):
                q = np.empty(2)
                q[i], q[1 - i] = v, u
                r = res(q)
                return float(r @ r)
            return minimize_scalar(c, bounds=(-5, 5), method="bounded", options={"xatol": 1e-10}).fun
        level = chi2 + 1.959963984540054 ** 2 * scale
        exact = [brentq(lambda v: prof(v) - level, z[i] - 4, z[i]), brentq(lambda v: prof(v) - level, z[i], z[i] + 4)]
        got = [math.log(v) for v in out[names[i]]["ci95"]]  # coordinates are ln: back to z
        width = exact[1] - exact[0]
        assert got == pytest.approx(exact, abs=0.02 * width), (names[i], got, exact)
        gn = [math.log(v) for v in out[names[i]]["gauss_newton_ci95"]]
        assert max(abs(gn[0] - exact[0]), abs(gn[1] - exact[1])) > 0.05 * width, (gn, exact)



def test_regression_jacobian_is_exact_on_a_linear_model_and_ignores_far_points():
    """The regression Jacobian against the exact slope of a linear model (independent
    reference: the matrix itself), with extra points near z (the fit's past evaluations)
    and one far away with a wild value, which its tricube weight must drop; with only the
    forward stencil it is the forward difference (to rounding)."""
    from spicemem.fit.engine import regression_jacobian

    rng = np.random.default_rng(5)
    a = rng.normal(size=(3, 2))
    z = np.array([0.3, -0.2])
    step = np.array([0.1, 0.1])
    pts = [z, z + [0.1, 0], z + [0, 0.1], z + [0.05, -0.2], z + [-0.15, 0.03], z + [5.0, 5.0]]
    vals = [a @ q + 1.0 for q in pts]
    vals[-1] = vals[-1] + 1e6  # far (50 steps): weight 0
    assert np.allclose(regression_jacobian(z, pts, vals, step), a, atol=1e-9)
    curved = [np.array([q[0] ** 2, q[1], q[0] * q[1]]) for q in pts[:3]]
    fd = np.stack([(curved[i + 1] - curved[0]) / 0.1 for i in range(2)], axis=1)
    assert np.allclose(regression_jacobian(z, pts[:3], curved, step), fd, atol=1e-9)


def _neighbourhood_points():
    """Twelve evaluations around z = 0 as a fit leaves them (steps of 0.1): the stencil at z,
    a previous iterate with its stencil, the line search between them, and two points of an
    earlier line search."""
    z = np.zeros(2)
    prev = np.array([-0.17, 0.09])
    pts = [z, z + [0.1, 0], z + [0, 0.1], prev, prev + [0.1, 0], prev + [0, 0.1],
           prev + 0.25 * (z - prev), prev + 0.5 * (z - prev), z + 0.5 * (z - prev),
           np.array([0.12, 0.15]), np.array([-0.05, -0.16]), np.array([0.2, -0.1])]
    return z, np.array(pts), np.array([0.1, 0.1])


def test_local_jacobian_is_sharp_on_a_smooth_statistic_and_averages_a_noisy_one():
    """local_jacobian's choice between the forward difference and the linear regression,
    per statistic, against exact slopes (independent reference: the analytic gradient).

    1. Noise-free quadratic statistics (60 random gradients and Hessians, curved enough that
       one 10 % step changes a slope by up to its size), in two neighbourhoods: the fit's
       usual one around z (the regression's curvature bias partly cancels) and one whose
       other points all lie 1.5-2.5 steps to one side (the regression is biased by the
       curvature over that span).  The measured noise is 0 and the curvature is fitted
       exactly, so each row must take the estimate with the smaller true error: exact, no
       tolerance beyond rounding.  Both choices must occur.
    2. A linear statistic with independent noise of sd 0.3 per evaluation (common random
       numbers broken): over 300 noise draws the chosen slope's mean squared error must be
       below half the forward difference's (its error is 2 sigma^2 / h^2 = 18 per element,
       72 over the 2 x 2 Jacobian; the regression over the 12 points has 3.7: measured
       with this seed, and it was taken for all 600 rows), and the regression must be the
       model taken for most rows.  300 draws put each mean squared error to ~10 % (its
       spread over draws is chi2-like), far inside the factor 2 (the measured ratio is 19).
    3. Too few points to measure the noise: the forward difference, exactly."""
    from spicemem.fit.engine import local_jacobian, regression_jacobian

    z, pts, step = _neighbourhood_points()
    side = np.array([z, z + [0.1, 0], z + [0, 0.1]] + [[-0.15 - 0.1 * (k % 2), 0.02 * k - 0.25] for k in range(9)])
    rng = np.random.default_rng(4)
    chosen = []
    for _ in range(60):
        grad = rng.normal(0.0, 3.0, (2, 2))
        hess = rng.normal(0.0, 30.0, (2, 2, 2))
        hess = hess + hess.transpose(0, 2, 1)

        def smooth(q, grad=grad, hess=hess):
            return grad @ q + 0.5 * np.einsum("kij,i,j->k", hess, q, q)

        for where in (pts, side):
            vals = np.array([smooth(q) for q in where])
            fd = np.stack([(smooth(z + step * e) - smooth(z)) / step for e in np.eye(2)], axis=1)
            reg = regression_jacobian(z, where, vals, step)
            jac, models = local_jacobian(z, where, vals, step, fd=fd)
            for r, m in enumerate(models):
                e_fd, e_reg = np.sum((fd[r] - grad[r]) ** 2), np.sum((reg[r] - grad[r]) ** 2)
                assert np.sum((jac[r] - grad[r]) ** 2) == pytest.approx(min(e_fd, e_reg), rel=1e-6, abs=1e-12), \
                    (m, e_fd, e_reg)
                chosen.append(m)
    assert {"forward difference", "linear regression"} <= set(chosen), set(chosen)
    grad = np.array([[2.0, -1.0], [0.5, 3.0]])

    def smooth(q):
        return grad @ q + 0.5 * np.einsum("kij,i,j->k", np.full((2, 2, 2), 20.0), q, q)

    rng = np.random.default_rng(21)
    err_got, err_fd, picks = [], [], []
    for _ in range(300):
        noisy = np.array([grad @ q for q in pts]) + rng.normal(0.0, 0.3, (len(pts), 2))
        fd = np.stack([(noisy[1 + i] - noisy[0]) / step[i] for i in range(2)], axis=1)
        jac, models = local_jacobian(z, pts, noisy, step, fd=fd)
        err_got.append(np.sum((jac - grad) ** 2))
        err_fd.append(np.sum((fd - grad) ** 2))
        picks += models
    assert np.mean(err_got) < 0.5 * np.mean(err_fd), (np.mean(err_got), np.mean(err_fd))
    assert picks.count("linear regression") > 0.5 * len(picks), {m: picks.count(m) for m in set(picks)}

    few = pts[:6]
    jac, models = local_jacobian(z, few, np.array([smooth(q) for q in few]), step, fd=fd)
    assert np.array_equal(jac, fd) and models[0].endswith("noise not measurable")


def test_pooled_se_is_unbiased_for_the_variance_and_divides_its_noise_by_the_effective_count():
    """pooled_se against the standard error we put in (independent reference), over the fit's
    usual neighbourhood of 12 evaluations (:func:`_neighbourhood_points`).

    1. The variance sigma^2(q) = 0.09 (1 + 2 q_0 - 1.5 q_1) is linear in the coordinates and
       the estimates are exact: the local linear fit must return sigma(z) = 0.3 to rounding,
       although the points are not centred on z.
    2. Each estimate drawn as sigma^2(q_i) chi2_4 / 4 (relative sd of se^2 0.71; measured on
       16-device ensembles: 0.55-0.65, docs/fit.md): over 4000 draws the mean of the pooled
       se^2 must be 0.09 within 4 of its standard errors (unbiased for the variance), and its
       variance must be that of the linear combination sum a_i se_i^2 with the local linear
       fit's weights a (computed here by weighted least squares, independently), within 15 %:
       the sample variance of 4000 draws of a chi2-like variable with kurtosis ~4-6 has a
       relative standard error of ~sqrt(kurtosis - 1) / sqrt(4000) < 4 %.  The reported
       effective count must be 1 / sum(a_i^2), and the pooled relative sd must be below half
       the single estimate's (sqrt(1/n_eff), n_eff ~ 7-10).
    3. The same estimate at every point (common random numbers exact, as along tau_thermal)
       is one estimate: that value, counted once.  A deterministic statistic (se 0) stays 0."""
    from spicemem.fit.engine import REGRESSION_RADIUS, pooled_se

    z, pts, step = _neighbourhood_points()

    def var(q):
        return 0.09 * (1.0 + 2.0 * q[..., 0] - 1.5 * q[..., 1])

    exact = np.sqrt(var(pts))[:, None]
    se, info = pooled_se(z, pts, exact, step)
    assert se[0] == pytest.approx(0.3, rel=1e-9), se
    # the local linear fit's weights, independently: the tricube weights and weighted least squares
    u = (pts - z) / step
    d = np.max(np.abs(u), axis=1)
    w = (1 - (d / REGRESSION_RADIUS) ** 3) ** 3
    x = np.hstack([np.ones((len(pts), 1)), u])
    a = np.linalg.solve(x.T @ (w[:, None] * x), (x * w[:, None]).T)[0]
    assert info[0]["evaluations"] == 12 and info[0]["effective"] == pytest.approx(1 / np.sum(a * a), rel=1e-9), info
    rng = np.random.default_rng(18)
    draws = var(pts)[None, :] * rng.chisquare(4, (4000, len(pts))) / 4
    pooled = np.array([pooled_se(z, pts, np.sqrt(dr)[:, None], step)[0][0] ** 2 for dr in draws])
    m, s = pooled.mean(), pooled.std(ddof=1)
    assert abs(m - 0.09) < 4 * s / math.sqrt(pooled.size), (m, s)
    expect = math.sqrt(np.sum(a**2 * (var(pts) ** 2) * 2 / 4))  # var(chi2_4 / 4) = 2/4
    assert s == pytest.approx(expect, rel=0.15), (s, expect)
    single = draws[:, 0]
    assert s / m < 0.5 * single.std(ddof=1) / single.mean(), (s / m, single.std(ddof=1) / single.mean())
    copies = np.stack([np.full(len(pts), 0.4), np.zeros(len(pts))], axis=1)
    se, info = pooled_se(z, pts, copies, step)
    assert se.tolist() == [0.4, 0.0] and info[0]["evaluations"] == 1 and info[1]["evaluations"] == 0, (se, info)


def test_profile_noise_floor_measures_the_scatter_and_widens_the_interval_to_it():
    """A one-parameter linear model whose evaluations carry independent noise of sd r = 0.6
    (in units of the weights) while their stated error is 0 (what common random numbers
    broken by ngspice's steps do, docs/fit.md): the scatter about the response surface must
    estimate r, and with the floor the interval must be the one of the weights it implies.
    Independent references: the noise r we put in, and the closed-form interval of a linear
    model, z* +- 1.96 sigma'/b with sigma'^2 = 1 + r^2 (one statistic, data sigma 1).
    200 replicates (each a fresh noise draw; as in the engine's cache, a point met twice is
    one evaluation with one value, and the optimum's value is noisy too).  The profile's
    design then holds 5 distinct points (7 at most; measured), a linear surface, 3 residual
    degrees of freedom: the mean of the estimated r^2 has a standard error of
    r^2 sqrt(2/3)/sqrt(200) = 0.021, and 4 of them (0.085) bound it (measured 0.389 +-
    0.025).  Per replicate, the width less the distance between the surface's minimum and
    the reported value (the join rule adds it) over the closed form with that replicate's
    own r: its mean must be 1 within 0.056 (the ratio scatters by sd 0.18 between
    replicates at 3 degrees of freedom, measured: 4 standard errors of the mean are 0.051,
    plus the grid's 0.5 %; measured mean 1.027).  Without the floor it would be
    1/sqrt(1 + r^2) = 0.86: the check sees the floor."""
    from spicemem.fit.engine import profile_intervals, uncertainties

    r, b = 0.6, 2.0
    rng = np.random.default_rng(11)
    lo, hi = np.array([-10.0]), np.array([10.0])
    est, ratio = [], []
    for _ in range(200):
        seen = {}

        def residuals(zs):
            # like the engine's cache: a point met twice is one evaluation, the same value
            return [seen.setdefault(float(q[0]), np.array([b * q[0] + r * rng.normal()])) for q in zs]
        z, jac = np.array([0.0]), np.array([[b]])
        f = residuals([z])[0]
        unc = uncertainties(jac, 0.0, 1, lo, hi, z, ["a"], None)
        diag = {}
        out = profile_intervals(residuals, z, f, jac, lo, hi, ["a"], unc, 0.0, 1,
                                floor=lambda s: 1.0 / np.sqrt(1.0 + s**2), diag=diag)
        s2 = diag["noise"][0] ** 2
        est.append(s2)
        got = [math.log(v) for v in out["a"]["ci95"]]
        ratio.append((got[1] - got[0] - out["a"]["profile_shift"]) / (2 * 1.959963984540054 * math.sqrt(1.0 + s2) / b))
    assert np.mean(est) == pytest.approx(r * r, abs=0.085), np.mean(est)
    assert np.mean(ratio) == pytest.approx(1.0, abs=0.056), (np.mean(ratio), np.std(ratio))


def _profile_replicates(slope, alpha, n=300, noise=1.0, seed=5):
    """n one-parameter profiles whose statistic is slope * a plus independent noise of sd
    ``noise`` per evaluation (in units of the weights; a point met twice is one evaluation,
    as in the engine's cache), the data one draw of unit sd about the model at a = 0, bounds
    [-1, 1].  The optimum is the lowest of six evaluations, the Jacobian the true slope or,
    for a flat statistic, a forward difference of the noisy values (what the engine has).
    Returns (fraction determined, fraction with the truth a = 0 inside the interval)."""
    from spicemem.fit import engine as E

    rng = np.random.default_rng(seed)
    lo, hi = np.array([-1.0]), np.array([1.0])
    co = E.Coordinates(["a"], [1.0], linear=("a",))
    det = inside = 0
    old = E.SURFACE_ALPHA
    E.SURFACE_ALPHA = alpha
    try:
        for _ in range(n):
            seen = {}
            c0 = rng.normal()

            def residuals(zs):
                return [seen.setdefault(float(q[0]), np.array([c0 + slope * q[0] + noise * rng.normal()]))
                        for q in zs]
            zs = list(rng.uniform(-1, 1, 6))
            fs = residuals([[q] for q in zs])
            k = int(np.argmin([float(x @ x) for x in fs]))
            z, f = np.array([zs[k]]), fs[k]
            jac = np.array([[slope]]) if slope else np.array([[(residuals([[z[0] + 0.05]])[0][0] - f[0]) / 0.05]])
            chi2 = float(f @ f)
            unc = E.uncertainties(jac, chi2, 1, lo, hi, z, ["a"], None)
            if unc["a"]["determined"]:
                out = E.profile_intervals(residuals, z, f, jac, lo, hi, ["a"], unc, chi2, 1, coords=co)["a"]
            else:
                out = unc["a"]
            det += bool(out["determined"])
            inside += out["ci95"][0] <= 0.0 <= out["ci95"][1] or not out["determined"]
    finally:
        E.SURFACE_ALPHA = old
    return det / n, inside / n


def test_a_flat_noisy_statistic_is_not_determined_and_a_real_slope_is():
    """Issue 18: a parameter the data cannot determine must be reported as such.  A profile
    read off a response surface fitted to noisy evaluations, taken as exact, closes
    intervals on noise: a statistic that does not depend on the parameter at all, with
    evaluation noise equal to its weight (the PPF ratio alone, docs/fit.md), came out
    "determined" in 43 % of 300 replicates, with the truth outside in 14 % (measured, the
    surface's terms all kept: alpha 2).  With the terms an F-test at 5 % does not support
    left out (engine.surface_terms) it is 1.3 %; a slope of 8 weights per unit (an interval a
    quarter of the range) is still determined in 88 % (98 % before: the price), with the
    truth inside in 95 % (93 % before).  300 replicates each (binomial SE 0.7 % at 1.3 %,
    2.9 % at 43 %, 1.9 % at 88 %, 1.2 % at 95 %), bounds 3.5-4.5 SE from the measured rates:
    flat <= 6 % (and >= 30 % with every term kept: the test sees the mechanism); slope
    determined >= 80 %, truth inside >= 91 %."""
    flat, _ = _profile_replicates(0.0, 0.05)
    assert flat <= 0.06, flat
    flat_kept, _ = _profile_replicates(0.0, 2.0)
    assert flat_kept >= 0.30, flat_kept
    det, inside = _profile_replicates(8.0, 0.05)
    assert det >= 0.80 and inside >= 0.91, (det, inside)


def test_evaluated_points_within_the_level_widen_a_surface_interval():
    """evaluated_hull: an interval must hold every evaluated point whose own chi2 is within
    the 95 % level of the lowest (the profile at z_i is at most that point's chi2: an exact
    bound, no tolerance); points outside the level, or inside the interval, change nothing;
    points within the level at both bounds make the parameter not determined."""
    from spicemem.fit.engine import Coordinates, evaluated_hull

    co = Coordinates(["a"], [1.0], linear=("a",))
    lo, hi = np.array([0.0]), np.array([10.0])
    unc = {"a": {"value": 5.0, "ci95": [4.0, 6.0], "determined": True, "why_not": "", "note": "",
                 "ln_sd": 0.1, "profile_at_bound": [False, False]}}
    zs = np.array([[5.0], [4.5], [2.5], [8.0]])
    c = np.array([0.0, 1.0, 3.0, 9.0])  # 2.5 within 3.84, 8.0 not
    out = evaluated_hull(unc, zs, c, 3.84, lo, hi, ["a"], co)
    assert out["a"]["ci95"] == [pytest.approx(2.5), pytest.approx(6.0)], out
    assert out["a"]["determined"] and "widened" in out["a"]["note"]
    same = evaluated_hull(unc, zs[:2], c[:2], 3.84, lo, hi, ["a"], co)
    assert same["a"]["ci95"] == [4.0, 6.0] and same["a"]["note"] == ""
    both = evaluated_hull(unc, np.array([[5.0], [0.0], [10.0]]), np.array([0.0, 2.0, 2.0]), 3.84, lo, hi, ["a"], co)
    assert not both["a"]["determined"] and both["a"]["ci95"] == [0.0, 10.0], both


PRESET_TOML = """[mine]
description = "a user's preset"
n_particles = 40
tunnel_length_ratio = 0.1
well_width_ratio = 0.15
pin_period_ratio = 0.15
cluster_position_ratio = 0.825
well_depth_ratio = 1.2
field_ratio = 0.375
friction_ratio = 10.0
v_threshold = 0.5
tau_thermal = 3.5e-6
r_tunnel = 14.974943
w_pin = 0.30
t_ambient = 300.0
g_thermal = 5.33e-11
half_length = 7.5e-9

[mine.fit.w_pin]
value = 0.30
ci95_low = 0.28
ci95_high = 0.32
determined = true
"""


def test_user_preset_file_in_the_api_a_netlist_and_a_sweep(tmp_path):
    from spicemem.bridge.devices import model_params
    from spicemem.bridge.netlist import read_netlist
    from spicemem.sweep import load_spec

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "p.toml").write_text(PRESET_TOML)
    p = DiffusiveParams.from_preset("mine", presets=tmp_path / "lib" / "p.toml")
    assert (p.w_pin, p.tau_thermal, p.g_thermal) == (0.30, 3.5e-6, 5.33e-11)
    cir = tmp_path / "a.cir"
    cir.write_text("* user preset\n.model d diffusive (preset=mine presets=lib/p.toml temp=320)\n"
                   "V1 in 0 dc 0\nN1 in 0 d\n.tran 1u 10u\n.end\n")
    net = read_netlist(cir)
    q = model_params(net.devices[0].model)
    assert (q.w_pin, q.tau_thermal, q.t_ambient) == (0.30, 3.5e-6, 320.0)
    assert "p.toml" not in net.text and "presets" not in net.text  # never reaches ngspice
    sweep = tmp_path / "s.toml"
    sweep.write_text('[sweep]\ntarget = "device"\nseed = 1\nrealizations = 1\n\n[device]\npreset = "mine"\n'
                     'presets = "lib/p.toml"\n\n[waveform]\namplitude = 0.75\nwidth = 1e-6\n\n'
                     '[parameters]\n"device.t_ambient" = [300.0, 320.0]\n')
    spec = load_spec(sweep)
    assert spec.sections["device"]["presets"] == str((tmp_path / "lib" / "p.toml").resolve())


@pytest.mark.parametrize("value, expected", [
    ("/etc/passwd", "refused: presets='/etc/passwd'"),
    ("../p.toml", "refused: presets='../p.toml'"),
    ("~/p.toml", "refused"),
    ("lib", "not a regular file"),
    ("bad.toml", "not valid TOML"),
    ("big.toml", "more than 1048576"),
    ("link.toml", "leads out of the netlist's directory"),
    ("fifo.toml", "not a regular file"),
])
def test_preset_path_in_an_untrusted_netlist_is_handled_safely(tmp_path, capsys, value, expected):
    from spicemem.errors import NetlistError
    from spicemem.bridge.netlist import read_netlist

    outside = tmp_path / "p.toml"
    outside.write_text(PRESET_TOML)
    d = tmp_path / "net"
    (d / "lib").mkdir(parents=True)
    (d / "bad.toml").write_text("[mine\n")
    (d / "big.toml").write_text("# " + "x" * (1 << 20) + "\n")
    (d / "link.toml").symlink_to(outside)
    os.mkfifo(d / "fifo.toml")
    cir = d / "a.cir"
    cir.write_text(f"* t\n.model d diffusive (preset=mine presets={value})\nV1 in 0 dc 0\nN1 in 0 d\n"
                   ".tran 1u 10u\n.end\n")
    with pytest.raises(NetlistError) as exc:
        read_netlist(cir)
    msg = str(exc.value)
    assert expected in msg and msg.startswith(f"{cir}:2:"), msg


# -- recovery and coverage on the real model --------------------------------------------------
def _synthetic(tmp_path, k, truth, events, *, fitted=None, devices=16, budget=40):
    from spicemem.fit.model import relaxation_times

    params = DiffusiveParams.from_preset("SiOxNy_Ag", **truth)
    rows = ["temperature_k,relaxation_s"]
    for j, (t, rec) in enumerate(((300.0, 2.0), (380.0, 0.15))):
        tau = relaxation_times(params, t, rec, events, 9000 + 100 * k + j)
        rows += [f"{t:g},{float(x)!r}" for x in tau]
    d = tmp_path / f"set{k}"
    d.mkdir()
    (d / "r.csv").write_text("\n".join(rows) + "\n")
    (d / "fit.toml").write_text(
        f'[fit]\npreset = "SiOxNy_Ag"\nname = "mine"\nseed = 11\ndevices = {devices}\nmax_evaluations = {budget}\n\n'
        '[parameters]\n' + (fitted or 'tau_thermal = { min = 2e-7, max = 2e-5 }\nw_pin = { min = 0.18, max = 0.45 }\n'
                            'r_tunnel = { min = 1.0, max = 200.0 }') + '\n\n[[data]]\nkind = "relaxation"\nfile = "r.csv"\n')
    return d


def test_fit_recovers_synthetic_devices_within_their_intervals_and_resumes(tmp_path):
    """Coverage of the profile-likelihood intervals on four synthetic devices (data drawn by
    the model from parameter sets that are none of the presets, 16 events at 300 and 380 K
    each), fitted in process from the SiOxNy_Ag preset (2 us, 0.27 eV) with 16 simulated
    devices per condition.  The sets lie along the tau_thermal-w_pin valley on both sides of
    the start (6 us/0.28 eV is the set whose Gauss-Newton intervals, with the optimiser
    stopped near the start, missed both values: issue 18).

    Statistic: the number of (set, parameter) pairs inside their 95 % intervals, at least 6
    of 8.  The two parameters of a set are correlated at -0.98 or more, so a set is in or out
    as a whole: with honest intervals P(one set out) ~ 0.05-0.07 and P(two or more of four
    out) = 6 p^2 ~ 0.02-0.03; the seeds are fixed, so the test is deterministic.

    w_pin must be determined in every set (the Arrhenius slope between 300 and 380 K: ln tau
    has sd 0.30-0.36 per device, so a median of 16 events has SE ~0.1 and the slope ~0.02
    eV), but tau_thermal need not be: it lies along a curved valley with w_pin (correlation
    -0.98 or more), whose profile can stay below the 95 % level over the bounds' whole factor
    100 although the local (Gauss-Newton) interval spans only a factor ~19.  Measured after the
    hybrid's keyed draws and exact in-well law (session 7): sets 0 and 2 report tau_thermal
    not determined (interval = the bounds), sets 1 and 3 determine it; at full size it reaches
    a bound in 13 of 23 sets (docs/fit.md).  So a not-determined tau_thermal must span the
    bounds, and at least one set must determine it.  An
    interval that understated the valley (the defect) put a whole set out.  r_tunnel (fitted
    in the first set) does not enter the relaxation to the ON/OFF level (level and
    conductance both scale with 1/R_t): it must be reported as not determined.  A second run
    in the same directory computes nothing and gives the same numbers (resume from the
    checkpoint); fitted.toml works as a preset.

    Full size (24 devices, three temperatures, more sets): examples/fit_synthetic/."""
    from spicemem.fit import load_fit_spec, run_fit

    truths = [{"tau_thermal": 3.5e-6, "w_pin": 0.30}, {"tau_thermal": 1.2e-6, "w_pin": 0.25},
              {"tau_thermal": 6.0e-6, "w_pin": 0.28}, {"tau_thermal": 0.8e-6, "w_pin": 0.33}]
    two = 'tau_thermal = { min = 2e-7, max = 2e-5 }\nw_pin = { min = 0.18, max = 0.45 }'
    inside = []
    for k, truth in enumerate(truths):
        d = _synthetic(tmp_path, k, truth, events=16, fitted=None if k == 0 else two)
        rep = run_fit(load_fit_spec(d / "fit.toml"), d / "out", workers=0, plot=False, log=lambda msg: None)
        assert rep["interval_method"] == "profile likelihood" and rep["status"].startswith("converged"), rep["status"]
        for name, value in truth.items():
            p = rep["parameters"][name]
            inside.append((k, name, value, p["value"], p["ci95"], p["determined"],
                           p["ci95"][0] <= value <= p["ci95"][1]))
            if name == "w_pin":
                assert p["determined"], p  # the Arrhenius slope of 300/380 K pins it (see above)
            elif not p["determined"]:  # not determined: the whole allowed range, not a number
                assert p["ci95"][0] <= 2.0001e-7 and p["ci95"][1] >= 1.9999e-5, p
        if k == 0:
            assert not rep["parameters"]["r_tunnel"]["determined"]
            assert rep["parameters"]["r_tunnel"]["why_not"].startswith("flat")
            first = (d, rep)
    assert sum(row[-1] for row in inside) >= 6, inside
    assert any(row[5] for row in inside if row[1] == "tau_thermal"), inside
    d, rep = first
    again = run_fit(load_fit_spec(d / "fit.toml"), d / "out", workers=0, plot=False, log=lambda msg: None)
    assert again["evaluations"]["computed_this_run"] == 0
    assert again["parameters"] == rep["parameters"]
    fitted = DiffusiveParams.from_preset("mine", presets=d / "out" / "fitted.toml")
    assert fitted.w_pin == rep["parameters"]["w_pin"]["value"]


@pytest.mark.parametrize("model", ["diffusive", "drift", "rram"])
def test_user_preset_file_works_for_every_registered_model(tmp_path, model):
    # A fitted.toml of any device type is usable at once: in the API and in a netlist card.
    # The file holds the model's default preset with one field changed by 10 %, plus the
    # "description" and "fit" tables spicemem fit writes (neither is a parameter).
    import dataclasses

    from spicemem.bridge.devices import model_params, registry
    from spicemem.bridge.netlist import read_netlist

    dtype = registry()[model]
    base = dtype.default_params()
    field = next(f.name for f in dataclasses.fields(base)
                 if isinstance(getattr(base, f.name), float) and getattr(base, f.name) > 0
                 and f.name not in ("t_ambient",))
    changed = getattr(base, field) * 1.1
    lines = ["[mine]", 'description = "test"']
    for f in dataclasses.fields(base):
        v = changed if f.name == field else getattr(base, f.name)
        if v is None:          # TOML has no null: a field left out keeps its default
            continue
        lines.append(f"{f.name} = {v!r}".replace("True", "true").replace("False", "false"))
    lines += ["", f"[mine.fit.{field}]", f"value = {changed!r}", "determined = true"]
    (tmp_path / "p.toml").write_text("\n".join(lines) + "\n")
    expected = base.replace(**{field: changed})
    assert dtype.params_class.from_preset("mine", presets=tmp_path / "p.toml") == expected
    cir = tmp_path / "a.cir"
    cir.write_text(f"* user preset\n.model m {model} (preset=mine presets=p.toml)\n"
                   "V1 in 0 dc 0\nN1 in 0 m\n.tran 1u 10u\n.end\n")
    net = read_netlist(cir)
    assert model_params(net.devices[0].model) == expected
    assert "p.toml" not in net.text


def test_a_fit_on_a_dask_cluster_matches_the_fit_in_this_process(tmp_path):
    """The same small fit (w_pin from 8 events at 300 and 380 K, 8 simulated devices per
    condition) in this process and through a local Dask cluster (2 worker processes, loopback):
    every evaluation depends only on the fit's seed and the parameter vector, so the two
    reports must agree exactly -- values, intervals, chi2 and the number of evaluations."""
    distributed = pytest.importorskip("distributed")
    from spicemem.fit import load_fit_spec, run_fit

    d = _synthetic(tmp_path, 7, {"tau_thermal": 2.0e-6, "w_pin": 0.29}, events=8,
                   fitted='w_pin = { min = 0.18, max = 0.45 }', devices=8, budget=12)
    spec = load_fit_spec(d / "fit.toml")
    here = run_fit(spec, d / "here", workers=0, plot=False, log=lambda msg: None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as cluster:
        there = run_fit(spec, d / "dask", scheduler=cluster.scheduler_address, plot=False, log=lambda msg: None)
    assert there["workers"].startswith("dask tcp://127.0.0.1:")
    assert here["evaluations"]["total"] == there["evaluations"]["total"] > 3
    for key in ("chi2", "parameters", "observations", "status"):
        assert here[key] == there[key], (key, here[key], there[key])
