"""What the pieces of a hybrid device's per-call work cost, on real device states (issue 17,
lever 3).

bench/active_breakdown.py measures ~6 us of kernel CPU per device and accepted point beyond
the Langevin particle-steps.  This runs bench/active.py's array (R x R, ``dt_factor`` 0.2),
replays its devices to 7 us (mid-plateau) outside ngspice, and times each piece of the
hybrid integrator's per-call work on the devices' states there, in a compiled loop
(CPU us per call, mean over up to 16 devices of each regime): eq. 3 (resistance), the
regime check after a Langevin chunk (assign_basins + basin_rates + occupied_margin +
settled), basin_rates alone, draw_positions (the Boltzmann draw of a hopping device's
positions: every accepted point of a hopping device, and every regime change), one
Gillespie macro-step, and eight small allocations (the records and buffers of a call).

Usage: python bench/hybrid_pieces.py [R]   (default 8; the machine's load inflates CPU
times less than wall times, but still: quote the load)
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import active_breakdown as ab  # noqa: E402  (bench/active_breakdown.py: the array, the kernel type)
import numba  # noqa: E402
from numba import njit  # noqa: E402

from spicemem.bridge import run_netlist  # noqa: E402
from spicemem.devices.diffusive import DiffusiveParams  # noqa: E402
from spicemem.kernels import hopping as H  # noqa: E402
from spicemem.kernels.diffusive import P_FIELD, P_LAM, resistance  # noqa: E402

numba.set_num_threads(1)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 8
p = DiffusiveParams.from_preset("wang2017_paper", friction_ratio=10, heating_ratio=20, theta_ambient=0.35, dt_factor=0.2)
text = ab.netlist(N, 10e-6, 0.5e-6, 1.0/(p.g_max*0.02), 0.2)
r = run_netlist(text, seed=1)
# replay to the middle of the plateau, keep state
from spicemem.bridge.netlist import read_netlist
from spicemem.bridge.run import _device_specs
from spicemem.bridge.session import DeviceArrays
specs, info, _ = _device_specs(read_netlist(text), 1)
dev = DeviceArrays(specs, info); (grp,) = dev.groups
fn = ab.KERNEL(grp.kernel); block = int(grp.block.ctypes.data)
t, volt = r.time, r.voltage
kstop = int(np.searchsorted(t, 7e-6))
for k in range(1, kstop):
    dev.v0[:] = volt[:, k-1]; dev.v1[:] = volt[:, k]
    fn(block, float(t[k-1]), float(t[k]))
A = grp.arrays
fs, ist, counts, modes, rng, pv = A["fstate"], A["istate"], A["counts"], A["modes"], A["rng"], A["p"]
npart = A["n_particles"]
print("modes at 7us:", np.bincount(modes[:,0], minlength=3), "theta", fs[:, npart].min(), fs[:, npart].max())
core = p.core; tab = core.hop_tables; hc = core.hybrid_control
K = 2000

@njit
def t_resistance(x, order, lam, K):
    s = 0.0
    for _ in range(K):
        s += resistance(x, order, lam)
    return s
@njit
def t_check(x, tab, j, dvr, theta, a, counts, rr, rl, margin, local, K):
    s = 0
    for _ in range(K):
        H.assign_basins(x, tab, j, counts)
        H.basin_rates(tab, j, dvr, theta, a, rr, rl, margin)
        if H.occupied_margin(counts, margin, tab[2][j]) >= 4.5:
            s += H.settled(x, tab, j, dvr, a, theta, local)
    return s
@njit
def t_rates(tab, j, dvr, theta, a, rr, rl, margin, K):
    for _ in range(K):
        H.basin_rates(tab, j, dvr, theta, a, rr, rl, margin)
    return margin[0]
@njit
def t_draw(x, counts, tab, j, theta, state, a, dv, K):
    for _ in range(K):
        H.draw_positions(x, counts, tab, j, theta, state, a, dv)
    return x[0]
@njit
def t_alloc(n, kmax, K):
    s = 0.0
    for _ in range(K):
        a1 = np.empty(2); a2 = np.empty(2); a3 = np.empty(kmax, dtype=np.int64); a4 = np.empty(kmax)
        a5 = np.empty(kmax); a6 = np.empty(kmax); a7 = np.empty(n); a8 = np.empty(2001)
        a1[0] = 1.0; a8[0] = 1.0; a7[0] = 1.0
        s += a1[0] + a8[0] + a7[0] + a3.shape[0] + a4.shape[0] + a5.shape[0] + a6.shape[0] + a2.shape[0]
    return s
@njit
def t_gill(counts, rr, rl, margin, nb, span, state, K):
    c = counts.copy()
    crn = np.full(H.N_CRN, -1.0)
    for _ in range(K):
        c[:] = counts
        H.gillespie(c, rr, rl, margin, 3.5, nb, span, state, crn, True)
    return c[0]

def clock(f, *a):
    f(*a[:-1], 10)
    c0 = time.process_time(); f(*a); return 1e6 * (time.process_time() - c0) / a[-1]

out = {}
lam = pv[0, P_LAM]; a = pv[0, P_FIELD]
kmax = counts.shape[1]
rr = np.empty(kmax); rl = np.empty(kmax); mg = np.empty(kmax)
out["alloc_8_arrays_us"] = clock(t_alloc, npart, kmax, K)
vscale = p.v_threshold
for mode_name, mcode in (("langevin", H.MODE_LANGEVIN), ("hopping", H.MODE_HOPPING)):
    idx = np.where(modes[:, 0] == mcode)[0]
    res = {"devices": len(idx)}
    if len(idx) == 0:
        out[mode_name] = res; continue
    vals = {"resistance": [], "regime_check": [], "basin_rates": [], "draw_positions": [], "gillespie": [], "occupied_basins": []}
    for d in idx[:16]:
        x = fs[d, :npart].copy(); order = ist[d, :npart].copy(); th = fs[d, npart]
        gi = grp.indices[d]; v = volt[gi, kstop-1] / vscale
        j, dvr = H.landscape_index(v, tab.v[0], 1.0/(tab.v[1]-tab.v[0]), tab.v.size)
        c = counts[d].copy()
        if mcode == H.MODE_HOPPING:
            j = modes[d, 1]; dvr = v - tab.v[j]
        else:
            H.assign_basins(x, tab, j, c)
        st = rng[d].copy()
        vals["occupied_basins"].append(int((c > 0).sum()))
        vals["resistance"].append(clock(t_resistance, x, order, lam, K))
        vals["regime_check"].append(clock(t_check, x, tab, j, dvr, th, a, c.copy(), rr, rl, mg, hc[H.H_LOCAL], K))
        vals["basin_rates"].append(clock(t_rates, tab, j, dvr, th, a, rr, rl, mg, K))
        vals["draw_positions"].append(clock(t_draw, x.copy(), c, tab, j, th, st, a, dvr, K // 4))
        H.basin_rates(tab, j, dvr, th, a, rr, rl, mg)
        h = (t[kstop] - t[kstop-1]) / p.tau_thermal
        vals["gillespie"].append(clock(t_gill, c, rr, rl, mg, tab.n_basins[j], h, st, K))
    for k2, v2 in vals.items():
        res[k2] = round(float(np.mean(v2)), 3)
    out[mode_name] = res
print(json.dumps(out))
