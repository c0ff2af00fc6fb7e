"""What a fit writes: ``fitted.toml`` (a preset usable at once), ``report.json`` and
``report.png`` (the measurements with the fitted model's median and spread)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math

import numpy as np

from ..io import atomic_savefig, atomic_write_json, atomic_write_text


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string (JSON escapes are TOML escapes)
    raise TypeError(f"cannot write {v!r} to TOML")


def fitted_toml(spec, report: dict) -> str:
    """The fitted preset: every DiffusiveParams field (the start preset's, the fitted ones
    replaced), and a ``fit`` sub-table with the uncertainties and correlations, which
    :meth:`DiffusiveParams.from_preset` skips."""
    base = spec.base_params()
    fitted = base.replace(**{n: p["value"] for n, p in report["parameters"].items()})
    pars = report["parameters"]
    desc = (f"Fitted by spicemem fit from {spec.source} (start: preset {spec.preset}); "
            + "; ".join(f"{n} = {p['value']:.4g} (95 % {p['ci95'][0]:.3g}-{p['ci95'][1]:.3g})"
                        + ("" if p["determined"] else " NOT DETERMINED by the data")
                        for n, p in pars.items())
            + f"; chi2 {report['chi2']:.2f} for {report['dof']} degrees of freedom; seed {report['seed']}.")
    import inspect

    cls = spec.params_class()
    if "presets" in inspect.signature(cls.from_preset).parameters:
        use = [f"# Use: .model d {spec.device} (preset={spec.name} presets=fitted.toml)  (path relative to the netlist)",
               f"#      {cls.__name__}.from_preset({spec.name!r}, presets='fitted.toml')"]
    else:  # drift, RRAM: their parameter classes read no user preset file (docs/fit.md)
        use = [f"# {cls.__name__} reads no user preset file: give these values on a .model {spec.device} card"]
    lines = [f"# Written by `spicemem fit` on {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}.",
             *use, "", f"[{spec.name}]", f"description = {_toml_value(desc)}"]
    for f in dataclasses.fields(spec.params_class()):
        v = getattr(fitted, f.name)
        if v is None:
            continue
        lines.append(f"{f.name} = {_toml_value(v)}")
    for n, p in pars.items():
        lines += ["", f"[{spec.name}.fit.{n}]", f"value = {_toml_value(p['value'])}",
                  f"ci95_low = {_toml_value(p['ci95'][0])}", f"ci95_high = {_toml_value(p['ci95'][1])}",
                  f"determined = {_toml_value(p['determined'])}",
                  f"interval = {_toml_value(report.get('interval_method', 'Gauss-Newton'))}"]
        if p["ln_sd"] is not None:
            lines.append(f"ln_sd = {_toml_value(p['ln_sd'])}")
        if p["why_not"]:
            lines.append(f"why_not = {_toml_value(p['why_not'])}")
        if p.get("note"):
            lines.append(f"note = {_toml_value(p['note'])}")
        corr = {k: v for k, v in p["correlations"].items() if v is not None}
        if corr:
            lines.append("correlations = { " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in corr.items()) + " }")
    return "\n".join(lines) + "\n"


def write_outputs(spec, problem: dict, report: dict, out, *, plot: bool = True) -> None:
    from .model import condition_seed, relaxation_times, scaled_record

    atomic_write_text(out / "fitted.toml", fitted_toml(spec, report))
    # the fitted model's ensembles per condition, for the overlay (the fit's own seeds)
    base = spec.params_class().from_mapping(problem["base"])
    params = base.replace(**{n: p["value"] for n, p in report["parameters"].items()})
    curves = []
    for k, (temp, record) in enumerate(problem["conditions"]):
        record = scaled_record(record, temp, base, params)
        tau = relaxation_times(params, temp, record, spec.devices, condition_seed(problem["crn_seed"], k))
        q = np.quantile(tau, [0.1, 0.25, 0.5, 0.75, 0.9])
        curves.append({"temperature_k": temp, "record_s": record, "quantiles_10_25_50_75_90_s": q,
                       "censored": int(np.sum(~np.isfinite(tau))), "devices": int(tau.size)})
    report["model_at_fit"] = curves
    atomic_write_json(out / "report.json", report)
    if plot:
        plot_report(spec, report, out / "report.png")


def plot_report(spec, report: dict, path) -> None:
    from matplotlib.figure import Figure

    from ..devices.units import K_B_EV

    fig = Figure(figsize=(10, 4.2))
    a1, a2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    if not report["model_at_fit"]:  # protocol data only (I-V loops, pulses): no relaxation panel
        plot_protocol_report(spec, report, path)
        return
    curves = report["model_at_fit"]
    t = np.array([c["temperature_k"] for c in curves])
    q = np.array([[v if v is not None and np.isfinite(v) else np.nan for v in c["quantiles_10_25_50_75_90_s"]]
                  for c in curves], dtype=float)
    x = 1.0 / (K_B_EV * t)
    a1.fill_between(x, q[:, 0], q[:, 4], color="C0", alpha=0.15, label="fitted model, 10-90 %")
    a1.fill_between(x, q[:, 1], q[:, 3], color="C0", alpha=0.3, label="fitted model, quartiles")
    a1.plot(x, q[:, 2], "-", color="C0", label="fitted model, median")
    first = True
    for o, ob in zip(spec.observations, report["observations"]):
        if o.kind != "ln_median":
            continue
        xo = 1.0 / (K_B_EV * o.temperatures[0])
        if o.events:
            ev = np.array([e for e in o.events if np.isfinite(e)])
            a1.plot(np.full(ev.size, xo), ev, ".", color="0.55", ms=3, label="measured events" if first else None)
        lo, hi = math.exp(o.value - 1.96 * o.sigma), math.exp(o.value + 1.96 * o.sigma)
        a1.errorbar([xo], [math.exp(o.value)], yerr=[[math.exp(o.value) - lo], [hi - math.exp(o.value)]],
                    fmt="s", color="k", ms=5, capsize=3, label="measured interquartile mean of ln, 95 %" if first else None)
        # the model's statistic with the simulation part of the weight the fit used
        sim, source = simulation_weight(ob)
        mid = math.exp(ob["model"])
        a1.errorbar([xo * 1.004], [mid], yerr=[[mid - math.exp(ob["model"] - 1.96 * sim)],
                                               [math.exp(ob["model"] + 1.96 * sim) - mid]],
                    fmt="o", color="C0", ms=4, capsize=3, mfc="white" if source == "measured scatter" else "C0",
                    label="fitted model's statistic, 95 % of the simulation weight used (ensemble SE; "
                          "open: raised to the measured scatter)" if first else None)
        first = False
    a1.set_yscale("log")
    a1.set_xlabel("1/(k_B T) (1/eV)")
    a1.set_ylabel("relaxation time (s)")
    a1.legend(fontsize=7)
    top = a1.secondary_xaxis("top", functions=(lambda v: 1.0 / (K_B_EV * np.maximum(v, 1e-9)),
                                               lambda v: 1.0 / (K_B_EV * np.maximum(v, 1e-9))))
    top.set_xlabel("T (K)")
    a2.axis("off")
    rows = [f"parameter   fitted   95 % interval ({report.get('interval_method', 'Gauss-Newton')})"]
    for n, p in report["parameters"].items():
        tag = "" if p["determined"] else "  (not determined)"
        rows.append(f"{n}: {p['value']:.3g}  [{p['ci95'][0]:.3g}, {p['ci95'][1]:.3g}]{tag}")
    rows.append("")
    rows.append("statistic: data +- se | model +- simulation weight used (pull)")
    for ob in report["observations"]:
        sim, source = simulation_weight(ob)
        tag = ", scatter" if source == "measured scatter" else ""
        if ob["kind"] == "ln_median":
            rows.append(f"{ob['label']}: {math.exp(ob['data']) * 1e3:.3g} ms x/ {math.exp(ob['data_sigma']):.2f}"
                        f" | {math.exp(ob['model']) * 1e3:.3g} ms x/ {math.exp(sim):.2f}{tag} ({ob['pull']:+.1f})")
        else:
            rows.append(f"{ob['label']}: {ob['data']:.3g} +- {ob['data_sigma']:.2g} | {ob['model']:.3g} +- "
                        f"{sim:.2g}{tag} ({ob['pull']:+.1f})")
    rows.append(f"chi2 {report['chi2']:.2f} / {report['dof']} dof; {report['evaluations']['total']} evaluations")
    a2.text(0.0, 1.0, "\n".join(rows), va="top", ha="left", family="monospace", fontsize=6.5, transform=a2.transAxes)
    fig.suptitle(f"spicemem fit: {spec.name} (from {spec.preset})")
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=110)


def simulation_weight(ob: dict) -> tuple:
    """The simulation part of the weight the fit used for one observation of ``report.json``,
    and where it came from: ``(sigma, "measured scatter")`` when the engine raised it to the
    scatter about the profile's surface, else ``(sigma, "ensemble SE")``.  The weight is
    ``weight_sigma`` = sqrt(data_sigma^2 + sigma^2) (engine: the noise floor), so sigma is
    read back from it; a report without ``weight_sigma`` used the ensemble SE."""
    data, se = float(ob["data_sigma"]), float(ob["model_sigma"])
    total = ob.get("weight_sigma")
    if total is None:
        return se, "ensemble SE"
    sim = math.sqrt(max(float(total) ** 2 - data * data, 0.0))
    raised = ob.get("model_scatter") is not None and sim > se * (1.0 + 1e-9) + 1e-300
    return (sim, "measured scatter") if raised else (se, "ensemble SE")


def protocol_figure(spec, report: dict):
    """The figure of :func:`plot_protocol_report` (a matplotlib ``Figure``, not saved)."""
    from matplotlib.figure import Figure

    obs = report["observations"]
    fig = Figure(figsize=(10, 0.9 + 0.32 * len(obs)))
    a1, a2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    y = np.arange(len(obs))[::-1]
    labels = []
    for k, ob in zip(y, obs):
        s = ob["data_sigma"]
        sim, source = simulation_weight(ob)
        a1.errorbar([0.0], [k], xerr=[[1.96]], fmt="s", color="k", ms=4, capsize=3)
        # the bar is the simulation part of the weight the fit used (open marker: raised to
        # the scatter measured between evaluations, beyond the ensemble's SE)
        raised = source == "measured scatter"
        a1.errorbar([(ob["model"] - ob["data"]) / s], [k], xerr=[[1.96 * sim / s]], fmt="o", color="C0", ms=4,
                    capsize=3, mfc="white" if raised else "C0")
        labels.append(f"{ob['label']}\n{ob['data']:.3g} (model {ob['model']:.3g}"
                      + (f"; scatter {sim / max(ob['model_sigma'], 1e-300):.1f}x SE)" if raised else ")"))
    a1.set_yticks(y, labels, fontsize=6)
    a1.axvline(0.0, color="0.7", lw=0.8)
    a1.set_xlabel("model - data, in measured standard errors (black: data 95 %; blue: fitted model, 95 % of "
                  "the simulation weight the fit used: ensemble SE, open where raised to the measured scatter)",
                  fontsize=7)
    a2.axis("off")
    rows = [f"{n}: {p['value']:.3g}  [{p['ci95'][0]:.3g}, {p['ci95'][1]:.3g}]"
            + ("" if p["determined"] else "  (not determined)") for n, p in report["parameters"].items()]
    rows.append(f"chi2 {report['chi2']:.2f} / {report['dof']} dof; {report['evaluations']['total']} evaluations")
    a2.text(0.0, 1.0, "\n".join(rows), va="top", ha="left", family="monospace", fontsize=7, transform=a2.transAxes)
    fig.suptitle(f"spicemem fit: {spec.name} (from {spec.preset})")
    fig.tight_layout()
    return fig


def plot_protocol_report(spec, report: dict, path) -> None:
    """Each statistic of protocol data (I-V loops, pulses): the measured value with its 95 %
    interval beside the fitted model's value with the simulation part of the weight the fit
    used (:func:`simulation_weight`), in units of the measured standard error (so statistics
    in V and in ln share one axis)."""
    atomic_savefig(protocol_figure(spec, report), path, dpi=110)
