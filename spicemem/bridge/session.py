"""One bridge run, in pieces that each do one job.

* :class:`DeviceArrays` -- the state of the run's devices: their groups (allocated by the
  device types) and the global arrays the callbacks and group kernels share;
* :func:`source_table` -- the hash table from external-source name to device index;
* :class:`History` -- the buffer the callbacks record into, and its reading afterwards;
* :func:`arm_context` -- the context slots (:data:`spicemem.bridge.layout.CONTEXT`) of a run;
* :func:`failure_message` -- a stopped run's error code, decoded into one line;
* :func:`ngspice_vectors` -- ngspice's saved vectors under the bridge's column names;
* :class:`Session` -- the run itself: arm, load, run, collect, disarm.
"""

from __future__ import annotations

import time as _time

import numpy as np

from ..errors import NetlistError
from ..progress import TimeProgress
from . import devices as _devices
from ._abi import fnv1a64
from .messages import first_error, load_error
from .netlist import GUARD_SOURCE
from .result import BridgeInterrupted, BridgeResult, BridgeRunError
from .stepping import node_ids

#: History buffer budget (float64 values): rows x (1 + 3 D) <= this; beyond, the recorded
#: device history is thinned (every other row kept) and interpolated onto ngspice's time axis.
HISTORY_VALUES = 1 << 24


class DeviceArrays:
    """The devices of a run: their groups and the global (D,) arrays shared with the
    callbacks (conductance, temperature, voltages, scales, node indices)."""

    def __init__(self, specs_by_type: dict, device_info: list):
        reg = _devices.registry()
        d = len(device_info)
        self.n = d
        self.groups = []
        stuck = []  # (index, g0, temp0) of devices frozen in their ON/OFF state: no group
        for tname, specs in specs_by_type.items():
            live = [s for s in specs if device_info[s.index].get("stuck") is None]
            if live:
                self.groups.extend(reg[tname].allocate(live))
            for s in specs:
                if device_info[s.index].get("stuck") is not None:
                    grp = reg[tname].allocate([s])[0]
                    stuck.append((s.index, grp.g0[0], grp.temp0[0]))
        # devices with their own current law (DeviceType.current): index -> (law, params)
        self.current_laws = {s.index: (reg[tname].current, s.params)
                             for tname, specs in specs_by_type.items() for s in specs
                             if reg[tname].current is not None}
        self.g = np.zeros(d)
        self.temp = np.zeros(d)
        for grp in self.groups:
            self.g[grp.indices] = grp.g0
            self.temp[grp.indices] = grp.temp0
        for k, g0, temp0 in stuck:
            self.g[k], self.temp[k] = g0, temp0
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

    def reports(self) -> dict:
        """Every group's diagnostics (e.g. the drift kernel's dropped time)."""
        extra = {}
        for grp in self.groups:
            if grp.report is not None:
                extra.update(grp.report())
        return extra


def source_table(device_info: list) -> np.ndarray:
    """The open-addressing table (name hash, device index + 1) that ``get_vsrc`` searches,
    uint64[M, 2] with M a power of two >= 2 D; NetlistError if two names collide."""
    d = len(device_info)
    size = 8
    while size < 2 * max(d, 1):
        size *= 2
    table = np.zeros((size, 2), dtype=np.uint64)
    for k, x in enumerate(device_info):
        h = fnv1a64(x["source"])
        j = h & (size - 1)
        while table[j, 1] != 0:
            if int(table[j, 0]) == h:
                raise NetlistError(f"{x['where']}: memristor {x['name']}: its source name "
                                   f"collides with another device's; rename one")
            j = (j + 1) & (size - 1)
        table[j] = (h, k + 1)
    if not device_info:
        h = fnv1a64(GUARD_SOURCE)
        table[h & (size - 1)] = (h, d + 1)
    return table


