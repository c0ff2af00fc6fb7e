"""The fit: weighted least squares on summary statistics, evaluated in parallel batches
through the sweep engine: Latin-hypercube starts, batched damped Gauss-Newton, and
profile-likelihood intervals on a local response surface (docs/fit.md says why).

Files in the output directory ``DIR``:

* ``checkpoint.json``: the fit's hash, its seed and every model evaluation so far
  (parameter vector -> statistics), rewritten atomically after each batch.  A fit started
  again in the same DIR replays the (deterministic) optimiser; evaluations found in the
  checkpoint are not recomputed, so an interrupted fit resumes where it stopped.
* ``evals/bNNNN-HASH/``: the sweep of each batch (its own resume covers a batch cut short).
* ``fitted.toml``, ``report.json``, ``report.png``: see :mod:`spicemem.fit.report`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from ..io import atomic_write_json, ensure_dir
from .spec import FitError, FitSpec

CHECKPOINT = "checkpoint.json"
#: Finite-difference step in ln(parameter): 10 %.  With common random numbers the statistics
#: move continuously, but each crossing time is interpolated between output samples and a
#: median jumps between devices: steps much smaller than the relative spread of the
#: statistic's noise are ruled by those kinks (docs/fit.md).
FD_STEP = 0.1
#: Past evaluations within this many finite-difference steps of a point (max norm over the
#: coordinates) enter its regression Jacobian, with tricube weights (docs/fit.md): the
#: stencil (at distance 1) keeps weight 0.89, the line-search points of the previous
#: iteration (1/4-1 of a step away) join it, far starts get none.
REGRESSION_RADIUS = 3.0
#: Residual degrees of freedom a response surface needs before its scatter is taken as the
#: statistic's noise floor (docs/fit.md, "Common random numbers through ngspice"); also what
#: the local quadratic of a Jacobian needs before its scatter is taken as the noise.
NOISE_DOF = 3
#: Residual degrees of freedom the local quadratic of a Jacobian needs before its scatter is
#: taken as the statistic's noise (:func:`local_jacobian`).  A variance from nu degrees of
#: freedom scatters by sqrt(2/nu): 82 % at 3, where one time in 20 it comes out 8x too small
#: (chi2_3's 5 % point / 3 = 0.12) and the choice follows that noise (measured: set 0 of the
#: coverage stopped at chi2 2.2, docs/fit.md); 58 % at 6 (3.7x at the 5 % point).
JACOBIAN_NOISE_DOF = 6
#: Correlations beyond this are reported in a note ("the data fix a combination").
CORRELATION_LIMIT = 0.98
#: Profile-likelihood points on each side of a parameter, in units of its Gauss-Newton
#: standard error (docs/fit.md): the profile is sampled where it rises by ~2 and ~9.
PROFILE_T = (1.5, 3.0)
#: Rounds of sampling after the first, each at the predicted ends of the interval that lie
#: beyond the samples.
PROFILE_ROUNDS = 2
#: Profile samples more than this above the optimum's chi2 are left out of the quadratic
#: fit (far out, a profile in ln parameters is no longer quadratic); 5^2.
PROFILE_KEEP = 25.0
#: Grid points of a profile across a parameter's bounds (on the fitted surface: no evaluations).
PROFILE_GRID = 161
#: Significance level at which a profile surface keeps its slope or curvature terms for a
#: statistic (:func:`surface_terms`): where the scatter about the surface is measurable, terms
#: that do not lower it beyond what noise does (an F-test against the full surface) are left
#: out, so that a noise-driven curvature cannot close an interval the data do not close
#: (docs/fit.md, "What a noisy profile may claim").
SURFACE_ALPHA = 0.05
#: Evaluations allowed for the profile per fitted parameter, beyond ``max_evaluations``:
#: 2 sides x (len(PROFILE_T) + PROFILE_ROUNDS) points x (the point + its nuisance step).
PROFILE_BUDGET = 2 * (len(PROFILE_T) + PROFILE_ROUNDS) * 2
#: chi2 quantile of a 95 % interval of one parameter (1.96^2).
CHI2_95 = 1.959963984540054 ** 2


#: Parameters optimised in their own (linear) scale, divided by their start value; the
#: others in ln.  An energy barrier enters the relaxation as exp(w_pin / k_B T), so ln tau is
#: linear in (ln tau_thermal, w_pin): in these coordinates the valley along which the data
#: leave tau_thermal and w_pin correlated is a straight line (in ln w_pin it is curved, and
#: the trust region stalled on it, docs/fit.md).
LINEAR = ("w_pin",)


class Coordinates:
    """The optimiser's coordinates z of the fitted parameters x: z = ln x, or x / x_start for
    the parameters in LINEAR."""

    def __init__(self, names, starts, linear=LINEAR):
        self.unit = np.array([float(s) if n in linear else 0.0 for n, s in zip(names, starts)])

    def to_z(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(self.unit > 0, x / np.where(self.unit > 0, self.unit, 1.0), np.log(x))

    def to_x(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        return np.where(self.unit > 0, z * self.unit, np.exp(np.minimum(z, 700.0)))

    def x(self, i: int, zi: float) -> float:
        return float(zi * self.unit[i]) if self.unit[i] > 0 else math.exp(zi)

    def rel_sd(self, i: int, zi: float, sd: float) -> float:
        """The standard error as a relative one (the sd in ln for the ln coordinates)."""
        return float(sd * self.unit[i] / abs(zi * self.unit[i])) if self.unit[i] > 0 else float(sd)


#: Step fractions of the Gauss-Newton step tried in one batch (a line search done in parallel).
LINE = (1.0, 0.5, 0.25)
#: The optimiser stops when no tried step lowers chi2 by more than this.
CHI2_GAIN = 0.1


def gauss_newton(both, residuals, z, lo, hi, max_iter: int = 50) -> str:
    """Damped Gauss-Newton in batches: at z the residuals and Jacobian (``both``: one batch
    of p + 1 evaluations; it returns the residuals and one or more Jacobians, best first),
    the Gauss-Newton step, then the fractions LINE of it (clipped to the bounds) in a second
    batch; move to the best of them if it lowers chi2 by more than CHI2_GAIN, else try the
    next Jacobian's step the same way, and stop when none gains.  Returns the reason it
    stopped.

    Why not a trust region: the statistics are noisy at the scale of a small step (common
    random numbers hold well in tau_thermal, less in w_pin: 0.001 eV moves ln tau by up to
    0.2 where 0.05 is expected), so the trust region's ratio of actual to predicted
    reduction fails on noise, the radius shrinks, and scipy's `trf` stopped on its step
    tolerance part-way along the valley (issue 18).  Comparing a few step lengths at once
    needs no such ratio, and each batch runs in parallel.
    """
    for it in range(max_iter):
        f, *jacs = both(z)
        chi = float(f @ f)
        moved, tried, blocked = False, 0, 0
        # the Jacobian of the chosen local model, then (only if its step gains nothing) the
        # stencil's forward difference: the two err differently (noise averaged against
        # curvature followed), and a step neither finds is the stop
        for n, jac in enumerate(jacs):
            if n > 0 and np.allclose(jac, jacs[0], rtol=1e-9, atol=1e-12):
                continue
            tried += 1
            step = np.linalg.lstsq(jac, -f, rcond=1e-10)[0]
            trial = [np.clip(z + a * step, lo, hi) for a in LINE]
            trial = [t for t in trial if np.max(np.abs(t - z)) > 1e-9]
            if not trial:
                blocked += 1
                continue
            got = [float(r @ r) for r in residuals(trial)]
            k = int(np.argmin(got))
            if got[k] <= chi - CHI2_GAIN:
                z, moved = trial[k], True
                break
        if not moved:
            if blocked == tried:
                return f"converged: the Gauss-Newton step is blocked by the bounds (iteration {it + 1})"
            return f"converged: no step lowers chi2 by more than {CHI2_GAIN} (iteration {it + 1})"
    return f"stopped after {max_iter} iterations"


def regression_jacobian(z, points, values, step, radius: float = REGRESSION_RADIUS):
    """Jacobian at ``z`` of the residual vectors ``values`` (one per row of ``points``) by a
    weighted local linear fit: intercept and slope over every point within ``radius`` x
    ``step`` of ``z`` (max norm, ``step`` per coordinate), weight (1 - (d/radius)^3)^3.

    Why not forward differences: a difference of two evaluations carries the full
    point-to-point noise of both into the slope, and through ngspice that noise is as large
    as independent ensembles' (common random numbers break on the adaptive steps; measured
    with ``examples/fit_synthetic/crn_roughness.py``).  The points a fit has already
    evaluated near z (the previous iteration's line search, a neighbouring stencil) cost
    nothing and average part of that noise out.  With only the stencil (p + 1 points) the
    fit is the forward difference exactly."""
    u, near, w = _neighbourhood(z, points, step, radius)
    coef = _weighted_fit(np.hstack([np.ones((int(near.sum()), 1)), u[near]]), np.asarray(values, dtype=float)[near], w)[0]
    return (coef[1:] / np.asarray(step, dtype=float)[:, None]).T


def _neighbourhood(z, points, step, radius):
    """The points' offsets from ``z`` in steps, which lie within ``radius`` steps (max norm),
    and their tricube weights (1 - (d/radius)^3)^3."""
    u = (np.asarray(points, dtype=float) - np.asarray(z, dtype=float)) / np.asarray(step, dtype=float)
    d = np.max(np.abs(u), axis=1)
    near = d < radius
    return u, near, (1.0 - (d[near] / radius) ** 3) ** 3


def _weighted_fit(a, vals, w):
    """Weighted least squares of each column of ``vals`` on the columns of ``a``: the
    coefficients, the weighted residual sum of squares per column, and the rank of ``a``."""
    sw = np.sqrt(w)[:, None]
    coef, _, rank, _ = np.linalg.lstsq(a * sw, vals * sw, rcond=None)
    r = (vals - a @ coef) * sw
    return coef, np.sum(r * r, axis=0), int(rank)


def local_jacobian(z, points, values, step, live=None, fd=None, radius: float = REGRESSION_RADIUS):
    """Jacobian at ``z`` from the evaluations near it: each statistic's (row's) slope is the
    forward difference or the neighbourhood's linear regression, whichever its measured
    noise and curvature favour.  Returns (jac, models): ``models[j]`` names the model row j
    took ("forward difference", "linear regression", or "forward difference, noise not
    measurable").

    ``points``/``values``: evaluations (optimiser coordinates / weighted residual vectors),
    those within ``radius`` x ``step`` of ``z`` (max norm) taken with the tricube weights of
    :func:`regression_jacobian`; ``live``: the coordinates that act (the others get a zero
    column); ``fd``: the stencil's forward-difference Jacobian (one ``step`` per coordinate).
    The two estimates of a row's slope, in units of one step:

    * the forward difference: noise variance 2 sigma^2 per coordinate, bias c_ii (the
      curvature followed over one step only);
    * the linear regression over the neighbourhood (:func:`regression_jacobian`): it
      averages the noise, and is biased by the curvature over its span.

    sigma^2 (the statistic's point-to-point noise) and the curvature come from a full
    quadratic fitted over the same neighbourhood: its residual scatter, when
    JACOBIAN_NOISE_DOF or more degrees of freedom are left, and its second-order terms.
    Each estimate's mean squared error, summed over the live coordinates, is its squared
    bias plus its noise variance (sigma^2 times the squared weights by which it combines the
    evaluations); the squared biases are estimated without bias by taking off the noise
    their own estimates carry (as Mallows' C_p does), and the row takes the smaller.  So a
    smooth or deterministic statistic gets the estimate with the smaller curvature error,
    and a noisy one (common random numbers broken through ngspice) the regression's
    averaging.  The quadratic's own slope is not a candidate: the neighbourhood's points lie
    along a few lines (the stencil's axes, the line search), and it came out wild.  Where
    the noise cannot be measured (too few points near z) no averaging is justified: the
    forward difference (the linear regression when ``fd`` is None; with the stencil alone
    the two are equal).  docs/fit.md, "The Jacobian's local model", gives the
    measurements."""
    z = np.asarray(z, dtype=float)
    vals = np.asarray(values, dtype=float)
    step = np.asarray(step, dtype=float)
    live = np.ones(z.size, dtype=bool) if live is None or not np.any(live) else np.asarray(live, dtype=bool)
    u, near, w = _neighbourhood(z, points, step, radius)
    x, v = u[near][:, live], vals[near]
    n, m = x.shape
    lin = np.hstack([np.ones((n, 1)), x])
    c_lin = _weighted_fit(lin, v, w)[0]
    nrow = vals.shape[1]
    jac = np.zeros((nrow, z.size))
    jac[:, live] = (c_lin[1:] / step[live][:, None]).T
    fd_u = None if fd is None else np.asarray(fd, dtype=float)[:, live] * step[live]
    models = ["forward difference, noise not measurable"] * nrow
    pairs = [(a, b) for a in range(m) for b in range(a, m)]
    quad = np.hstack([lin, np.stack([x[:, a] * x[:, b] for a, b in pairs], axis=1)]) if m else lin
    if m == 0 or n - quad.shape[1] < JACOBIAN_NOISE_DOF:
        return (jac if fd is None else np.asarray(fd, dtype=float)), models
    c_q, _, rank_q = _weighted_fit(quad, v, w)
    if n - rank_q < JACOBIAN_NOISE_DOF:
        return (jac if fd is None else np.asarray(fd, dtype=float)), models
    # sigma^2 per statistic: the weighted mean square of the residuals about the quadratic,
    # corrected for the coefficients fitted
    r = v - quad @ c_q
    sig2 = np.sum(w[:, None] * r * r, axis=0) / np.sum(w) * n / (n - rank_q)
    # each estimator's slope as a linear map of the values (rows 1..m of pinv(X' W X) X' W):
    # its noise variance is sigma^2 times the squared norms of those rows
    def slope_map(design):
        return (np.linalg.pinv(design.T @ (design * w[:, None]), rcond=1e-10, hermitian=True) @ (design * w[:, None]).T)[1:1 + m]
    a_lin = slope_map(lin)
    full = np.linalg.pinv(quad.T @ (quad * w[:, None]), rcond=1e-10, hermitian=True) @ (quad * w[:, None]).T
    var_lin = float(np.sum(a_lin ** 2))
    # the biases, as linear maps of the values: the regression's slope of the fitted
    # quadratic part alone, and the forward difference's c_ii s (f(z + s e_i) - f(z) over s).
    # Their squares are estimated without bias by taking off the noise the maps carry
    # (as Mallows' C_p does); without that, noise would pass for curvature.
    b_lin = a_lin @ quad[:, 1 + m:] @ full[1 + m:]
    b_fd = full[1 + m + np.array([k for k, (a, b) in enumerate(pairs) if a == b])]
    bias_lin = np.maximum(np.sum((b_lin @ v) ** 2, axis=0) - sig2 * float(np.sum(b_lin ** 2)), 0.0)
    bias_fd = np.maximum(np.sum((b_fd @ v) ** 2, axis=0) - sig2 * float(np.sum(b_fd ** 2)), 0.0)
    for j in range(nrow):
        mse = {"linear regression": bias_lin[j] + sig2[j] * var_lin}
        if fd_u is not None:
            mse["forward difference"] = bias_fd[j] + sig2[j] * 2.0 * m
        best = min(mse, key=mse.get)
        slope = c_lin[1:, j] if best == "linear regression" else fd_u[j]
        jac[j, live] = slope / step[live]
        models[j] = best
    return jac, models


def pooled_se(z, points, ses, step, live=None, radius: float = REGRESSION_RADIUS):
    """Each statistic's simulation standard error at ``z``, pooled over the evaluations near
    it: a tricube-weighted local regression of se^2 on the coordinates (the neighbourhood and
    weights of :func:`regression_jacobian`), read off at ``z``.  Returns (se, info): ``se``
    per statistic (column of ``ses``), and ``info[j]`` = {"evaluations": how many distinct
    estimates entered, "effective": their effective number 1 / sum(a_i^2), where the
    pooled se^2 = sum(a_i se_i^2)}.

    Why: the standard error is a smooth function of the parameters, while each evaluation's
    estimate comes from one small ensemble and scatters (16 devices: relative sd 0.3-0.6 for
    the PPF first weight, ~0.3 for the relaxation statistics; docs/fit.md, "The simulation's
    standard error, pooled").  Weighting a statistic with one unlucky estimate inflates or
    deflates its weight by that much.

    * se^2, not se or ln se: a mean of se^2 estimates the variance without bias; a mean of
      ln se falls short (measured: the geometric mean of 16-device estimates is 0.89-0.93 of
      their rms for the relaxation statistics, 0.73-0.92 for the PPF ln G1).
    * Local linear in the coordinates that vary among the estimates, when it leaves NOISE_DOF
      degrees of freedom and predicts a positive variance; else the weighted mean: the
      ln G1 SE halves across the PPF test's bounds, so a one-sided neighbourhood (the stencil
      steps forward) would bias a plain mean.
    * Estimates equal to 1e-9 (relative) are one estimate: common random numbers hold
      exactly along some directions (a change of tau_thermal only rescales every relaxation
      time, so its se is the same number); they are not independent and count once (the
      nearest stands for them).  Where they hold only partly (w_pin: the correlation of ln se
      between points 0.03 eV apart was 0.0 +- 0.2 over 40 seeds) the estimates are counted
      as independent.
    * A statistic with se 0 everywhere near (deterministic) stays 0; zeros among positive
      estimates are left out.
    * ``live``: the coordinates that act; distances are taken over those alone (a flat
      parameter moves no statistic, and the engine puts it back to its start at the optimum,
      away from the points the optimiser evaluated).
    """
    z = np.asarray(z, dtype=float)
    ses = np.asarray(ses, dtype=float)
    live = np.ones(z.size, dtype=bool) if live is None or not np.any(live) else np.asarray(live, dtype=bool)
    u, near, w = _neighbourhood(z[live], np.asarray(points, dtype=float)[:, live], np.asarray(step, dtype=float)[live],
                                radius)
    u = u[near]
    out = np.zeros(ses.shape[1])
    info = []
    for j in range(ses.shape[1]):
        s = ses[near, j]
        pos = np.isfinite(s) & (s > 0)
        if not pos.any():
            info.append({"evaluations": 0, "effective": 0.0})
            continue
        # one estimate per distinct value (the nearest point stands for its copies)
        idx = np.nonzero(pos)[0]
        idx = idx[np.argsort(-w[idx], kind="stable")]
        seen, keep = set(), []
        for i in idx:
            key = round(math.log(s[i]), 9)
            if key not in seen:
                seen.add(key)
                keep.append(i)
        keep = np.array(keep)
        uu, ww, y = u[keep], w[keep], s[keep] ** 2
        a = ww / ww.sum()  # the weighted mean
        var = float(a @ y)
        vary = np.ptp(uu, axis=0) > 1e-9 if uu.shape[0] > 1 else np.zeros(uu.shape[1], dtype=bool)
        x = np.hstack([np.ones((keep.size, 1)), uu[:, vary]])
        if keep.size - x.shape[1] >= NOISE_DOF:
            xw = x * ww[:, None]
            lin = np.linalg.pinv(x.T @ xw, rcond=1e-10, hermitian=True)[0] @ xw.T  # row of the intercept
            if float(lin @ y) > 0:
                a, var = lin, float(lin @ y)
        out[j] = math.sqrt(var)
        info.append({"evaluations": int(keep.size), "effective": float(1.0 / np.sum(a * a))})
    return out, info


def lhs_points(npar: int) -> int:
    """Latin-hypercube starts besides the given one: 2 per parameter."""
    return 2 * npar


def latin_hypercube(n: int, lo, hi, seed: int) -> np.ndarray:
    """``n`` points of a Latin hypercube in the box [lo, hi] (one point per stratum of each
    coordinate, strata paired at random), reproducible from ``seed``."""
    rng = np.random.default_rng([int(seed), 18])
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    u = (np.stack([rng.permutation(n) for _ in range(lo.size)], axis=1) + rng.random((n, lo.size))) / n
    return lo + u * (hi - lo)


def problem_dict(spec: FitSpec, crn_seed: int) -> dict:
    return {"base": spec.base_values(), "names": [p.name for p in spec.parameters],
            "devices": spec.devices, "crn_seed": int(crn_seed), "device": spec.device,
            "conditions": [list(c) for c in spec.conditions()],
            "observations": [o.problem_entry() for o in spec.observations]}


def _key(x) -> str:
    return json.dumps([float(v) for v in x])


class Evaluator:
    """Model evaluations by batch, through :func:`spicemem.sweep.run_sweep` (python target),
    remembered in the checkpoint."""

    def __init__(self, spec, out: Path, problem: dict, digest: str, *, workers, scheduler, log, progress):
        self.spec, self.out, self.problem, self.digest = spec, out, problem, digest
        self.workers, self.scheduler, self.log, self.progress = workers, scheduler, log, progress
        self.cache: dict = {}
        #: keys in the order the fit asked for them (in this run: a resumed fit replays the
        #: same order, so whatever reads the history sees what the first run saw, not the
        #: checkpoint's later evaluations)
        self.history: dict = {}
        self.computed = 0
        self.batches = 0
        self.wall = 0.0
        ck = out / CHECKPOINT
        if ck.exists():
            try:
                stored = json.loads(ck.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                raise FitError(f"{ck}: unreadable checkpoint ({exc}); remove it to start afresh") from None
            if stored.get("digest") != digest or stored.get("crn_seed") != problem["crn_seed"]:
                raise FitError(f"{out}: holds a different fit (its checkpoint's hash or seed differ); "
                               f"use another --out or remove {ck}")
            self.cache = stored.get("evaluations", {})
            self.wall = float(stored.get("wall_time_s", 0.0))
            log(f"fit: resuming, {len(self.cache)} evaluations found in {ck}")
        self.resumed = len(self.cache)
        self.limit = spec.max_evaluations

    def __call__(self, xs) -> list:
        keys = [_key(x) for x in xs]
        todo = sorted({k for k in keys if k not in self.cache})
        if todo:
            if len(self.cache) + len(todo) > self.limit:
                raise _Budget()
            self._run(todo)
        self.history.update(dict.fromkeys(keys))
        return [self.cache[k] for k in keys]

    def _run(self, todo):
        from ..sweep import run_sweep

        t0 = time.perf_counter()
        tag = hashlib.sha256("\n".join(todo).encode()).hexdigest()[:10]
        bdir = self.out / "evals" / f"b{self.batches:04d}-{tag}"
        metrics = [f"o{j}" for j in range(len(self.problem["observations"]))]
        metrics += [f"{m}_se" for m in metrics] + [f"c{k}_median" for k in range(len(self.problem["conditions"]))]
        sweep = {"sweep": {"target": "python", "seed": 0, "realizations": 1, "metrics": metrics},
                 "python": {"function": "spicemem.fit.model:evaluate", "problem": json.dumps(self.problem)},
                 "parameters": {"python.x": list(todo)}}
        quiet = (lambda msg: None)
        summary = run_sweep(sweep, bdir, workers=self.workers, scheduler=self.scheduler,
                            progress=self.progress, log=quiet)
        got = {}
        with open(summary.table, newline="") as fh:
            for row in csv.DictReader(fh):
                if row["status"] != "ok":
                    raise FitError(f"fit: a model evaluation failed at {row['python.x']}: {row['error']}")
                got[row["python.x"]] = {m: float(row[m]) for m in metrics}
        missing = [k for k in todo if k not in got]
        if missing:
            raise FitError(f"fit: {len(missing)} evaluation(s) missing from {summary.table}")
        self.cache.update(got)
        self.computed += len(todo)
        self.batches += 1
        self.wall += time.perf_counter() - t0
        atomic_write_json(self.out / CHECKPOINT, {"digest": self.digest, "crn_seed": self.problem["crn_seed"],
                                                  "evaluations": self.cache, "wall_time_s": self.wall})
        self.log(f"fit: batch {self.batches}: {len(todo)} evaluations in {time.perf_counter() - t0:.1f} s "
                 f"({self.computed} computed, {self.resumed} from the checkpoint)")


class _Budget(Exception):
    pass


def run_fit(spec: FitSpec, out, *, workers=None, scheduler=None, seed=None, progress=None, log=None,
            plot: bool = True) -> dict:
    """Fit ``spec`` and write DIR/fitted.toml, report.json, report.png (see the module
    docstring).  Returns the report (a dict).  ``seed`` overrides the spec's; without
    either a resume reuses the checkpoint's, and a new fit draws one (logged)."""
    from .report import write_outputs

    log = log or (lambda msg: print(f"spicemem: {msg}", file=sys.stderr))
    out = ensure_dir(out)
    crn = seed if seed is not None else spec.seed
    if crn is None:
        try:
            crn = int(json.loads((out / CHECKPOINT).read_text())["crn_seed"])
        except (OSError, ValueError, KeyError, TypeError):
            import secrets

            crn = secrets.randbits(32)
    log(f"seed {crn}")
    problem = problem_dict(spec, crn)
    digest = spec.digest()
    ev = Evaluator(spec, out, problem, digest, workers=workers, scheduler=scheduler, log=log, progress=progress)
    t_start = time.perf_counter()

    names = [p.name for p in spec.parameters]
    co = Coordinates(names, [p.start for p in spec.parameters])
    lo = co.to_z([p.lo for p in spec.parameters])
    hi = co.to_z([p.hi for p in spec.parameters])
    z0 = co.to_z([p.start for p in spec.parameters])
    data = np.array([o.value for o in spec.observations])
    sig_d = np.array([o.sigma for o in spec.observations])
    nobs, npar = data.size, len(names)

    def stats(st):
        return (np.array([st[f"o{j}"] for j in range(nobs)]), np.array([st[f"o{j}_se"] for j in range(nobs)]))

    def stencil(z):
        pts = [z]
        for i in range(npar):
            step = FD_STEP if z[i] + FD_STEP <= hi[i] else -FD_STEP
            e = np.zeros(npar)
            e[i] = step
            pts.append(z + e)
        return pts

    def pool(z, live=None):
        """Each statistic's simulation SE at z pooled over the evaluations so far near it
        (:func:`pooled_se`), and how many entered."""
        keys = list(ev.history)
        return pooled_se(z, [co.to_z(json.loads(k)) for k in keys], [stats(ev.cache[k])[1] for k in keys],
                         np.full(npar, FD_STEP), live)

    # Start: the given start and a Latin hypercube over the bounds, one parallel batch;
    # Gauss-Newton begins from the best of them (on a long narrow valley a single start may
    # lie far along it from the minimum, docs/fit.md).
    starts = [z0] + list(latin_hypercube(lhs_points(npar), lo, hi, crn))
    budget_hit = False
    try:
        res_starts = ev([co.to_x(z) for z in starts])
    except _Budget:
        budget_hit = True
        starts, res_starts = [z0], ev([co.to_x(z0)])
    # Weights: data and simulation errors added in quadrature, the simulation's (pooled over
    # the starts near z0) taken at the start and held fixed while optimising (a weight that
    # moved with the parameters would make the objective rough); the covariance below uses
    # those at the optimum, pooled over every evaluation near it.
    s0 = stats(res_starts[0])[0]
    se0, _ = pool(z0)
    sigma = np.sqrt(sig_d**2 + se0**2)
    memo: dict = {}
    jac_models: dict = {}  # statistic rows per local model chosen, over the fit's Jacobians

    def both(z):
        key = _key(z)
        if key not in memo:
            pts = stencil(np.asarray(z, dtype=float))
            res = ev([co.to_x(p) for p in pts])
            f0 = (stats(res[0])[0] - data) / sigma
            # A stencil step that moved no statistic (below 1e-6 of the largest column: common
            # random numbers hold exactly, r_tunnel leaves relaxation times unchanged) is an
            # exact flat direction; a regression would smear the other points' differences into
            # that column and hide it (measured: r_tunnel then entered the profile).
            fd = np.stack([((stats(res[i + 1])[0] - data) / sigma - f0) / (pts[i + 1][i] - pts[0][i])
                           for i in range(npar)], axis=1)
            norms = np.linalg.norm(fd, axis=0)
            live = norms > 1e-6 * max(norms.max(), 1e-300)  # as `uncertainties` calls flat
            # every evaluation so far near z, the stencil's included; each statistic's local
            # model (linear regression or quadratic) chosen by its measured noise (local_jacobian)
            near_z = [co.to_z(json.loads(k)) for k in ev.history]
            near_f = [(stats(ev.cache[k])[0] - data) / sigma for k in ev.history]
            fd[:, ~live] = 0.0
            jac, models = local_jacobian(z, near_z, near_f, np.full(npar, FD_STEP), live, fd)
            for m in models:
                jac_models[m] = jac_models.get(m, 0) + 1
            memo[key] = (f0, jac, fd)
        return memo[key]

    try:
        if budget_hit:
            raise _Budget()
        f_starts = [(stats(r)[0] - data) / sigma for r in res_starts]
        z_cur = starts[int(np.argmin([float(f @ f) for f in f_starts]))]
        status = gauss_newton(both, lambda zs: [(stats(r)[0] - data) / sigma for r in ev([co.to_x(z) for z in zs])],
                              z_cur, lo, hi)
    except _Budget:
        budget_hit = True
        status = f"stopped: the evaluation budget ({spec.max_evaluations}) was used up"
    # the best point evaluated with its Jacobian (a budget cut short may leave none: then the
    # start, whose Jacobian is allowed beyond the budget)
    z_best = np.array(json.loads(min(memo, key=lambda k: float(np.sum(memo[k][0] ** 2))))) if memo else z0
    ev.limit = max(ev.limit, len(ev.cache) + npar + 1)
    f_best, jac, _ = both(z_best)
    # A parameter the statistics do not move (a flat column) goes back to its start: the
    # Latin-hypercube starts moved it at random, and the fitted preset must not carry that.
    norms = np.linalg.norm(jac, axis=0)
    flat = norms <= 1e-6 * max(norms.max(), 1e-300)
    if flat.any():
        z_best = np.where(flat, z0, z_best)
        ev.limit = max(ev.limit, len(ev.cache) + 1)
    st_best = ev([co.to_x(z_best)])[0]
    s_best, se_single = stats(st_best)
    se_best, se_info = pool(z_best, ~flat)
    sigma_best = np.sqrt(sig_d**2 + se_best**2)
    jac = jac * (sigma / sigma_best)[:, None]
    resid = (s_best - data) / sigma_best
    chi2 = float(resid @ resid)
    unc = uncertainties(jac, chi2, nobs, lo, hi, z_best, names, co)
    # Profile-likelihood intervals along the valley (docs/fit.md), with the weights of the
    # optimum held fixed; their evaluations are counted beyond max_evaluations.
    ev.limit = len(ev.cache) + PROFILE_BUDGET * npar

    def residuals(zs):
        return [(stats(r)[0] - data) / sigma_best for r in ev([co.to_x(z) for z in zs])]

    def floor(noise):
        """Factors sigma / sigma' per statistic: the simulation part of the weight raised from
        the ensemble's standard error (pooled over the evaluations near the optimum) to the
        scatter about the response surface where that is larger (common random numbers
        broken, e.g. through ngspice: docs/fit.md).  Not for a deterministic statistic (standard error 0): its scatter is the staircase's
        quantization, which the data's resolution floor already carries."""
        rough = np.asarray(noise) * sigma_best
        sim = np.where(se_best > 0, np.maximum(se_best, rough), se_best)
        return sigma_best / np.sqrt(sig_d**2 + sim**2)

    diag: dict = {}
    try:
        prof = profile_intervals(residuals, z_best, resid, jac, lo, hi, names, unc, chi2, nobs, co,
                                 floor=floor, diag=diag)
    except _Budget:
        prof = None
        status += "; the profile-likelihood budget was used up: Gauss-Newton intervals reported"
    if prof is not None:
        unc = prof
    noise = np.asarray(diag["noise"]) * sigma_best if diag.get("noise") is not None else np.full(nobs, np.nan)
    factors = np.asarray(diag.get("factors", np.ones(nobs)))
    if np.any(factors < 1.0):
        # the scatter about the surface exceeded the ensemble's standard error: the weights,
        # pulls and chi2 reported are those the intervals used
        sigma_best = sigma_best / factors
        resid = resid * factors
        chi2 = float(resid @ resid)
    dof = nobs - sum(1 for p in unc.values() if not p["why_not"].startswith("flat"))
    if prof is not None:
        hist_z = np.array([co.to_z(json.loads(k)) for k in ev.history])
        hist_c = np.array([float(np.sum(((stats(ev.cache[k])[0] - data) / sigma_best) ** 2)) for k in ev.history])
        unc = evaluated_hull(unc, hist_z, hist_c, CHI2_95 * (max(1.0, chi2 / dof) if dof > 0 else 1.0),
                             lo, hi, names, co)
    wall = time.perf_counter() - t_start
    report = {
        "fit_file": spec.source, "preset": spec.preset, "name": spec.name, "seed": crn,
        "digest": digest, "status": status, "budget_exhausted": budget_hit,
        "parameters": unc, "chi2": chi2, "dof": dof,
        "interval_method": "profile likelihood" if prof is not None else "Gauss-Newton",
        "jacobian_models": jac_models,
        "observations": [{"label": o.label, "kind": o.kind, "temperatures": list(o.temperatures),
                          "data": o.value, "data_sigma": o.sigma, "model": float(s_best[j]),
                          "model_sigma": float(se_best[j]), "model_sigma_single": float(se_single[j]),
                          "model_sigma_pooled": se_info[j], "pull": float(resid[j]),
                          "model_scatter": float(noise[j]) if math.isfinite(noise[j]) else None,
                          "weight_sigma": float(sigma_best[j])}
                         for j, o in enumerate(spec.observations)],
        "start": dict(zip(names, co.to_x(z0).tolist())),
        "start_chi2": float(np.sum(((s0 - data) / sigma) ** 2)),
        "evaluations": {"computed_this_run": ev.computed, "from_checkpoint": ev.resumed,
                        "total": len(ev.cache), "batches_this_run": ev.batches,
                        "devices_per_condition": spec.devices, "conditions": len(problem["conditions"])},
        "wall_time_s": wall, "evaluation_wall_time_s": ev.wall,
        "workers": "dask " + scheduler if scheduler else ("in-process" if workers == 0 else (workers or "all local CPUs")),
    }
    write_outputs(spec, problem, report, out, plot=plot)
    log(f"fit: chi2 {chi2:.2f} for {dof} degrees of freedom after {len(ev.cache)} evaluations "
        f"({ev.computed} this run) in {wall:.1f} s; wrote {out / 'fitted.toml'}")
    return report


def uncertainties(jac, chi2, nobs, lo, hi, z, names, coords=None) -> dict:
    """Per parameter: value, standard error and 95 % interval (from the Gauss-Newton
    covariance in ln, scaled by chi2/dof when that exceeds 1), correlations, and whether the
    data determine it.

    The covariance is the pseudo-inverse of J^T J (J: weighted residuals per ln parameter).
    A parameter is *not determined* when its sensitivity is below 1e-6 of the largest (a
    flat profile: the data do not move with it) or when its marginal 95 % interval in ln is
    wider than its whole allowed range; then the interval reported is the allowed range.
    A correlation beyond CORRELATION_LIMIT with another parameter is reported as a note
    (only a combination is sharp; the marginal interval already accounts for it).
    """
    co = coords or Coordinates(names, np.ones(len(names)), linear=())  # default: all in ln
    norms = np.linalg.norm(jac, axis=0)
    # flat directions (a column of zeros) are left out of the inverse, not regularised into it
    live = norms > 1e-6 * max(norms.max(), 1e-300)
    cov = np.full((len(names), len(names)), np.nan)
    sub = jac[:, live]
    cov[np.ix_(live, live)] = np.linalg.pinv(sub.T @ sub, rcond=1e-10, hermitian=True)
    dof = nobs - int(live.sum())
    scale = max(1.0, chi2 / dof) if dof > 0 else 1.0  # never claim more than the scatter allows
    cov = cov * scale
    sd = np.sqrt(np.maximum(np.nan_to_num(np.diag(cov), nan=np.inf), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    out = {}
    for i, n in enumerate(names):
        reasons = []
        if not live[i]:
            reasons.append("flat: the statistics do not change with it")
        elif 2 * 1.96 * sd[i] > hi[i] - lo[i]:
            reasons.append("its 95 % interval is wider than the allowed range")
        strong = [names[j] for j in range(len(names))
                  if j != i and np.isfinite(corr[i, j]) and abs(corr[i, j]) > CORRELATION_LIMIT]
        det = not reasons
        note = (f"correlated beyond {CORRELATION_LIMIT} with {', '.join(strong)}: the data fix a "
                f"combination; the interval is the marginal one" if strong else "")
        lo95 = co.x(i, z[i] - 1.96 * sd[i]) if det else co.x(i, lo[i])
        hi95 = co.x(i, z[i] + 1.96 * sd[i]) if det else co.x(i, hi[i])
        out[n] = {"value": co.x(i, z[i]), "ln_sd": co.rel_sd(i, z[i], sd[i]) if det else None,
                  "ci95": [lo95, hi95], "determined": det, "why_not": "; ".join(reasons), "note": note,
                  "correlations": {names[j]: (float(corr[i, j]) if np.isfinite(corr[i, j]) else None)
                                   for j in range(len(names)) if j != i},
                  "sensitivity": float(norms[i])}
    return out


def evaluated_hull(unc, zs, chi2s, level, lo, hi, names, coords) -> dict:
    """Widen each determined parameter's interval to every evaluated point whose own chi2
    lies within ``level`` of the lowest evaluated one (``zs``: the points in the optimiser's
    coordinates, ``chi2s``: their chi2 with the optimum's weights).

    Why: the profile of parameter i at z_i is at most the chi2 of any point with that z_i,
    so a point within the level puts its z_i inside the 95 % profile interval of the
    objective as evaluated -- whatever a response surface fitted over the profile's design
    says.  Where the statistics hardly move with a parameter, that surface is a fit to noise
    and may exclude values the evaluations accept (measured on pin_period_ratio: a surface
    interval 0.190-0.24 while evaluations at 0.156-0.166 were within the level,
    docs/fit.md).  Where the surface is right this changes nothing: its points are inside
    it.  An interval widened to both bounds is 'not determined'."""
    co = coords
    ok = chi2s <= np.min(chi2s) + level
    out = {n: dict(v) for n, v in unc.items()}
    for i, n in enumerate(names):
        p = out[n]
        if not p["determined"] or not ok.any():
            continue
        z_lo = float(co.to_z([p["ci95"][0] if k == i else 1.0 for k in range(len(names))])[i])
        z_hi = float(co.to_z([p["ci95"][1] if k == i else 1.0 for k in range(len(names))])[i])
        a, b = min(z_lo, float(zs[ok, i].min())), max(z_hi, float(zs[ok, i].max()))
        if a >= z_lo - 1e-12 and b <= z_hi + 1e-12:
            continue
        p["profile_ci95"] = list(p["ci95"])
        p["ci95"] = [co.x(i, a), co.x(i, b)]
        z_mid = float(co.to_z([p["value"] if k == i else 1.0 for k in range(len(names))])[i])
        p["ln_sd"] = co.rel_sd(i, z_mid, (b - a) / (2 * math.sqrt(CHI2_95)))
        at = [a <= lo[i] + 1e-12, b >= hi[i] - 1e-12]
        p["profile_at_bound"] = [bool(at[0]) or p.get("profile_at_bound", [False, False])[0],
                                 bool(at[1]) or p.get("profile_at_bound", [False, False])[1]]
        one = "widened to the evaluated points within the 95 % level (the response surface excluded them)"
        p["note"] = f"{p['note']}; {one}" if p["note"] else one
        if all(p["profile_at_bound"]):
            p["determined"] = False
            p["why_not"] = "evaluations within the 95 % level span the whole allowed range"
            p["ci95"] = [co.x(i, lo[i]), co.x(i, hi[i])]
            p["ln_sd"] = None
    return out


def surface_terms(feats, values, coef, n_linear: int, alpha: float = SURFACE_ALPHA):
    """Per statistic (column of ``values``), the coefficients of the smallest of the nested
    surfaces constant / linear / full (``feats``' first column, its first ``n_linear`` columns,
    all of them) that an F-test at level ``alpha`` does not reject against the full least-
    squares fit ``coef``; the terms left out are zero.

    The scatter about the full surface estimates the statistic's point-to-point noise when
    NOISE_DOF or more residual degrees of freedom are left; below that nothing can be tested
    and the full surface is kept (as before).  Why: a profile read off a quadratic that fits
    noise closes an interval where the data do not (measured on the PPF ratio alone: an
    interval [0.241, 0.32] eV from one lucky evaluation, a curvature whose F-test has p 0.06;
    docs/fit.md).  A term the data do support (the first pulse's weight: a slope at more than
    ten of its standard errors) passes the test and stays."""
    from scipy.stats import f as f_dist

    n, p_full = feats.shape
    left = n - p_full
    out = np.array(coef, dtype=float, copy=True)
    if left < NOISE_DOF:
        return out
    rss_full = np.sum((values - feats @ coef) ** 2, axis=0)
    for j in range(values.shape[1]):
        s2 = rss_full[j] / left
        if not s2 > 0.0:
            continue
        for p in sorted({1, n_linear}):
            if p >= p_full:
                break
            c = np.linalg.lstsq(feats[:, :p], values[:, j], rcond=None)[0]
            rss = float(np.sum((values[:, j] - feats[:, :p] @ c) ** 2))
            stat = max(rss - rss_full[j], 0.0) / (p_full - p) / s2
            if f_dist.sf(stat, p_full - p, left) >= alpha:
                out[:, j] = 0.0
                out[:p, j] = c
                break
    return out


def profile_intervals(residuals, z, f, jac, lo, hi, names, unc, chi2, nobs, coords=None, floor=None,
                      diag=None) -> dict:
    """Profile-likelihood 95 % intervals of the determined parameters, on a local quadratic
    response surface of the statistics (docs/fit.md).

    ``residuals(zs)`` returns the weighted residual vector at each point of ``zs`` (the
    optimiser's coordinates); ``z``, ``f``, ``jac``: the optimum, its residuals and
    Jacobian; ``unc``: the Gauss-Newton result of :func:`uncertainties`, which guides the
    design and is returned updated.

    1. Design: for each parameter i, points at z_i* +- t sd_i (t in PROFILE_T, sd_i its
       Gauss-Newton standard error, at most half the way to the bound), the others on the
       Gauss-Newton valley floor z + cov[:, i] / cov[i, i] dz_i, and each point once more
       after one Gauss-Newton step of the others (a curved valley leaves its straight line).
    2. Surface: every weighted residual is fitted by a quadratic in z over all these points
       within PROFILE_KEEP of the lowest chi2 (linear when there are too few).  The
       statistics are noisy from point to point (common random numbers hold well in
       tau_thermal, less in w_pin); a profile read off single evaluations rose and fell by
       several units, the surface averages that noise out over the whole valley.
    3. Profile: chi2_p(z_i) = min over the others of the surface's chi2, on a grid across the
       bounds; the interval is where it lies within 3.84 s of its minimum (s = chi2/dof when
       that exceeds 1), joined with the same interval moved to put its minimum on the
       reported value (where the two disagree, neither location is sure).  An end beyond the sampled
       span is sampled there (PROFILE_ROUNDS times at most) and the surface refitted.  An
       end at a bound is the bound; both ends at the bounds: not determined.
    4. Noise floor (with ``floor``): the scatter of the evaluations about the surface, per
       statistic (its residual sd, in units of the weights, when NOISE_DOF or more degrees of
       freedom are left), is handed to ``floor``, which returns a factor <= 1 per statistic
       by which its weighted residuals shrink (the engine: the weight's simulation part
       raised to that scatter where it exceeds the ensemble's standard error); the surface
       is refitted with them and the profile read off it.  ``diag`` (a dict) receives
       ``noise`` (the scatter, or None), ``factors`` and ``chi2`` (at the optimum, after).
    """
    from scipy.optimize import least_squares

    co = coords or Coordinates(names, np.ones(len(names)), linear=())
    out = {n: dict(v) for n, v in unc.items()}
    live = [i for i, n in enumerate(names) if not unc[n]["why_not"].startswith("flat")]
    if not live:
        return out
    sub = jac[:, live]
    cov = np.zeros((len(names), len(names)))
    cov[np.ix_(live, live)] = np.linalg.pinv(sub.T @ sub, rcond=1e-10, hermitian=True)
    dof = nobs - len(live)
    scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
    level = CHI2_95 * scale
    pts_z, pts_f = [z[live].copy()], [np.asarray(f, dtype=float)]

    def design(i, d):
        zp = z.copy()
        zp[live] += cov[live, i] / cov[i, i] * d
        zp[i] = z[i] + d
        return np.clip(zp, lo, hi)

    def sample(points):
        first = [design(i, d) for i, d in points]
        fs = residuals(first)
        second = []
        for (i, _), zp, fp in zip(points, first, fs):
            zq = zp.copy()
            others = [j for j in live if j != i]
            if others:
                zq[others] += np.linalg.lstsq(jac[:, others], -fp, rcond=None)[0]
            second.append(np.clip(zq, lo, hi))
        for zz, ff in zip(first + second, fs + residuals(second)):
            pts_z.append(zz[live].copy())
            pts_f.append(np.asarray(ff, dtype=float))

    def features(dz):
        dz = np.atleast_2d(dz)
        cols = [np.ones(dz.shape[0])] + [dz[:, a] for a in range(dz.shape[1])]
        if quad:
            cols += [dz[:, a] * dz[:, b] for a in range(dz.shape[1]) for b in range(a, dz.shape[1])]
        return np.stack(cols, axis=1)

    def kept_points():
        """The distinct evaluated points within PROFILE_KEEP of the lowest chi2.  A point met
        twice (with one parameter, the nuisance step leaves the design point where it is) is
        one evaluation, served from the cache: counting it twice would double its weight and
        invent residual degrees of freedom."""
        zz, ff = np.array(pts_z), np.array(pts_f)
        _, first_seen = np.unique(np.round(zz, 12), axis=0, return_index=True)
        zz, ff = zz[np.sort(first_seen)], ff[np.sort(first_seen)]
        c = np.sum(ff * ff, axis=1)
        keep = c - c.min() <= PROFILE_KEEP * scale
        return zz[keep], ff[keep]

    def fit_surface():
        nonlocal quad, coef_full
        zz, ff = kept_points()
        m = len(live)
        quad = zz.shape[0] >= 2 * (1 + m + m * (m + 1) // 2)
        feats = features(zz - z[live])
        coef_full = np.linalg.lstsq(feats, ff, rcond=None)[0]
        return surface_terms(feats, ff, coef_full, 1 + m, SURFACE_ALPHA)

    def surface_noise():
        """Residual sd of each statistic about the full surface (weighted units), or None when
        fewer than NOISE_DOF degrees of freedom are left."""
        zz, ff = kept_points()
        feats = features(zz - z[live])
        left = int(zz.shape[0]) - feats.shape[1]
        if left < NOISE_DOF:
            return None
        r = ff - feats @ coef_full
        return np.sqrt(np.sum(r * r, axis=0) / left)

    def profile(i, coef):
        """Grid of z_i across the bounds and the surface's profile chi2 on it."""
        k = live.index(i)
        others = [a for a in range(len(live)) if a != k]
        grid = np.linspace(lo[i], hi[i], PROFILE_GRID)
        prof = np.empty(grid.size)
        start = z[live][others]
        lo_o, hi_o = lo[live][others], hi[live][others]
        # walk outwards from the optimum, each solve started from its neighbour's solution
        order = np.argsort(np.abs(grid - z[i]))
        memo = {}
        for g in order:
            def r(y, g=g):
                v = np.empty(len(live))
                v[k] = grid[g]
                v[others] = y
                return (features(v - z[live]) @ coef)[0]
            if others:
                near = min(memo, key=lambda h: abs(h - g)) if memo else None
                y0 = np.clip(memo[near] if near is not None else start, lo_o, hi_o)
                sol = least_squares(r, y0, bounds=(lo_o, hi_o), method="trf")
                memo[g] = sol.x
                prof[g] = 2.0 * sol.cost
            else:
                prof[g] = float(r(np.empty(0)) @ r(np.empty(0)))
        return grid, prof

    def ends(i, coef):
        grid, prof = profile(i, coef)
        inside = prof <= prof.min() + level
        j = int(np.argmin(prof))
        a = j
        while a > 0 and inside[a - 1]:
            a -= 1
        b = j
        while b < grid.size - 1 and inside[b + 1]:
            b += 1
        # interpolate the crossings between grid points
        def cross(u, v):
            pu, pv = prof[u] - prof.min() - level, prof[v] - prof.min() - level
            return grid[u] + (grid[v] - grid[u]) * pu / (pu - pv) if pu != pv else grid[u]
        z_lo = lo[i] if a == 0 else cross(a - 1, a)
        z_hi = hi[i] if b == grid.size - 1 else cross(b, b + 1)
        # Where the surface's minimum and the best evaluated point disagree, neither location
        # is sure: the interval holds the surface's and the same moved to put its minimum on
        # the value (the minimum located between grid points by a parabola through three).
        v = grid[j]
        if 0 < j < grid.size - 1:
            c0, c1, c2 = prof[j - 1], prof[j], prof[j + 1]
            den = c0 - 2 * c1 + c2
            v += 0.5 * (c0 - c2) / den * (grid[1] - grid[0]) if den > 0 else 0.0
        shift = z[i] - v
        shifts[i] = float(shift)
        z_lo, z_hi = max(min(z_lo, z_lo + shift), lo[i]), min(max(z_hi, z_hi + shift), hi[i])
        return z_lo, z_hi, z_lo <= lo[i], z_hi >= hi[i]

    quad = False
    coef_full = None
    shifts: dict = {}
    first = []
    for i in live:
        sd = math.sqrt(cov[i, i] * scale)
        for side in (-1, 1):
            room = (hi[i] - z[i]) if side > 0 else (z[i] - lo[i])
            first += [(i, side * min(t * sd, t / PROFILE_T[-1] * 0.5 * room)) for t in PROFILE_T if room > 1e-9]
    sample(first)
    for _ in range(PROFILE_ROUNDS):
        coef = fit_surface()
        todo = []
        for i in live:
            k = live.index(i)
            span = (min(p_[k] for p_ in pts_z), max(p_[k] for p_ in pts_z))
            z_lo, z_hi, _, _ = ends(i, coef)
            w = max(z_hi - z_lo, 1e-12)
            if z_lo < span[0] - 0.1 * w:
                todo.append((i, max(z_lo, lo[i]) - z[i]))
            if z_hi > span[1] + 0.1 * w:
                todo.append((i, min(z_hi, hi[i]) - z[i]))
        if not todo:
            break
        sample(todo)
    coef = fit_surface()
    noise = surface_noise()
    factors = np.ones(len(pts_f[0]))
    if floor is not None and noise is not None:
        factors = np.minimum(np.asarray(floor(noise), dtype=float), 1.0)
        if np.any(factors < 1.0 - 1e-12):
            pts_f = [ff * factors for ff in pts_f]
            chi2 = float(np.sum((np.asarray(f, dtype=float) * factors) ** 2))
            scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
            level = CHI2_95 * scale
            coef = fit_surface()
    if diag is not None:
        diag.update(noise=None if noise is None else noise.tolist(), factors=factors.tolist(), chi2=chi2)
    for i in live:
        n = names[i]
        z_lo, z_hi, at_lo, at_hi = ends(i, coef)
        p = out[n]
        p["gauss_newton_ci95"] = list(p["ci95"])
        p["ci95"] = [co.x(i, z_lo), co.x(i, z_hi)]
        p["ln_sd"] = co.rel_sd(i, z[i], float(z_hi - z_lo) / (2 * math.sqrt(CHI2_95)))
        p["profile_at_bound"] = [bool(at_lo), bool(at_hi)]
        p["profile_surface"] = "quadratic" if quad else "linear"
        p["profile_shift"] = co.rel_sd(i, z[i], abs(shifts[i]))  # surface minimum - value (as ln_sd)
        reasons = [r for r in p["why_not"].split("; ") if r and not r.startswith("its 95 % interval")]
        if at_lo and at_hi:
            reasons.append("its profile stays below the 95 % level across the whole allowed range")
        p["determined"] = not reasons
        p["why_not"] = "; ".join(reasons)
        if p["determined"] and (at_lo or at_hi):
            one = (f"the 95 % interval reaches the {'lower' if at_lo else 'upper'} bound: the data give "
                   f"only {'an upper' if at_lo else 'a lower'} limit")
            p["note"] = f"{p['note']}; {one}" if p["note"] else one
        if not p["determined"]:
            p["ci95"] = [co.x(i, lo[i]), co.x(i, hi[i])]
            p["ln_sd"] = None
    return out
