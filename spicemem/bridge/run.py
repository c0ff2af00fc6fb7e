"""Run a netlist with memristors in ngspice: the public face of the bridge."""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np

from ..errors import NetlistError, SimulationError
from . import devices as _devices
from . import variability as _variability
from ._abi import fnv1a64
from .messages import first_error, load_error
from .netlist import GUARD_SOURCE, Netlist, read_netlist
from .stepping import StepControl, node_ids

#: History buffer budget (float64 values): rows x (1 + 3 D) <= this; beyond, the recorded
#: device history is thinned (every other row kept) and interpolated onto ngspice's time axis.
HISTORY_VALUES = 1 << 24
_STREAM_MASK = (1 << 62) - 1


def stream_index(key: str) -> int:
    """Random-stream index of the device with lowercase hierarchical name ``key``:
    FNV-1a 64 of the name, modulo 2**62.  A device keeps its stream when other devices are
    added, removed or reordered."""
    return fnv1a64(key) & _STREAM_MASK


@dataclass
class BridgeResult:
    """What a bridge run produced (SI units).

    Attributes
    ----------
    netlist : str                     file name or '<netlist>'
    analysis : str                    ngspice plot type of the results ('transient', 'op', ...)
    time : ndarray (K,)               s (the scale; absent for an operating point: [0])
    vectors : dict                    ngspice's saved vectors, 'v(node)' in V, 'i(vsrc)' in A
    device_names : list[str]          hierarchical names, e.g. 'X1.N1'
    conductance : ndarray (D, K)      S, the conductance ngspice used at each point (the
                                      committed state of the previous point; Ohm's law and
                                      KCL hold with it exactly)
    device_conductance : ndarray (D, K)  S, the device state committed at each point
    temperature : ndarray (D, K)      K, device temperature
    voltage : ndarray (D, K)          V across each device (n+ minus n-)
    seed : int                        the run's base seed
    devices : list[dict]              name, type, model, nodes, seed, stream, source
    steps : dict                      accepted points, ngspice's rejections, capped steps
    step_control : dict               cap, tol, floor (s, -, s)
    wall_time : float                 s
    ngspice_version : str
    error : str or None               set when the run stopped early (partial results)
    """

    netlist: str
    analysis: str
    time: np.ndarray
    vectors: dict
    device_names: list
    conductance: np.ndarray
    device_conductance: np.ndarray
    temperature: np.ndarray
    voltage: np.ndarray
    seed: int
    devices: list
    steps: dict
    step_control: dict
    wall_time: float
    ngspice_version: str
    error: str | None = None
    extra: dict = field(default_factory=dict)
    nonlinear_current: dict = field(default_factory=dict)

    @property
    def current(self) -> np.ndarray:
        """Device currents (D, K), A: voltage times the conductance ngspice used, or, for a
        device whose current is not linear in its voltage (drift), the current of its own
        law (``nonlinear_current``: device index -> (K,) array)."""
        cur = self.voltage * self.conductance
        for k, i in self.nonlinear_current.items():
            cur[k] = i
        return cur

    def columns(self) -> dict:
        """Ordered output columns: time, every saved vector, g(NAME) in S, temp(NAME) in K."""
        cols = {"time": self.time}
        cols.update(self.vectors)
        for k, name in enumerate(self.device_names):
            cols[f"g({name})"] = self.conductance[k]
        for k, name in enumerate(self.device_names):
            cols[f"temp({name})"] = self.temperature[k]
        return cols


