"""Time-step control of the co-simulation, and the splitting it controls.

The coupling (operator splitting)
---------------------------------
Let t_n be ngspice's accepted time points and G_n the devices' committed conductances.

1. Over a step (t_n, t_n+1] ngspice sees every memristor as the conductance G_n (held):
   every Newton iteration, of accepted and rejected trial points alike, gets G_n.
2. When ngspice accepts t_n+1 (SendData), each device is advanced from t_n to t_n+1 with
   its terminal voltage interpolated linearly between the solved V_n and V_n+1, and the new
   state is committed: G_n+1 is supplied for the next step.

Step 2 gives the device the exact voltage of a piecewise-linear drive (an ideal source
with its breakpoints, which ngspice hits); the error is in step 1: the circuit lags the
device by one step.  The local error of the current is |V (G(t) - G_n)| <= |V| |dG/dt| h,
so the splitting is first order in the step h, and it is small when the relative change
of G per step, |ln(G_n+1 / G_n)|, is small.  The controller therefore keeps that change
near ``tol`` and bounds the step by ``cap``:

    h_next = max(floor, min(ngspice's h, cap, tol * h_n / d_n)),
    d_n = max over devices of min(1, |V| / V_scale) |ln(G_n+1 / G_n)|   (measure="device";
          the default, measure="node", sums the devices at each node: see below),

computed before every step (GetSyncData, location 0) and again when ngspice redoes a step
(location 1).  ``floor`` bounds the controller from below: it never lowers a step under it,
so it cannot stall ngspice (a user-requested rejection skips ngspice's own minimum-step
check, and rejecting forever hangs it).  The controller never rejects a converged step:
ngspice tells its callbacks nothing about the solution at a trial point (SendData comes
only after acceptance), so there is no measured state change to reject on; limiting the
next step with the change just measured is what it can do, and with the cap the result
converges as the cap shrinks (``tests/test_bridge_accuracy.py``).

A stochastic device's conductance fluctuates at every bias (diffusive model at
k_B T0/w_p = 0.35: median |d ln G| 0.03-0.08, 99th percentile 0.1-0.33 between samples 1 ns
to 0.5 us apart).  The weight min(1, |V|/V_scale) drops the noise of unbiased devices, whose
current is zero, and the default ``tol`` = 0.5 sits above the noise, so the rate control
reacts to switching events (99th percentile 1-3.4 under a 2.5 V pulse) and the cap does the
rest.

The error measure
-----------------
``measure="node"`` (the default): d_n is not the largest change of any one device but the
largest share of lagging current at a circuit node.  For each node k that carries device
terminals, over the step

    d_k = ln(1 + sum_i w_i |V_i| |G_i,n+1 - G_i,n| / sum_i |V_i| min(G_i,n, G_i,n+1)),

summed over the devices i at node k, with |V_i| = max(|V_n|, |V_n+1|) and the weight
w_i = min(1, |V_i|/V_scale) as above; d_n = max_k d_k.  The numerator is the current the
lag withholds from (or adds to) the node -- the splitting error, |V (G(t) - G_n)| -- and the
denominator the device current the node carries, so d_k is the relative error of the
currents that the circuit sees at its nodes, and the errors of devices switching together on
one node add up.  For a device alone on a node (every single-device circuit) and w = 1 it is
|ln(G_n+1 / G_n)|, the ``measure="device"`` value, exactly; for w < 1 it is larger
(ln(1 + w (e^d - 1)) >= w d, by concavity), so single devices never get longer steps than
before.  In an array, one device among m on a row or column whose conductance fluctuates
(noise, or a switching event whose current is small next to its neighbours') costs ~1/m of
what it costs with ``measure="device"``.  Non-device currents at a node (a source, a load
resistor) are not counted, which only overstates d_k.

Why this is enough where the voltage of a device matters: the lag changes the voltages the
devices see only through the currents it withholds, and the voltage error at a node is that
current times the node's resistance, never more than the node's own voltage drop from the
same relative current change.  The proofs are the convergence tests (``tests/
test_bridge_accuracy.py``: single devices, compliance, rest cap; the active-array test
``test_active_array_converges_as_tol_halves``).

At rest
-------
The splitting error |V (G(t) - G_n)| vanishes with the device voltage, and a device's own
state (particles, temperature) is advanced by its kernel, which subdivides any step.  When
every device was unbiased over the last accepted step -- max(|V_n|, |V_n+1|) below
``rest_bias`` V_scale for each -- the cap is lifted to ``rest_cap`` (default: none beyond
ngspice's own maximum step, TMAX or else min(TSTEP, span/50)).  Pulses and PWL edges are
ngspice breakpoints, so the first step of a pulse starts at its edge; the cap is back from
the first accepted point with a bias.  Measured on the Fig. 5b netlists (3 V, 1 ms pulses,
t_zero up to 160 ms): see ``docs/bridge.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


#: Error measures of the rate control and their codes in the callbacks' context.
MEASURES = {"device": 0, "node": 1}


def node_ids(veca, vecb, nodea, nodeb) -> int:
    """Number the device terminals' nodes compactly for the node measure.

    ``veca``/``vecb`` (int64[D]) are the indices of each device's '+'/'-' node in ngspice's
    vector list (-1: ground, -2: missing); ``nodea``/``nodeb`` (int64[D]) receive compact
    ids 0..M-1 (-1 for ground or missing).  Returns M (<= 2 D).
    """
    ids = {}
    for vec, out in ((veca, nodea), (vecb, nodeb)):
        for k, v in enumerate(vec):
            v = int(v)
            out[k] = -1 if v < 0 else ids.setdefault(v, len(ids))
    return len(ids)


@dataclass(frozen=True)
class StepControl:
    """Step control of the bridge.

    Parameters
    ----------
    cap : float, optional
        Largest step, in s.  Default: ``cap_fraction`` times the smallest time scale of the
        devices in the netlist (for the diffusive memristor, the thermal time 1/kappa).
    cap_fraction : float
        See ``cap``.
    tol : float
        Target of the largest relative conductance change per step, max |ln(G_n+1/G_n)|,
        dimensionless; 0 turns the rate control off (cap only).
    floor : float, optional
        The controller never lowers a step below this, in s.  Default: ``cap / 64``.
    rest_cap : float, optional
        Largest step while every device is at rest (see the module docstring), in s.
        Default: none (ngspice's own maximum step).  Set it equal to ``cap`` to keep the
        cap at all times.
    rest_bias : float
        A device is at rest when its voltage stays below ``rest_bias`` times its voltage
        scale (V_th for the diffusive memristor) over a step; 0 turns the rest cap off.
    measure : str
        Error measure of the rate control: ``"node"`` (the relative lagging current at the
        devices' nodes, default) or ``"device"`` (the largest weighted |ln(G_n+1/G_n)| of
        any device, the measure before issue 17).  See the module docstring.
    """

    cap: float | None = None
    cap_fraction: float = 0.5
    tol: float = 0.5
    floor: float | None = None
    rest_cap: float | None = None
    rest_bias: float = 1e-3
    measure: str = "node"

    def __post_init__(self):
        for name in ("cap", "floor", "rest_cap"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v > 0):
                raise ValueError(f"step control: {name} must be a positive time in s, got {v!r}")
        if not (math.isfinite(self.cap_fraction) and self.cap_fraction > 0):
            raise ValueError(f"step control: cap_fraction must be > 0, got {self.cap_fraction!r}")
        if not (math.isfinite(self.tol) and self.tol >= 0):
            raise ValueError(f"step control: tol must be >= 0, got {self.tol!r}")
        if not (math.isfinite(self.rest_bias) and self.rest_bias >= 0):
            raise ValueError(f"step control: rest_bias must be >= 0, got {self.rest_bias!r}")
        if self.measure not in MEASURES:
            raise ValueError(f"step control: measure must be one of {sorted(MEASURES)}, "
                             f"got {self.measure!r}")

    def measure_code(self) -> int:
        """The context's code of ``measure`` (:mod:`spicemem.bridge.callbacks`, MEASURE)."""
        return MEASURES[self.measure]

    def resolve(self, time_scales) -> tuple:
        """(cap, tol, floor) in s, s^0, s for devices with the given time scales (s)."""
        scales = [float(s) for s in time_scales]
        if self.cap is not None:
            cap = self.cap
        elif scales:
            cap = self.cap_fraction * min(scales)
        else:
            cap = math.inf
        floor = self.floor if self.floor is not None else (cap / 64.0 if math.isfinite(cap) else 0.0)
        return cap, self.tol, min(floor, cap)

    def resolve_rest(self, cap: float) -> tuple:
        """(rest cap in s, rest bias): the cap while every device is at rest."""
        rest = math.inf if self.rest_cap is None else self.rest_cap
        return max(rest, cap), self.rest_bias
