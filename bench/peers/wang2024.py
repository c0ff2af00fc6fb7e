"""The compact diffusive memristor of T. Wang et al. (IEEE TCASAI 2024) as an ngspice subcircuit.

Our own port of the model's published equations, written for ngspice 39 B-sources (no
``rand``/``limit``/``if`` functions, which are LTspice's), so that the same generated netlists
can be run by plain ngspice through :func:`spicemem.bridge.run_netlist` (B-sources, capacitors,
resistors and a subcircuit: all on the bridge's allow-list).

Two forms (``form=``): ``"literal"``, the published if-cascade of the clamps as written, and
``"expert"`` (default), the clamps as stiff restoring rates, with which ngspice's implicit
step always has a solution (4.3x less CPU on the all-active array; see :func:`subcircuit`).

Equations (state f: the filament, r: the residual, both in [0, 1]; v the device voltage):

    a  = min(1, |v| mu / (alpha + 1 - f - r) - gamma1 f - beta f) - noise(f)
    b  = beta f - gamma2 r
    df/dt = a,  dr/dt = b                  (times in units of ``time_scale``)
    with the published clamps at the bounds f in [0, 1], r in [0, 1], f + r in [0, 1]
    s  = min(|f + r|, 1)
    R  = Ron s + Roff (exp((1 - s)/lambda) - 1) / (exp(1/lambda) - 1)
    I  = clip(v / R, 0, 10 mA),   a parasitic 10 pF across the device

``noise(f)``: in every interval dt, with probability 1 - exp(-kappa f^m dt), f loses the
fraction eta (the published cycle-to-cycle variation, drawn by LTspice's ``rand`` there).  Here
it is optional (``noise=True``) and uses an ngspice ``trrandom`` uniform source per device; the
benches run the peer without it, which is the peer's cheapest form.

``time_scale`` (s): the published parameters are in units of seconds (switching in ~0.1 s at
1 V); the benches rescale time so that the peer switches within the microsecond pulses of
``bench/bridge.py`` (every rate multiplied by 1/time_scale: the capacitors holding f and r are
``time_scale`` farads).  ``time_scale=1`` is the published model.

References
----------
T. Wang et al., "A faithful and compact diffusive memristor model," IEEE Trans. Circuits Syst.
Artif. Intell. 1(2), 141-148 (2024), doi:10.1109/TCASAI.2024.3484370.
The authors' LTspice files: https://github.com/TongWang-USC/Memristor-Model (MIT),
``Diffusive_model_core.cir`` and ``test_diffusive_voltage_single_pulse.cir`` (the parameters
below are those of the testbench).
"""

from __future__ import annotations

import math

#: The published testbench parameters (test_diffusive_*.cir of the authors' repository).
PUBLISHED = dict(alpha=0.1, lamda=0.1, ron=1.7e4, roff=1e10, mu=16.0, beta=0.35, gamma1=50.0,
                 gamma2=0.42, eta=0.01, dt=1e-3, kappa=200.0, m=2.0, cpar=1e-11)

NAME = "wang2024"

#: The ``.options`` a netlist of these devices runs best with: Gear's rule damps the stiff
#: restoring rates of the expert form, where the trapezoidal rule rings around the bound
#: (16x16 all-active array, 10 us: 2.4 Newton iterations a step instead of 3.2, -23 % CPU).
OPTIONS = "method=gear"


def _g(x: float) -> str:
    return f"{x:.10g}"