class History:
    """The rows ``send_data`` records: t, G used by the circuit, G committed, T (D each)."""

    def __init__(self, n_devices: int):
        self.n = n_devices
        self.cap = max(16, HISTORY_VALUES // (1 + 3 * max(n_devices, 1)))
        self.buffer = np.zeros((self.cap, 1 + 3 * n_devices))

    def on_axis(self, rows: int, stride: int, time: np.ndarray):
        """(G used, G committed, T), each (D, K), on ngspice's time axis ``time`` (K,):
        the recorded rows themselves when they are ngspice's points, else interpolated."""
        d, kk = self.n, time.shape[0]
        hist = self.buffer[:rows]
        out = tuple(np.zeros((d, kk)) for _ in range(3))
        th = hist[:, 0]
        aligned = rows == kk and stride == 1 and np.allclose(th, time, rtol=0, atol=1e-15 + 1e-12 * abs(time[-1]))
        for k in range(d):
            cols = (hist[:, 1 + k], hist[:, 1 + d + k], hist[:, 1 + 2 * d + k])
            for dst, col in zip(out, cols):
                dst[k] = col if aligned else np.interp(time, th, col)
        return out


def arm_context(cb, dev: DeviceArrays, table: np.ndarray, hist: History, step, frozen: bool,
                cap: float, tol: float, floor: float) -> None:
    """Write a run's arrays and step control into the callbacks' context and activate it."""
    c, cf = cb.CTX, cb.CTX_F
    c[:] = 0
    c[cb.NDEV] = dev.n
    c[cb.A_GSRC] = dev.gsrc.ctypes.data
    c[cb.A_HASH] = table.ctypes.data
    c[cb.HASH_MASK] = table.shape[0] - 1
    c[cb.A_VECA] = dev.veca.ctypes.data
    c[cb.A_VECB] = dev.vecb.ctypes.data
    c[cb.A_V0] = dev.v0.ctypes.data
    c[cb.A_V1] = dev.v1.ctypes.data
    c[cb.A_G] = dev.g.ctypes.data
    c[cb.A_TEMP] = dev.temp.ctypes.data
    c[cb.A_GSCALE_INV] = dev.gscale_inv.ctypes.data
    c[cb.A_GOLD] = dev.gold.ctypes.data
    c[cb.A_VINV] = dev.vinv.ctypes.data
    c[cb.A_NODEA] = dev.nodea.ctypes.data
    c[cb.A_NODEB] = dev.nodeb.ctypes.data
    c[cb.A_NODESUM] = dev.nodesum.ctypes.data
    c[cb.MEASURE] = step.measure_code()
    c[cb.A_GROUPS] = dev.group_table.ctypes.data
    c[cb.NGROUPS] = len(dev.groups)
    c[cb.TIME_INDEX] = -1
    c[cb.FROZEN] = 1 if frozen else 0
    c[cb.A_HIST] = hist.buffer.ctypes.data
    c[cb.HIST_CAP] = hist.cap
    c[cb.HIST_STRIDE] = 1
    cf[cb.H_CAP] = cap
    cf[cb.TOL] = tol
    cf[cb.H_FLOOR] = floor
    cf[cb.H_REST], cf[cb.REST_BIAS] = step.resolve_rest(cap)
    cf[cb.LAST_BIAS] = np.inf  # not at rest until a step says so
    c[cb.ACTIVE] = 1


def failure_message(cb, c, net, info: list, out, err, result, analysis: str, init_error):
    """One line saying why a run stopped (the context's error code, ngspice's own error,
    or a transient that ended before TSTOP); None if it did not."""
    src = net.source
    n = len(info)
    code = c[cb.ERROR]
    if code == cb.ERR_INIT:
        return f"{src}: internal error while ngspice started the analysis: {init_error!r}"
    if code == cb.ERR_UNKNOWN_SOURCE:
        return (f"{src}: ngspice asked for an external source the bridge does not know "
                f"(hash {int(c[cb.ERROR_ARG]):#x}); external sources are reserved for memristors")
    if code == cb.ERR_NONFINITE:
        k = int(c[cb.ERROR_ARG])
        name = info[k]["name"] if 0 <= k < n else "?"
        t = result.time[-1] if result.time.size else 0.0
        return f"{src}: memristor {name}: its state became non-finite at t = {t:.6g} s"
    if code == cb.ERR_NO_VECTOR:
        k = int(c[cb.ERROR_ARG])
        if 0 <= k < n:
            return (f"{src}: memristor {info[k]['name']}: the voltage of its nodes "
                    f"{info[k]['nodes']} is not in ngspice's output")
        return f"{src}: ngspice's output has no 'time' vector"
    problem = first_error(out, err, net)
    if problem is not None:
        return f"{src}: ngspice failed: {problem}"
    tran = net.tran
    if tran is not None and analysis.startswith("tran") and result.time.size:
        if result.time[-1] < tran["tstop"] * (1 - 1e-9) - 1e-30:
            return (f"{src}: the transient analysis stopped at t = {result.time[-1]:.6g} s "
                    f"before TSTOP = {tran['tstop']:.6g} s")
    return None


def ngspice_vectors(raw: dict) -> dict:
    """ngspice's saved vectors as output columns: ``v(node)``, ``i(source)``, ``@...``;
    the bridge's own conductance sources left out."""
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
    return vectors


def validity_of(reg, specs_by_type, info, temp) -> list:
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


class Session:
    """One run: arm the context, load and run the netlist, collect, disarm."""

    def __init__(self, engine, net, specs_by_type, device_info, step, frozen):
        self.engine = engine
        self.net = net
        self.info = device_info
        self.specs_by_type = specs_by_type
        self.step = step
        self.frozen = frozen
        self.dev = DeviceArrays(specs_by_type, device_info)
        self.table = source_table(device_info)
        self.hist = History(len(device_info))
        self.analysis = ""
        self.tran_plot = None
        self.run_time = 0.0
        self.run_cpu = 0.0

    def _on_init(self, data):
        """SendInitData (Python, once per analysis): map device nodes to vector indices."""
        cb = self.engine._cb
        c, cf = cb.CTX, cb.CTX_F
        ffi = self.engine._ffi
        dev = self.dev
        ptype = ffi.string(data.type).decode().lower() if data.type != ffi.NULL else ""
        names = [ffi.string(data.vecs[k].vecname).decode().lower() for k in range(data.veccount)]
        index = {nm: k for k, nm in enumerate(names)}
        live = "tran" in ptype
        self.analysis = ptype
        if live:
            self.tran_plot = ffi.string(data.name).decode() if data.name != ffi.NULL else None
        for k, x in enumerate(self.info):
            for arr, node in ((dev.veca, x["nodes"][0]), (dev.vecb, x["nodes"][1])):
                arr[k] = -1 if node == "0" else index.get(node, index.get(f"v({node})", -2))
        c[cb.TIME_INDEX] = index.get("time", -1)
        c[cb.NNODES] = node_ids(dev.veca, dev.vecb, dev.nodea, dev.nodeb)
        if live:
            missing = [k for k in range(dev.n) if dev.veca[k] == -2 or dev.vecb[k] == -2]
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

    def _progress(self, progress) -> TimeProgress:
        # None: a bar when stderr is a terminal; True/False: always/never; a stream: draw there
        if progress is None or isinstance(progress, bool):
            stream, enabled = None, progress
        else:
            stream, enabled = progress, True
        t_stop = self.net.tran["tstop"] if self.net.tran else 0.0
        label = self.net.source.rsplit("/", 1)[-1]
        return TimeProgress(t_stop, label, devices=self.dev.n, stream=stream, enabled=enabled)

    def run(self, seed, scales, progress=False) -> BridgeResult:
        eng = self.engine
        cb = eng._cb
        cap, tol, floor = self.step.resolve(scales)
        t_start = _time.perf_counter()
        try:
            eng.clear()
            arm_context(cb, self.dev, self.table, self.hist, self.step, self.frozen, cap, tol, floor)
            out, err = eng.load(self.net.text)
            problem = load_error(out, err, self.net)
            if problem is not None:
                raise NetlistError(problem)
            t_run = _time.perf_counter()
            c_run = _time.process_time()
            with self._progress(progress) as bar:
                def poll():
                    bar.update(cb.CTX_F[cb.T_PREV], int(cb.CTX[cb.N_ACCEPTED]))
                out, err = eng.run(self._on_init, poll=poll if bar.enabled else None)
            self.run_time = _time.perf_counter() - t_run
            self.run_cpu = _time.process_time() - c_run  # all threads: on a loaded machine
            wall = _time.perf_counter() - t_start
            c = cb.CTX.copy()
            cf = c.view(np.float64)
            result = self._collect(seed, cap, tol, floor, wall, c, cf)
            message = failure_message(cb, c, self.net, self.info, out, err, result, self.analysis,
                                      eng.init_error)
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

    def _collect(self, seed, cap, tol, floor, wall, c, cf) -> BridgeResult:
        eng = self.engine
        cb = eng._cb
        dev = self.dev
        plot = self.tran_plot
        plots = [p for p in eng.plots() if p != "const"]
        if plot is None or plot not in plots:
            plot = plots[0] if plots else None
        raw = eng.vectors(plot) if plot else {}
        time = raw.pop("time", None)
        if time is None:
            k = max((len(v) for v in raw.values()), default=0)
            time = np.zeros(k)
        vectors = ngspice_vectors(raw)
        d = dev.n
        kk = time.shape[0]
        rows = int(c[cb.HIST_ROWS])
        if rows and kk and self.analysis.startswith("tran"):
            g_used, g_dev, temp = self.hist.on_axis(rows, int(c[cb.HIST_STRIDE]), time)
        else:
            g_used, g_dev, temp = (np.repeat(a[:, None], kk, axis=1) for a in (dev.g, dev.g, dev.temp))
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
        nonlinear = {k: law(params, volt[k], g_used[k]) for k, (law, params) in dev.current_laws.items()}
        extra = {"run_time_s": self.run_time, "run_cpu_time_s": self.run_cpu,
                 "validity": validity_of(_devices.registry(), self.specs_by_type, self.info, temp)}
        extra.update(dev.reports())
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
