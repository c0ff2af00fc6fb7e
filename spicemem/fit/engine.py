"""The fit: weighted least squares on summary statistics, evaluated in parallel batches
through the sweep engine, with a Gauss-Newton (Fisher) covariance (docs/fit.md says why).

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
#: Correlations beyond this are reported in a note ("the data fix a combination").
CORRELATION_LIMIT = 0.98
#: Profile-likelihood points on each side of a parameter, in units of its Gauss-Newton
#: standard error (docs/fit.md): the profile is sampled where it rises by ~2 and ~9.
PROFILE_T = (1.0, 2.0, 3.0)
#: Rounds of sampling after the first, each at the predicted ends of the interval that lie
#: beyond the samples.
PROFILE_ROUNDS = 2
#: Profile samples more than this above the optimum's chi2 are left out of the quadratic
#: fit (far out, a profile in ln parameters is no longer quadratic); 5^2.
PROFILE_KEEP = 25.0
#: Evaluations allowed for the profile per fitted parameter, beyond ``max_evaluations``:
#: 2 sides x (len(PROFILE_T) + PROFILE_ROUNDS) points x (the point + its nuisance step).
PROFILE_BUDGET = 2 * (len(PROFILE_T) + PROFILE_ROUNDS) * 2
#: chi2 quantile of a 95 % interval of one parameter (1.96^2).
CHI2_95 = 1.959963984540054 ** 2


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
            "devices": spec.devices, "crn_seed": int(crn_seed),
            "conditions": [list(c) for c in spec.conditions()],
            "observations": [{"kind": o.kind, "temperatures": list(o.temperatures)} for o in spec.observations]}


def _key(x) -> str:
    return json.dumps([float(v) for v in x])


class Evaluator:
    """Model evaluations by batch, through :func:`spicemem.sweep.run_sweep` (python target),
    remembered in the checkpoint."""

    def __init__(self, spec, out: Path, problem: dict, digest: str, *, workers, scheduler, log, progress):
        self.spec, self.out, self.problem, self.digest = spec, out, problem, digest
        self.workers, self.scheduler, self.log, self.progress = workers, scheduler, log, progress
        self.cache: dict = {}
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
    from scipy.optimize import least_squares

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
    lo = np.log([p.lo for p in spec.parameters])
    hi = np.log([p.hi for p in spec.parameters])
    z0 = np.log([p.start for p in spec.parameters])
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

    # Weights: data and simulation errors added in quadrature, the simulation's taken at the
    # start and held fixed while optimising (a weight that moved with the parameters would
    # make the objective rough); the covariance below uses those at the optimum.
    s0, se0 = stats(ev([np.exp(z0)])[0])
    sigma = np.sqrt(sig_d**2 + se0**2)
    memo: dict = {}

    def both(z):
        key = _key(z)
        if key not in memo:
            pts = stencil(np.asarray(z, dtype=float))
            res = ev([np.exp(p) for p in pts])
            f0 = (stats(res[0])[0] - data) / sigma
            jac = np.zeros((nobs, npar))
            for i in range(npar):
                jac[:, i] = ((stats(res[i + 1])[0] - data) / sigma - f0) / (pts[i + 1][i] - pts[0][i])
            memo[key] = (f0, jac)
        return memo[key]

    # Start: the given start and a Latin hypercube over the bounds, one parallel batch; the
    # trust region begins from the best of them (on a narrow curved valley a single start
    # can stall far along it, docs/fit.md).
    starts = [z0] + list(latin_hypercube(lhs_points(npar), lo, hi, crn))
    budget_hit = False
    try:
        f_starts = [(stats(r)[0] - data) / sigma for r in ev([np.exp(z) for z in starts])]
        z_init = starts[int(np.argmin([float(f @ f) for f in f_starts]))]
        ls_opts = dict(bounds=(lo, hi), method="trf", x_scale="jac", xtol=1e-6, ftol=1e-6, gtol=1e-8)
        sol = least_squares(lambda z: both(z)[0], z_init, jac=lambda z: both(z)[1],
                            max_nfev=max(2, spec.max_evaluations // (npar + 1)), **ls_opts)
        status = sol.message
        # a restart with a fresh trust region from where it stopped, until it gains no more
        # than 0.1 in chi2 (the step tolerance stops a trust region that shrank on the kinks
        # of the statistics, not only one at the minimum)
        for _ in range(3):
            again = least_squares(lambda z: both(z)[0], sol.x, jac=lambda z: both(z)[1],
                                  max_nfev=max(2, spec.max_evaluations // (npar + 1)), **ls_opts)
            gain = 2.0 * (sol.cost - again.cost)
            if again.cost < sol.cost:
                sol = again
                status = again.message + " (after a restart)"
            if gain < 0.1:
                break
    except _Budget:
        budget_hit = True
        status = f"stopped: the evaluation budget ({spec.max_evaluations}) was used up"
    # the best point evaluated with its Jacobian (the trust region's last point may be a
    # rejected trial)
    z_best = np.array(json.loads(min(memo, key=lambda k: float(np.sum(memo[k][0] ** 2)))))
    f_best, jac = both(z_best)
    st_best = ev([np.exp(z_best)])[0]
    s_best, se_best = stats(st_best)
    sigma_best = np.sqrt(sig_d**2 + se_best**2)
    jac = jac * (sigma / sigma_best)[:, None]
    resid = (s_best - data) / sigma_best
    chi2 = float(resid @ resid)
    unc = uncertainties(jac, chi2, nobs, lo, hi, z_best, names)
    # Profile-likelihood intervals along the valley (docs/fit.md), with the weights of the
    # optimum held fixed; their evaluations are counted beyond max_evaluations.
    ev.limit = len(ev.cache) + PROFILE_BUDGET * npar

    def residuals(zs):
        return [(stats(r)[0] - data) / sigma_best for r in ev([np.exp(z) for z in zs])]

    try:
        prof = profile_intervals(residuals, z_best, resid, jac, lo, hi, names, unc, chi2, nobs)
    except _Budget:
        prof = None
        status += "; the profile-likelihood budget was used up: Gauss-Newton intervals reported"
    if prof is not None:
        unc = prof
    dof = nobs - sum(1 for p in unc.values() if not p["why_not"].startswith("flat"))
    wall = time.perf_counter() - t_start
    report = {
        "fit_file": spec.source, "preset": spec.preset, "name": spec.name, "seed": crn,
        "digest": digest, "status": status, "budget_exhausted": budget_hit,
        "parameters": unc, "chi2": chi2, "dof": dof,
        "interval_method": "profile likelihood" if prof is not None else "Gauss-Newton",
        "observations": [{"label": o.label, "kind": o.kind, "temperatures": list(o.temperatures),
                          "data": o.value, "data_sigma": o.sigma, "model": float(s_best[j]),
                          "model_sigma": float(se_best[j]), "pull": float(resid[j])}
                         for j, o in enumerate(spec.observations)],
        "start": dict(zip(names, np.exp(z0).tolist())),
        "start_chi2": float(np.sum(((s0 - data) / np.sqrt(sig_d**2 + se0**2)) ** 2)),
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


def uncertainties(jac, chi2, nobs, lo, hi, z, names) -> dict:
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
        lo95 = math.exp(z[i] - 1.96 * sd[i]) if det else math.exp(lo[i])
        hi95 = math.exp(z[i] + 1.96 * sd[i]) if det else math.exp(hi[i])
        out[n] = {"value": math.exp(z[i]), "ln_sd": float(sd[i]) if det else None,
                  "ci95": [lo95, hi95], "determined": det, "why_not": "; ".join(reasons), "note": note,
                  "correlations": {names[j]: (float(corr[i, j]) if np.isfinite(corr[i, j]) else None)
                                   for j in range(len(names)) if j != i},
                  "sensitivity": float(norms[i])}
    return out


def profile_intervals(residuals, z, f, jac, lo, hi, names, unc, chi2, nobs) -> dict:
    """Profile-likelihood 95 % intervals of the determined parameters, in ln.

    ``residuals(zs)`` returns the weighted residual vector at each point of ``zs`` (ln
    parameters); ``z``, ``f``, ``jac``: the optimum, its residuals and Jacobian; ``unc``:
    the Gauss-Newton result of :func:`uncertainties`, which guides the design and is
    returned updated.

    For parameter i the profile chi2_p(z_i) = min over the others of chi2 is sampled at
    z_i = z_i* +- t sd_i (t in PROFILE_T, sd_i its Gauss-Newton standard error): the others
    are first set on the Gauss-Newton valley floor (the conditional minimum,
    z + cov[:, i] / cov[i, i] dz_i), then moved by one Gauss-Newton step of their own from
    the residuals found there (a curved valley leaves its straight line).  Per side,
    sqrt(chi2_p - chi2*) is fitted by a line through the optimum (exact for a quadratic
    profile; a least-squares line averages the statistics' small kinks), and the interval
    ends where it reaches sqrt(3.84 s), s = chi2/dof if that exceeds 1.  An end predicted
    beyond the sampled points is sampled once more there.  An end that reaches a bound is
    the bound; a parameter with both ends at its bounds is not determined.
    """
    out = {n: dict(v) for n, v in unc.items()}
    live = [i for i, n in enumerate(names) if not unc[n]["why_not"].startswith("flat")]
    if not live:
        return out
    sub = jac[:, live]
    cov = np.zeros((len(names), len(names)))
    cov[np.ix_(live, live)] = np.linalg.pinv(sub.T @ sub, rcond=1e-10, hermitian=True)
    dof = nobs - len(live)
    scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
    chi0 = float(f @ f)
    lowest = chi0

    def design(i, d):
        zp = z.copy()
        zp[live] += cov[live, i] / cov[i, i] * d
        zp[i] = z[i] + d
        return np.clip(zp, lo, hi)

    def sample(points):
        """points: [(i, d)] -> found[i] gets (d, profile chi2) for each."""
        nonlocal lowest
        first = residuals([design(i, d) for i, d in points])
        second = []
        for (i, d), fp in zip(points, first):
            zp = design(i, d)
            others = [j for j in live if j != i]
            if others:
                zp[others] += np.linalg.lstsq(jac[:, others], -fp, rcond=None)[0]
            second.append(np.clip(zp, lo, hi))
        refined = residuals(second)
        for (i, d), fp, fq in zip(points, first, refined):
            c = min(float(fp @ fp), float(fq @ fq))
            lowest = min(lowest, c)
            found[i].append((float(d), c))

    def halfwidths(i):
        """(low, high) distances in ln from the optimum to the 95 % ends: chi2_p = c + a_- d^2
        (d < 0) and c + a_+ d^2 (d > 0) fitted to the samples within PROFILE_KEEP of the
        optimum's chi2 (c absorbs the luck of the optimum, the lowest of many noisy values;
        a quadratic per side keeps an asymmetric profile asymmetric).  inf on a side whose
        curvature is not positive."""
        d, c = np.array(sorted(found[i])).T
        keep = c - chi0 <= PROFILE_KEEP
        for side in (-1, 1):  # at least the nearest sample of each side
            on = np.nonzero(np.sign(d) == side)[0]
            if on.size and not keep[on].any():
                keep[on[np.argmin(np.abs(d[on]))]] = True
        d, c = d[keep], c[keep]
        a = np.stack([np.ones_like(d), np.where(d < 0, d * d, 0.0), np.where(d > 0, d * d, 0.0)], axis=1)
        coef = np.linalg.lstsq(a, c, rcond=None)[0]
        return tuple(math.sqrt(CHI2_95 * scale / k) if k > 0 else math.inf for k in coef[1:])

    found = {i: [(0.0, chi0)] for i in live}
    # first samples at PROFILE_T Gauss-Newton standard errors, but within half the room to
    # the bound (a nearly singular Jacobian gives a huge sd)
    first = []
    for i in live:
        sd = math.sqrt(cov[i, i] * scale)
        for side in (-1, 1):
            room = (hi[i] - z[i]) if side > 0 else (z[i] - lo[i])
            first += [(i, side * min(t * sd, t / PROFILE_T[-1] * 0.5 * room)) for t in PROFILE_T if room > 1e-9]
    sample(first)
    for _ in range(PROFILE_ROUNDS):
        todo = []
        for i in live:
            hw = halfwidths(i)
            for side, h in zip((-1, 1), hw):
                far = max((abs(d) for d, _ in found[i] if np.sign(d) == side), default=0.0)
                room = (hi[i] - z[i]) if side > 0 else (z[i] - lo[i])
                e = min(h if math.isfinite(h) else 2 * far, room)
                if e > 1.1 * far and far < room - 1e-9:  # an end beyond the samples: sample it
                    todo.append((i, side * e))
        if not todo:
            break
        sample(todo)
    for i in live:
        n = names[i]
        h_lo, h_hi = halfwidths(i)
        d_lo, d_hi = min(h_lo, z[i] - lo[i]), min(h_hi, hi[i] - z[i])
        at_lo, at_hi = h_lo >= z[i] - lo[i], h_hi >= hi[i] - z[i]
        p = out[n]
        p["gauss_newton_ci95"] = list(p["ci95"])
        p["ci95"] = [math.exp(z[i] - d_lo), math.exp(z[i] + d_hi)]
        p["ln_sd"] = float(d_lo + d_hi) / (2 * math.sqrt(CHI2_95))
        p["profile"] = [[d, c] for d, c in sorted(found[i])]
        p["profile_at_bound"] = [bool(at_lo), bool(at_hi)]
        reasons = [r for r in p["why_not"].split("; ") if r and not r.startswith("its 95 % interval")]
        if at_lo and at_hi:
            reasons.append("its profile stays below the 95 % level across the whole allowed range")
        p["determined"] = not reasons
        p["why_not"] = "; ".join(reasons)
        if not p["determined"]:
            p["ci95"] = [math.exp(lo[i]), math.exp(hi[i])]
            p["ln_sd"] = None
    if lowest < chi0 - 0.5:
        for i in live:
            out[names[i]]["note"] = ((out[names[i]]["note"] + "; ") if out[names[i]]["note"] else "") + (
                f"the profile found chi2 {lowest:.2f} below the optimum's {chi0:.2f}: the optimiser "
                f"stopped short; the interval is measured from the reported value")
    return out