def subcircuit(time_scale: float = 1.0, noise: bool = False, name: str = NAME,
               form: str = "expert", stiffness: float = 1e4, **over) -> str:
    """The ``.subckt NAME p n`` text (ends with a newline).

    Parameters
    ----------
    time_scale : float
        Unit of time of the model's rates, in s (1: the published model).
    noise : bool
        Include the published stochastic shrink of the filament (a ``trrandom`` source).
    form : str
        ``"expert"`` (default): the clamps at the bounds as a stiff restoring term (see
        below), a and b inline; ``"literal"``: the published ``if`` cascade, a and b on
        internal nodes (the port before issue 17b, 4x slower).
    stiffness : float
        K of the expert form, in 1/``time_scale``: the state overshoots a bound by at most
        (a + b)/K (1.4e-4 at K = 1e4).
    **over
        Overrides of :data:`PUBLISHED` (dimensionless, except ron/roff in Ohm, cpar in F,
        dt in units of ``time_scale``).

    Notes
    -----
    Why two forms.  The published clamps make df/dt jump when the state reaches a bound:
    on the ON plateau f + r sits at 1, where df/dt is a (> 0) just below and -b just above.
    An implicit step (ngspice's trapezoidal or Gear rule) then has no solution: below 1
    the update pushes f + r above 1, above 1 it keeps f + r where it was.  Newton cycles
    between the two branches until ngspice's iteration limit and the step is cut: the
    literal port takes 11-17 Newton iterations per step on the all-active array (2.4 for
    plain resistors).  The expert form writes each clamp as a restoring rate that grows
    continuously past the bound,

        df/dt = a - K max(0, f + r - 1) - K max(0, f - 1) + K max(0, -f)
        dr/dt = b - K max(0, r - 1) + K max(0, -r),

    whose implicit step always has a solution.  At the bound it gives the published
    sliding motion (f + r held at 1 + (a + b)/K, df/dt = -b, dr/dt = b) up to an
    overshoot of (a + b)/K, the same regularisation that Verilog-A compact models use for
    their windows.  ``check_wang2024.py`` compares both forms with a SciPy solve of the
    published (unregularised) equations.
    """
    if form not in ("expert", "literal"):
        raise ValueError(f"wang2024 peer: form must be 'expert' or 'literal', got {form!r}")
    p = dict(PUBLISHED)
    unknown = set(over) - set(p)
    if unknown:
        raise ValueError(f"wang2024 peer: unknown parameter(s) {sorted(unknown)}")
    p.update(over)
    al, lam, ron, roff = p["alpha"], p["lamda"], p["ron"], p["roff"]
    mu, be, g1, g2 = p["mu"], p["beta"], p["gamma1"], p["gamma2"]
    # driving term of df/dt before the noise (published df(v, f, r))
    drive = (f"min(1, abs(V(p,n))*{_g(mu)}/({_g(al)}+1-V(f)-V(r)) - {_g(g1 + be)}*V(f))")
    lines = [f".subckt {name} p n"]
    if noise:
        dt = p["dt"]
        # uniform in [0, 1], a new value every dt (LTspice: rand(floor(time/dt)+777))
        lines.append(f"Vu u 0 dc 0 trrandom(1 {_g(dt * time_scale)} 0 0.5 0.5)")
        pf = f"(1-exp(-{_g(p['kappa'] * dt)}*pwr(max(0,min(1-1e-12,V(f))),{_g(p['m'])})))"
        shrink = f"((V(u) < {pf}) ? ({_g(p['eta'] / dt)}*max(0,min(1-1e-12,V(f)))) : (0))"
        drive = f"{drive} - {shrink}"
    if form == "expert":
        k = _g(stiffness)
        lines.append(f"Bf 0 f I = {{{drive} - {k}*max(0,V(f)+V(r)-1)"
                     f" - {k}*max(0,V(f)-1) + {k}*max(0,-V(f))}}")
        lines.append(f"Br 0 r I = {{{_g(be)}*V(f) - {_g(g2)}*V(r) - {k}*max(0,V(r)-1)"
                     f" + {k}*max(0,-V(r))}}")
    else:
        lines.append(f"Ba 0 xa I = {{{drive}}}")
        _literal_clamps(lines, be, g2)
    lines.append(f"Cf f 0 {_g(time_scale)}")
    lines.append("Rlf f 0 1e15")  # a DC path for the operating point (leak time 1e15 time_scale)
    lines.append(f"Cr r 0 {_g(time_scale)}")
    lines.append("Rlr r 0 1e15")
    s = "min(abs(V(f)+V(r)),1)"
    res = (f"({_g(ron)}*{s} + {_g(roff / (math.exp(1 / lam) - 1))}"
           f"*(exp((1-{s})/{_g(lam)})-1))")
    lines.append(f"Bm p n I = {{max(0, min(1e-2, V(p,n)/{res}))}}")
    lines.append(f"Cp p n {_g(p['cpar'])}")
    lines.append(f".ends {name}")
    return "\n".join(lines) + "\n"


def _literal_clamps(lines: list, be: float, g2: float) -> None:
    """The published if-cascade of Diffusive_model_core.cir (a on node xa, b on node xb)."""
    lines.append("Rxa xa 0 1")
    lines.append(f"Bb 0 xb I = {{{_g(be)}*V(f) - {_g(g2)}*V(r)}}")
    lines.append("Rxb xb 0 1")
    # the published clamps (dfdt, drdt of Diffusive_model_core.cir); V(xa) = a, V(xb) = b
    up = "((V(f)+V(r)) > 1 && (V(xa)+V(xb)) > 0)"
    lo = "((V(f)+V(r)) < 0 && (V(xa)+V(xb)) < 0)"
    lines.append(
        "Bf 0 f I = {(V(f) > 1 && V(xa) > 0) ? (0) : ((V(f) < 0 && V(xa) < 0) ? (0) : "
        f"({up} ? ((V(f) > 0) ? (-V(xb)) : (0)) : ({lo} ? ((V(f) < 1) ? (-V(xb)) : (0)) : (V(xa)))))}}")
    lines.append(
        "Br 0 r I = {(V(r) > 1 && V(xb) > 0) ? (0) : ((V(r) < 0 && V(xb) < 0) ? (0) : "
        f"({up} ? ((V(f) > 0) ? (V(xb)) : (0)) : ({lo} ? ((V(f) < 1) ? (V(xb)) : (0)) : (V(xb)))))}}")
