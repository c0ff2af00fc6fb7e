"""Fingerprints of the compiled paths at fixed seeds: a refactor of a kernel's signature
must leave every number of these runs unchanged, bit for bit (issue 15, item 3).

Runs, all small (about a minute once compiled):
  ensemble_langevin   spicemem.simulate, Langevin integrator, 4 devices, a pulse + relaxation,
                      series resistance (eq. 3 and heating), particle snapshots
  ensemble_hybrid     the same with the hybrid integrator (hopping after the pulse)
  hybrid_relaxation   hybrid zero-bias relaxations from given positions and temperatures at
                      k_B T/w_p = 0.15 (the mixed regime: what bench/fast_path.py times)
  build_tables        the hop tables of a preset (every array of HopTables)
  bridge_diffusive    run_netlist of two diffusive devices (Langevin and hybrid cards) behind
                      a resistor, pulse then rest
  bridge_drift_rram   run_netlist of a drift and an RRAM device
  bridge_parallel     run_netlist of 64 hybrid diffusive devices (a group that large runs on
                      Numba's threads: bridge.kernels.PARALLEL_MIN_DEVICES) relaxing at
                      k_B T/w_p = 0.15 after a pulse
  standalone_drift/rram  simulate_drift, simulate_rram (variation on)

Writes {name: sha256 of the arrays' bytes} as JSON (``--out``) and, with ``--compare FILE``,
exits 1 listing the runs whose fingerprint differs.

Run: python bench/bit_identity.py --out before.json ; (change) ;
     python bench/bit_identity.py --compare before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import numpy as np


def digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a, dtype=float))
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def ensemble(integrator: str) -> str:
    from spicemem import DiffusiveParams, pulse_train, simulate

    p = DiffusiveParams.from_preset("wang2017_paper", theta_ambient=0.35, friction_ratio=10.0,
                                    heating_ratio=20.0, integrator=integrator)
    t, v = pulse_train(1.2, 2e-6, 0.0, 1, tail=30e-6)
    r = simulate(p, t, v, realizations=4, seed=11, series_resistance=2e3, n_out=301,
                 snapshot_times=[1e-6, 20e-6])
    return digest(r.t, r.conductance, r.voltage, r.temperature, r.snapshots)


def relaxation() -> str:
    from spicemem import simulate
    from spicemem.experiments import hybrid_validation as hv

    x0, temp0 = hv.post_pulse_states(0.15, 3, 1)
    window = hv.PROTOCOLS[0.15][2]
    t_out = np.concatenate([[0.0], np.geomspace(1e-9, window, 200)])
    r = simulate(hv.params_for(0.15), [0.0, window], [0.0, 0.0], realizations=3, seed=1, x0=x0,
                 temperature0=temp0, t_out=t_out)
    return digest(r.t, r.conductance, r.temperature)


def tables() -> str:
    from spicemem import DiffusiveParams

    core = DiffusiveParams.from_preset("SiOxNy_Ag", integrator="hybrid").core
    return digest(*core.hop_tables, core.hybrid_control)


BRIDGE_DIFFUSIVE = """* bit identity: two diffusive devices
.model dl diffusive (preset=wang2017_paper theta_ambient=0.35 friction_ratio=10 heating_ratio=20 integrator=langevin)
.model dh diffusive (preset=wang2017_paper theta_ambient=0.35 friction_ratio=10 heating_ratio=20 integrator=hybrid)
V1 in 0 PWL(0 0 100n 1.2 2.1u 1.2 2.2u 0 30u 0)
R1 in a 2k
N1 a 0 dl
R2 in b 2k
N2 b 0 dh
.tran 50n 30u
.end
"""

BRIDGE_MEMORIES = """* bit identity: a drift and an RRAM device
.model tao drift (preset=TaOx)
.model mem rram (preset=stanford_hfox variation=1)
V1 in 0 PWL(0 0 10n 1.6 300n 1.6 310n 0 400n 0 410n -1.2 700n -1.2 710n 0 1u 0)
R1 in a 1k
N1 a 0 tao
R2 in b 1k
N2 b 0 mem state=hrs
.tran 5n 1u
.end
"""


def parallel_netlist(n: int = 64) -> str:
    lines = ["* bit identity: a parallel hybrid group",
             ".model dh diffusive (preset=wang2017_paper theta_ambient=0.15 friction_ratio=10 "
             "heating_ratio=20 integrator=hybrid)",
             "V1 in 0 PWL(0 0 100n 1.5 1.1u 1.5 1.2u 0 20u 0)"]
    for k in range(n):
        lines += [f"R{k} in a{k} 2k", f"N{k} a{k} 0 dh"]
    return "\n".join(lines + [".tran 50n 20u", ".end", ""])


def bridge(text: str) -> str:
    from spicemem.bridge import run_netlist

    r = run_netlist(text, seed=5)
    return digest(r.time, r.device_conductance, r.temperature, r.voltage,
                  *(r.vectors[k] for k in sorted(r.vectors)))


def standalone() -> dict:
    from spicemem.devices.drift import DriftParams, simulate_drift
    from spicemem.devices.rram import RRAMParams, simulate_rram
    from spicemem.devices.waveforms import pulse_train

    t, v = pulse_train(1.5, 2e-6, 0.0, 1, tail=1e-6)
    d = simulate_drift(DriftParams.from_preset("TaOx"), t, v, x0=[0.0, 0.05], series_resistance=100.0)
    t, v = pulse_train(1.6, 200e-9, 0.0, 1, tail=100e-9, rise=10e-9)
    r = simulate_rram(RRAMParams.from_preset("stanford_hfox", variation=True), t, v, realizations=3,
                      seed=7, series_resistance=500.0)
    return {"standalone_drift": digest(d.t, d.x, d.voltage, d.current),
            "standalone_rram": digest(r.t, r.gap, r.voltage, r.current, r.temperature)}


def fingerprints() -> dict:
    out = {"ensemble_langevin": ensemble("langevin"), "ensemble_hybrid": ensemble("hybrid"),
           "hybrid_relaxation": relaxation(),
           "build_tables": tables(), "bridge_diffusive": bridge(BRIDGE_DIFFUSIVE),
           "bridge_drift_rram": bridge(BRIDGE_MEMORIES), "bridge_parallel": bridge(parallel_netlist())}
    out.update(standalone())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="write the fingerprints to this JSON file")
    ap.add_argument("--compare", help="compare with the fingerprints in this JSON file")
    args = ap.parse_args(argv)
    fp = fingerprints()
    print(json.dumps(fp, indent=1))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(fp, fh, indent=1)
    if args.compare:
        with open(args.compare) as fh:
            ref = json.load(fh)
        bad = [k for k in ref if ref[k] != fp.get(k)]
        print("identical" if not bad else f"DIFFERENT: {', '.join(bad)}")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