class BridgeRunError(SimulationError):
    """A run that stopped early; ``result`` holds what was computed until then."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


class BridgeInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; ``result`` holds what was computed until then."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


def run_netlist(path_or_text, *, seed: int = 0, step: StepControl | None = None,
                frozen: bool = False, name: str | None = None) -> BridgeResult:
    """Run a netlist's analyses in ngspice with its memristors co-simulated.

    Parameters
    ----------
    path_or_text : str or os.PathLike
        Netlist file, or netlist text (anything containing a newline).
    seed : int
        Base seed; a device uses it unless its instance line sets ``seed=``.  Device k uses
        random stream :func:`stream_index` of its hierarchical name.
    step : StepControl, optional
        Step control (default :class:`StepControl()`).
    frozen : bool
        Keep every device at its initial state (measures the bridge's own overhead).
    name : str, optional
        Name of a netlist given as text, for messages.

    Returns
    -------
    BridgeResult

    Raises
    ------
    NetlistError
        Bad input (message: file, line, parameter).
    BridgeRunError
        ngspice failed (e.g. "timestep too small" with time and node); ``.result`` holds
        the partial result.
    BridgeInterrupted
        Ctrl-C; ``.result`` holds the partial result.
    EngineMissingError
        The ngspice library cannot be loaded.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    seed = int(seed)
    step = StepControl() if step is None else step
    net = read_netlist(path_or_text, name=name)
    if not net.analyses:
        raise NetlistError(f"{net.source}: no analysis to run: add a .tran (or .op, .dc, .ac, ...) "
                           f"line at the top level")
    specs_by_type, device_info, scales = _device_specs(net, seed)
    from .engine import get_engine

    engine = get_engine()
    session = _Session(engine, net, specs_by_type, device_info, step, frozen)
    return session.run(seed, scales)


def _device_specs(net: Netlist, seed: int):
    reg = _devices.registry()
    specs_by_type: dict = {}
    info = []
    scales = []
    seen = {}
    for dev in net.devices:
        if dev.key in seen:
            raise NetlistError(f"{dev.instance.line.where}: memristor {dev.name} is defined twice "
                               f"(also at {seen[dev.key]})")
        seen[dev.key] = dev.instance.line.where
        dtype = reg[dev.model.type]
        nominal = _devices.model_params(dev.model)
        spreads = _devices.model_spreads(dev.model)
        raw = dict(dev.instance.params)
        dseed = seed
        if "seed" in raw:
            text = raw.pop("seed")
            try:
                dseed = int(text)
            except ValueError:
                raise NetlistError(f"{dev.instance.line.where}: parameter 'seed' must be a "
                                   f"non-negative integer, found {text!r}") from None
            if not 0 <= dseed < 2**63:
                raise NetlistError(f"{dev.instance.line.where}: parameter 'seed' must be in "
                                   f"[0, 2**63), found {text!r}")
        stream = stream_index(dev.key)
        params, drawn = nominal, {}
        if spreads:
            params, drawn = _devices.drawn_params(dev.model, _variability.draw(spreads, dseed, stream),
                                                  f"{dev.instance.line.where}: memristor {dev.name}")
        params, init = dtype.instance_params(params, raw, dev.instance.line.where)
        spec = _devices.DeviceSpec(dev.index, dev.name, params, dseed, stream, init)
        specs_by_type.setdefault(dev.model.type, []).append(spec)
        scales.append(dtype.time_scale(params))
        info.append({"name": dev.name, "type": dev.model.type, "model": dev.model.name,
                     "nodes": [dev.node_plus or "0", dev.node_minus or "0"], "seed": dseed,
                     "stream": stream, "init": init, "source": dev.source,
                     # the netlist's B-source multiplies by the card's nominal G_scale
                     "g_scale": float(dtype.g_scale(nominal)), "drawn": drawn,
                     "v_scale": float(dtype.v_scale(params)), "where": dev.instance.line.where})
    return specs_by_type, info, scales


class _Session:
    """Arrays, context slots and ngspice calls of one run."""

    def __init__(self, engine, net, specs_by_type, device_info, step, frozen):
        self.engine = engine
        self.net = net
        self.info = device_info
        self.specs_by_type = specs_by_type
        self.step = step
        self.frozen = frozen
        reg = _devices.registry()
        d = len(device_info)
        self.n = d
        self.groups = []
        for tname, specs in specs_by_type.items():
            self.groups.extend(reg[tname].allocate(specs))
        # devices with their own current law (DeviceType.current): index -> (law, params)
        self.current_laws = {s.index: (reg[tname].current, s.params)
                             for tname, specs in specs_by_type.items() for s in specs
                             if reg[tname].current is not None}
        self.g = np.zeros(d)
        self.temp = np.zeros(d)
        for grp in self.groups:
            self.g[grp.indices] = grp.g0
            self.temp[grp.indices] = grp.temp0
        self.gscale_inv = np.array([1.0 / x["g_scale"] for x in device_info]) if d else np.zeros(0)
        # one more slot: the idle source of a netlist without memristors (netlist.GUARD_SOURCE)
        self.gsrc = np.zeros(d + 1)
        self.gsrc[:d] = self.g * self.gscale_inv
        self.vinv = np.array([1.0 / x["v_scale"] for x in device_info]) if d else np.zeros(0)
        self.gold = np.zeros(d)
        self.v0 = np.zeros(d)
        self.v1 = np.zeros(d)
        self.veca = np.full(d, -1, dtype=np.int64)
        self.vecb = np.full(d, -1, dtype=np.int64)
        self.nodea = np.full(d, -1, dtype=np.int64)  # compact node ids (step control)
        self.nodeb = np.full(d, -1, dtype=np.int64)
        self.nodesum = np.zeros((2 * max(d, 1), 2))
        for grp in self.groups:
            grp.bind(self.v0, self.v1, self.g, self.temp)
        self.group_table = np.array([[grp.kernel, grp.block.ctypes.data] for grp in self.groups],
                                    dtype=np.int64).reshape(-1, 2)
        size = 8
        while size < 2 * max(d, 1):
            size *= 2
        self.hash = np.zeros((size, 2), dtype=np.uint64)
        for k, x in enumerate(device_info):
            h = fnv1a64(x["source"])
            j = h & (size - 1)
            while self.hash[j, 1] != 0:
                if int(self.hash[j, 0]) == h:
                    raise NetlistError(f"{x['where']}: memristor {x['name']}: its source name "
                                       f"collides with another device's; rename one")
                j = (j + 1) & (size - 1)
            self.hash[j] = (h, k + 1)
        if not device_info:
            h = fnv1a64(GUARD_SOURCE)
            self.hash[h & (size - 1)] = (h, d + 1)
        self.hist_cap = max(16, HISTORY_VALUES // (1 + 3 * max(d, 1)))
        self.hist = np.zeros((self.hist_cap, 1 + 3 * d))
        self.name_by_hash = {fnv1a64(x["source"]) >> 2: x["source"] for x in device_info}
        self.analysis = ""
        self.tran_plot = None
        self.run_time = 0.0

    # -- context ---------------------------------------------------------------------------------
    def _arm(self, cap, tol, floor):
        cb = self.engine._cb
        c, cf = cb.CTX, cb.CTX_F
        c[:] = 0
        c[cb.NDEV] = self.n
        c[cb.A_GSRC] = self.gsrc.ctypes.data
        c[cb.A_HASH] = self.hash.ctypes.data
        c[cb.HASH_MASK] = self.hash.shape[0] - 1
        c[cb.A_VECA] = self.veca.ctypes.data
        c[cb.A_VECB] = self.vecb.ctypes.data
        c[cb.A_V0] = self.v0.ctypes.data
        c[cb.A_V1] = self.v1.ctypes.data
        c[cb.A_G] = self.g.ctypes.data
        c[cb.A_TEMP] = self.temp.ctypes.data
        c[cb.A_GSCALE_INV] = self.gscale_inv.ctypes.data
        c[cb.A_GOLD] = self.gold.ctypes.data
        c[cb.A_VINV] = self.vinv.ctypes.data
        c[cb.A_NODEA] = self.nodea.ctypes.data
        c[cb.A_NODEB] = self.nodeb.ctypes.data
        c[cb.A_NODESUM] = self.nodesum.ctypes.data
        c[cb.MEASURE] = self.step.measure_code()
        c[cb.A_GROUPS] = self.group_table.ctypes.data
        c[cb.NGROUPS] = len(self.groups)
        c[cb.TIME_INDEX] = -1
        c[cb.FROZEN] = 1 if self.frozen else 0
        c[cb.A_HIST] = self.hist.ctypes.data
        c[cb.HIST_CAP] = self.hist_cap
        c[cb.HIST_STRIDE] = 1
        cf[cb.H_CAP] = cap
        cf[cb.TOL] = tol
        cf[cb.H_FLOOR] = floor
        cf[cb.H_REST], cf[cb.REST_BIAS] = self.step.resolve_rest(cap)
        cf[cb.LAST_BIAS] = np.inf  # not at rest until a step says so
        c[cb.ACTIVE] = 1

    def _on_init(self, data):
        """SendInitData (Python, once per analysis): map device nodes to vector indices."""
        cb = self.engine._cb
        c, cf = cb.CTX, cb.CTX_F
        ffi = self.engine._ffi
        ptype = ffi.string(data.type).decode().lower() if data.type != ffi.NULL else ""
        names = [ffi.string(data.vecs[k].vecname).decode().lower() for k in range(data.veccount)]
        index = {nm: k for k, nm in enumerate(names)}
        live = "tran" in ptype
        self.analysis = ptype
        if live:
            self.tran_plot = ffi.string(data.name).decode() if data.name != ffi.NULL else None
        for k, x in enumerate(self.info):
            for arr, node in ((self.veca, x["nodes"][0]), (self.vecb, x["nodes"][1])):
                arr[k] = -1 if node == "0" else index.get(node, index.get(f"v({node})", -2))
        c[cb.TIME_INDEX] = index.get("time", -1)
        c[cb.NNODES] = node_ids(self.veca, self.vecb, self.nodea, self.nodeb)
        if live:
            missing = [k for k in range(self.n) if self.veca[k] == -2 or self.vecb[k] == -2]
            if missing:
                k = missing[0]
                c[cb.ERROR] = cb.ERR_NO_VECTOR
                c[cb.ERROR_ARG] = k
            c[cb.N_ACCEPTED] = 0
            c[cb.HIST_ROWS] = 0
            c[cb.HIST_SKIP] = 0
            c[cb.HIST_STRIDE] = 1
            cf[cb.LAST_DLN] = 0.0
            cf[cb.LAST_BIAS] = np.inf
            cf[cb.LAST_H] = 0.0
        c[cb.LIVE] = 1 if live else 0

    # -- the run ---------------------------------------------------------------------------------
    def run(self, seed, scales) -> BridgeResult:
        eng = self.engine
        cb = eng._cb
        cap, tol, floor = self.step.resolve(scales)
        t_start = _time.perf_counter()
        try:
            eng.clear()
            self._arm(cap, tol, floor)
            out, err = eng.load(self.net.text)
            problem = load_error(out, err, self.net)
            if problem is not None:
                raise NetlistError(problem)
            t_run = _time.perf_counter()
            out, err = eng.run(self._on_init)
            self.run_time = _time.perf_counter() - t_run
            wall = _time.perf_counter() - t_start
            c = cb.CTX.copy()
            cf = c.view(np.float64)
            result = self._collect(seed, cap, tol, floor, wall, c, cf)
            message = self._failure(c, out, err, result)
        finally:
            cb.CTX[cb.ACTIVE] = 0
            cb.CTX[cb.LIVE] = 0
            try:
                eng.clear()
            except Exception:  # pragma: no cover - cleanup must not mask the real error
                pass
        if c[cb.ERROR] == cb.ERR_INTERRUPTED:
            result.error = "interrupted"
            raise BridgeInterrupted(f"{self.net.source}: interrupted at t = {result.time[-1]:.6g} s"
                                    if result.time.size else f"{self.net.source}: interrupted",
                                    result)
        if message is not None:
            result.error = message
            raise BridgeRunError(message, result)
        return result

    def _failure(self, c, out, err, result):
        cb = self.engine._cb
        src = self.net.source
        code = c[cb.ERROR]
        if code == cb.ERR_INIT:
            exc = self.engine.init_error
            return f"{src}: internal error while ngspice started the analysis: {exc!r}"
        if code == cb.ERR_UNKNOWN_SOURCE:
            return (f"{src}: ngspice asked for an external source the bridge does not know "
                    f"(hash {int(c[cb.ERROR_ARG]):#x}); external sources are reserved for memristors")
        if code == cb.ERR_NONFINITE:
            k = int(c[cb.ERROR_ARG])
            name = self.info[k]["name"] if 0 <= k < self.n else "?"
            t = result.time[-1] if result.time.size else 0.0
            return f"{src}: memristor {name}: its state became non-finite at t = {t:.6g} s"
        if code == cb.ERR_NO_VECTOR:
            k = int(c[cb.ERROR_ARG])
            if 0 <= k < self.n:
                return (f"{src}: memristor {self.info[k]['name']}: the voltage of its nodes "
                        f"{self.info[k]['nodes']} is not in ngspice's output")
            return f"{src}: ngspice's output has no 'time' vector"
        problem = first_error(out, err)
        if problem is not None:
            return f"{src}: ngspice failed: {problem}"
        tran = self.net.tran
        if tran is not None and self.analysis.startswith("tran") and result.time.size:
            if result.time[-1] < tran["tstop"] * (1 - 1e-9) - 1e-30:
                return (f"{src}: the transient analysis stopped at t = {result.time[-1]:.6g} s "
                        f"before TSTOP = {tran['tstop']:.6g} s")
        return None

    def _validity(self, temp) -> list:
        return _validity_of(_devices.registry(), self.specs_by_type, self.info, temp)

    def _collect(self, seed, cap, tol, floor, wall, c, cf) -> BridgeResult:
        eng = self.engine
        cb = eng._cb
        plot = self.tran_plot
        plots = [p for p in eng.plots() if p != "const"]
        if plot is None or plot not in plots:
            plot = plots[0] if plots else None
        raw = eng.vectors(plot) if plot else {}
        time = raw.pop("time", None)
        if time is None:
            k = max((len(v) for v in raw.values()), default=0)
            time = np.zeros(k)
        vectors = {}
        for nm, arr in raw.items():
            low = nm.lower()
            if "smg_" in low:
                continue  # the bridge's own conductance sources
            if low.endswith("#branch"):
                vectors[f"i({nm[:-7]})"] = arr
            elif low.startswith("v(") or low.startswith("i(") or low.startswith("@"):
                vectors[nm] = arr
            else:
                vectors[f"v({nm})"] = arr
        d = self.n
        kk = time.shape[0]
        rows = int(c[cb.HIST_ROWS])
        hist = self.hist[:rows]
        g_used = np.zeros((d, kk))
        g_dev = np.zeros((d, kk))
        temp = np.zeros((d, kk))
        if rows and kk and self.analysis.startswith("tran"):
            th = hist[:, 0]
            aligned = rows == kk and c[cb.HIST_STRIDE] == 1 and np.allclose(th, time, rtol=0, atol=1e-15 + 1e-12 * abs(time[-1]))
            for k in range(d):
                cols = (hist[:, 1 + k], hist[:, 1 + d + k], hist[:, 1 + 2 * d + k])
                for dst, col in zip((g_used, g_dev, temp), cols):
                    dst[k] = col if aligned else np.interp(time, th, col)
        else:
            g_used[:] = self.g[:, None]
            g_dev[:] = self.g[:, None]
            temp[:] = self.temp[:, None]
        volt = np.zeros((d, kk))
        for k, x in enumerate(self.info):
            a, b = x["nodes"]
            va = vectors.get(f"v({a})", np.zeros(kk)) if a != "0" else np.zeros(kk)
            vb = vectors.get(f"v({b})", np.zeros(kk)) if b != "0" else np.zeros(kk)
            volt[k] = va - vb
        tran = self.net.tran
        if tran is not None and tran["tstart"] > 0 and self.analysis.startswith("tran"):
            keep = time >= tran["tstart"] * (1 - 1e-12)
            time = time[keep]
            vectors = {k: v[keep] for k, v in vectors.items()}
            g_used, g_dev, temp, volt = (a[:, keep] for a in (g_used, g_dev, temp, volt))
        nonlinear = {k: law(params, volt[k], g_used[k]) for k, (law, params) in self.current_laws.items()}
        extra = {"run_time_s": self.run_time, "validity": self._validity(temp)}
        for grp in self.groups:  # per-type diagnostics (e.g. the drift kernel's dropped time)
            if "report" in grp.arrays:
                extra.update(grp.arrays["report"]())
        return BridgeResult(
            netlist=self.net.source,
            analysis=self.analysis,
            time=time,
            vectors=vectors,
            device_names=[x["name"] for x in self.info],
            conductance=g_used,
            device_conductance=g_dev,
            temperature=temp,
            voltage=volt,
            seed=seed,
            devices=[{k: v for k, v in x.items() if k != "where"} for x in self.info],
            steps={"accepted": int(c[cb.N_ACCEPTED]), "rejected_by_ngspice": int(c[cb.N_REJECT_NGSPICE]),
                   "capped_by_bridge": int(c[cb.N_CAPPED]), "vsrc_calls": int(c[cb.N_VSRC_CALLS]),
                   "max_dln_per_step": float(cf[cb.MAX_DLN])},
            step_control={"cap_s": cap, "tol": tol, "floor_s": floor, "frozen": self.frozen,
                          "rest_cap_s": float(cf[cb.H_REST]), "rest_bias": float(cf[cb.REST_BIAS]),
                          "measure": self.step.measure},
            wall_time=wall,
            ngspice_version=eng.version,
            extra=extra,
            nonlinear_current=nonlinear,
        )


def _validity_of(reg, specs_by_type, info, temp) -> list:
    """Devices that left their model's stated validity range (one warning per model)."""
    out = []
    for tname, specs in specs_by_type.items():
        check = reg[tname].validity
        if check is None or temp.shape[1] == 0:
            continue
        by_params: dict = {}
        for s in specs:
            by_params.setdefault(s.params, []).append(s.index)
        for params, idx in by_params.items():
            out += check(params, temp[idx], [info[i]["name"] for i in idx])
    return out
