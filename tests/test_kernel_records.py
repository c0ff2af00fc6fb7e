"""Issue 15, item 3: the ensemble kernels take typed records (kernels/records.py).

Numba's parallel loops handle tuples poorly: with records built inside a ``prange`` body, a
zero-bias hybrid relaxation came out wrong without any error (it relaxed 4x faster).  This
test drives the same relaxation two ways -- ``spicemem.simulate`` (the parallel ensemble
kernel) and a plain Python loop over :func:`advance_hybrid` per device and record (no
parallel loop) -- and requires the same numbers to the last bit: both take exactly the same
floating-point operations and random draws.  3 devices x 40 records, ~1 s once compiled.
"""

import numpy as np

from spicemem import simulate
from spicemem.devices.ensemble import initial_state
from spicemem.experiments import hybrid_validation as hv
from spicemem.kernels import hopping as hk
from spicemem.kernels.diffusive import P_LAM, resistance
from spicemem.kernels.records import Core, HybridDevice, HybridModel, Waveform


def test_the_parallel_hybrid_ensemble_equals_a_serial_loop_over_devices():
    params = hv.params_for(0.15)  # k_B T/w_p = 0.15: the mixed and hopping regimes are used
    x0, temp0 = hv.post_pulse_states(0.15, 3, 1)
    window = 1e-3
    t_out = np.concatenate([[0.0], np.geomspace(1e-8, window, 39)])
    res = simulate(params, [0.0, window], [0.0, 0.0], realizations=3, seed=4, x0=x0,
                   temperature0=temp0, t_out=t_out)

    sc, core = params.scales, params.core
    dt = core.dt
    steps = np.clip(np.rint(t_out / sc.time / dt).astype(np.int64), 0, None)
    _, states = initial_state(params, 3, 4)
    model = HybridModel(Core(core.table, core.inv_dx, core.p.copy()), core.hybrid_control,
                        tuple(core.hop_tables))
    wave = Waveform(np.array([0.0, window / sc.time]), np.zeros(2))
    kmax = core.hop_tables.minima.shape[1]
    for r in range(3):
        x = np.ascontiguousarray(x0[r] / sc.length)
        order = np.arange(x.size, dtype=np.int64)  # as ensemble.simulate
        crn = np.zeros((1, hk.N_CRN))
        hk.init_crn(states[r:r + 1], crn)
        dev = HybridDevice(x, order, np.zeros(kmax, np.int64),
                           np.array([hk.MODE_LANGEVIN, 0], np.int64), states[r].copy(), crn[0])
        th = float(sc.theta(temp0[r]))
        cur = 0.0
        g = []
        for col, s in enumerate(steps):
            tk = s * dt
            if tk > cur:
                th, cur = hk.advance_hybrid(dev, th, model, wave, cur, tk, dt)
            dev.crn[hk.C_EPOCH] = hk._OUT_INDEX + col  # outputs are keyed by their column
            hk.materialize(x, dev.counts, dev.mode, th, dev.crn, model.hop, core.p[1], 0.0)
            g.append(1.0 / resistance(x, order, core.p[P_LAM]))
        np.testing.assert_array_equal(res.conductance[r], np.array(g) * sc.conductance,
                                      err_msg=f"device {r}")
    assert np.ptp(res.conductance) > 0  # the devices relax: the comparison tests dynamics
