"""Speed of the Langevin kernel, side by side with a NumPy step and the RNG floor.

Prints one JSON line:
  particle_steps_per_s          our kernel, one thread, zero bias (relaxation: most steps)
  particle_steps_per_s_biased   our kernel, one thread, under bias (eq. 3 + heating each step)
  particle_steps_per_s_gaussian_noise  our kernel at zero bias with Gaussian increments (Box-
                                Muller) instead of the default three-point ones
  numpy_particle_steps_per_s    an Euler-Maruyama step vectorised with NumPy, 4 realizations
                                (a cheaper scheme than the kernel's stochastic Heun step)
  rng_floor_particle_steps_per_s  a Numba loop that only draws one Gaussian per particle-step
and the ratios of the first two to the floor.

Run: python bench/kernel.py [--steps N]
"""

from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np

from spicemem.devices.diffusive import DiffusiveParams
from spicemem.devices.ensemble import initial_state
from spicemem.kernels.diffusive import P_NOISE, advance, force


@numba.njit(cache=True)
def _rng_floor(n, seed):
    np.random.seed(seed)
    acc = 0.0
    for _ in range(n):
        acc += np.random.standard_normal()
    return acc


def _numpy_steps(core, x, theta, n_steps, rng):
    """A plain NumPy Euler-Maruyama step over all realizations (exact force, Gaussian noise)."""
    eta = core.p[2]
    dt = core.dt
    sig = np.sqrt(2 * theta * dt / eta)
    for _ in range(n_steps):
        f = force(x, core.w_i, core.r_1, core.x_c, core.r_p)
        x += f * dt / eta + sig * rng.standard_normal(x.shape)
        np.clip(x, -1.0, 1.0, out=x)
    return x


def best_of(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200_000)
    args = ap.parse_args(argv)
    numba.set_num_threads(1)
    params = DiffusiveParams.from_preset("wang2017_paper", theta_ambient=0.35)
    core = params.core
    n = params.n_particles
    x0, st0 = initial_state(params, 1, seed=1)
    order = np.arange(n, dtype=np.int64)
    tw = np.array([0.0, 1.0])

    def ours(v, pv=core.p):
        vw = np.array([v, v])
        x = x0[0].copy()
        st = st0[0].copy()
        advance(x, order, 0.35, st, core.table, core.inv_dx, pv, tw, vw, 0.0, args.steps, core.dt)

    p_gauss = core.p.copy()
    p_gauss[P_NOISE] = 1.0  # Gaussian increments by Box-Muller (the validation option)

    ours(0.0)
    ours(1.0)  # compile
    _rng_floor(10, 1)
    t_zero = best_of(lambda: ours(0.0))
    t_bias = best_of(lambda: ours(1.0))
    t_gauss = best_of(lambda: ours(0.0, p_gauss))
    t_floor = best_of(lambda: _rng_floor(args.steps * n, 1))
    rng = np.random.default_rng(1)
    xs = np.tile(x0[0], (4, 1))
    np_steps = max(args.steps // 50, 100)
    t_np = best_of(lambda: _numpy_steps(core, xs.copy(), 0.35, np_steps, rng), repeat=2)
    ps = args.steps * n
    out = {
        "bench": "kernel",
        "particles": n,
        "steps": args.steps,
        "particle_steps_per_s": ps / t_zero,
        "particle_steps_per_s_biased": ps / t_bias,
        "particle_steps_per_s_gaussian_noise": ps / t_gauss,
        "numpy_particle_steps_per_s": np_steps * 4 * n / t_np,
        "rng_floor_particle_steps_per_s": ps / t_floor,
    }
    out["ratio_to_rng_floor"] = out["particle_steps_per_s"] / out["rng_floor_particle_steps_per_s"]
    out["ratio_biased_to_rng_floor"] = out["particle_steps_per_s_biased"] / out["rng_floor_particle_steps_per_s"]
    out["ratio_to_numpy"] = out["particle_steps_per_s"] / out["numpy_particle_steps_per_s"]
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}))


if __name__ == "__main__":
    main()
