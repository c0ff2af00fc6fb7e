"""The memory layouts the Python side shares with the compiled callbacks, each declared once.

Three flat arrays of 8-byte slots cross the boundary between Python and the ``@cfunc``
callbacks: the process-wide *context* (:mod:`spicemem.bridge.callbacks`), the *block* of
one device group (read by its group kernel) and the *auxiliary block* of the hybrid
diffusive kernel.  Each is declared here, once, as a :class:`Layout`: every slot gets a
name, a kind -- an integer (``i64``), an address of an array (``address``, also int64) or
a float (``f64``, read through a float64 view of the same memory) -- and a one-line
description; the offsets are generated in declaration order, so two slots can never
share memory and no number is maintained by hand.

The constants (``B_N``, ``CTX_NDEV``...) are plain module-level ints, which compiled code
reads as compile-time constants (a Numba kernel cannot read the attribute of a Python
object).  Each layout also gives the matching numpy structured dtype
(:attr:`Layout.dtype`), through which Python fills a block by field name
(:meth:`Layout.record`), and which ``tests/test_layouts.py`` checks against the constants.

This module imports nothing of spicemem: it sits at the bottom of the bridge, below the
callbacks, the group kernels and the device types.
"""

from __future__ import annotations

import numpy as np

_KINDS = {"i64": np.int64, "address": np.int64, "f64": np.float64}


class Layout:
    """A flat int64 array of named slots (float slots read through a float64 view).

    Parameters
    ----------
    name : str
        What the array is, for messages.
    prefix : str
        Prefix of the module constants that hold the offsets (e.g. ``"B_"``).
    slots : int
        Length of the array in slots; the declared slots must fit.
    """

    def __init__(self, name: str, prefix: str, slots: int):
        self.name = name
        self.prefix = prefix
        self.slots = slots
        self.fields: list = []  # (name, kind, count, doc), in slot order
        self._next = 0

    def _add(self, name: str, kind: str, doc: str, count: int = 1) -> int:
        if name in {f[0] for f in self.fields}:
            raise ValueError(f"{self.name}: slot {name!r} declared twice")
        offset = self._next
        if offset + count > self.slots:
            raise ValueError(f"{self.name}: slot {name!r} does not fit in {self.slots} slots")
        self.fields.append((name, kind, count, doc))
        self._next += count
        return offset

    def i64(self, name: str, doc: str) -> int:
        """Declare an integer slot; returns its offset."""
        return self._add(name, "i64", doc)

    def address(self, name: str, doc: str, count: int = 1) -> int:
        """Declare the address of an array (``count`` consecutive addresses); returns the
        offset of the first."""
        return self._add(name, "address", doc, count)

    def f64(self, name: str, doc: str) -> int:
        """Declare a float slot (read through the float64 view); returns its offset."""
        return self._add(name, "f64", doc)

    @property
    def used(self) -> int:
        """Slots declared so far."""
        return self._next

    @property
    def dtype(self) -> np.dtype:
        """The numpy structured dtype of the whole array (unnamed padding at the end)."""
        names, formats, offsets = [], [], []
        pos = 0
        for name, kind, count, _ in self.fields:
            names.append(name)
            formats.append((_KINDS[kind], (count,)) if count > 1 else _KINDS[kind])
            offsets.append(8 * pos)
            pos += count
        return np.dtype({"names": names, "formats": formats, "offsets": offsets,
                         "itemsize": 8 * self.slots})

    def offset(self, name: str) -> int:
        """Slot offset of field ``name``."""
        pos = 0
        for field_name, _, count, _ in self.fields:
            if field_name == name:
                return pos
            pos += count
        raise KeyError(f"{self.name}: no slot {name!r}")

    def zeros(self) -> np.ndarray:
        """A zeroed int64 array of the layout's length."""
        return np.zeros(self.slots, dtype=np.int64)

    def record(self, array: np.ndarray):
        """The fields of ``array`` (int64, this layout's length) by name, sharing its memory:
        ``layout.record(block)["tscale"] = 1e-9`` writes the float slot."""
        if array.dtype != np.int64 or array.shape != (self.slots,):
            raise ValueError(f"{self.name}: expected int64[{self.slots}], got "
                             f"{array.dtype}{list(array.shape)}")
        return array.view(self.dtype)[0]

    def constants(self) -> dict:
        """{prefix + NAME.upper(): offset} of every declared slot."""
        return {self.prefix + name.upper(): self.offset(name) for name, *_ in self.fields}


# -- the block of a device group (read by its group kernel) ----------------------------------
#: A device group's block: the arrays and scales its compiled group kernel reads
#: (``int64 kernel(int64 block, double t0, double t1)``, see
#: :data:`spicemem.bridge.callbacks.GROUP_KERNEL_SIG`).  A device type uses the slots it
#: needs; the bridge fills ``n``, ``index`` and the four global arrays.
BLOCK = Layout("device-group block", "B_", 32)
B_N = BLOCK.i64("n", "devices in the group")
B_INDEX = BLOCK.address("index", "int64[n]: global device index of each group member")
B_V0 = BLOCK.address("v0", "float64[D] global: voltage at t0, V")
B_V1 = BLOCK.address("v1", "float64[D] global: voltage at t1, V")
B_G = BLOCK.address("g", "float64[D] global: conductance out, S")
B_TEMP = BLOCK.address("temp", "float64[D] global: temperature out, K")
B_FSTATE = BLOCK.address("fstate", "per-device float state (float64[n, nf], or a record array)")
B_NF = BLOCK.i64("nf", "float state columns")
B_ISTATE = BLOCK.address("istate", "int64[n, ni]: per-device integer state")
B_NI = BLOCK.i64("ni", "integer state columns")
B_RNG = BLOCK.address("rng", "uint64[n, 4]: per-device random streams")
B_P = BLOCK.address("p", "per-device parameters (float64[n, np], or a record array)")
B_NP = BLOCK.i64("np", "parameters per device")
B_TABLE = BLOCK.address("table", "float64[nt]: shared table")
B_NT = BLOCK.i64("nt", "table length")
B_SCRATCH = BLOCK.address("scratch", "float64[16]: the type's counters and settings")
B_NDEV = BLOCK.i64("ndev", "D, the length of the global arrays")
B_AUX = BLOCK.address("aux", "int64[AUX_SLOTS] of the hybrid integrator (0: none)")
B_TSCALE = BLOCK.f64("tscale", "s per unit of time")
B_VSCALE = BLOCK.f64("vscale", "V per unit of voltage")
B_GSCALE = BLOCK.f64("gscale", "S per unit of conductance")
B_KSCALE = BLOCK.f64("kscale", "K per unit of temperature")
B_DT = BLOCK.f64("dt", "internal step, in units of time")
B_INV_DX = BLOCK.f64("inv_dx", "1 / table spacing")
BLOCK_SLOTS = BLOCK.slots

# -- the auxiliary block of the hybrid (hopping) diffusive kernel ---------------------------------
#: Number of hop tables (:class:`spicemem.kernels.hopping.HopTables`).
N_HOP_TABLES = 16
AUX = Layout("hybrid auxiliary block", "A_", 24)
A_COUNTS = AUX.address("counts", "int64[n, kmax]: basin occupations")
A_MODES = AUX.address("modes", "int64[n, 2]: regime and landscape index")
A_HC = AUX.address("hc", "float64[N_HYBRID]: hybrid control")
A_NV = AUX.i64("nv", "hop-table voltages")
A_NT = AUX.i64("nt", "hop-table temperatures")
A_KMAX = AUX.i64("kmax", "hop-table basins")
A_NG = AUX.i64("ng", "hop-table quadrature points")
A_TABLES = AUX.address("tables", "the hop tables, in the order of HopTables' fields",
                       N_HOP_TABLES)
AUX_SLOTS = AUX.slots

# -- the process-wide context of the callbacks ---------------------------------------------------
#: Length of the context, in slots (:data:`spicemem.bridge._abi.CTX_SLOTS`).
CONTEXT = Layout("callback context", "", 64)
ACTIVE = CONTEXT.i64("active", "1 while a bridge run is loaded")
NDEV = CONTEXT.i64("ndev", "D, devices")
A_GSRC = CONTEXT.address("a_gsrc", "float64[D + 1]: value returned to ngspice, G / G_scale")
A_HASH = CONTEXT.address("a_hash", "uint64[M, 2]: (name hash, device index + 1); 0 = empty")
HASH_MASK = CONTEXT.i64("hash_mask", "M - 1")
A_VECA = CONTEXT.address("a_veca", "int64[D]: index of the '+' node in SendData's list (-1: ground)")
A_VECB = CONTEXT.address("a_vecb", "int64[D]: the same for the '-' node")
A_V0 = CONTEXT.address("a_v0", "float64[D]: device voltage at the previous accepted point, V")
A_V1 = CONTEXT.address("a_v1", "float64[D]: device voltage at this accepted point, V")
A_G = CONTEXT.address("a_g", "float64[D]: committed conductance, S")
A_TEMP = CONTEXT.address("a_temp", "float64[D]: committed temperature, K")
A_GSCALE_INV = CONTEXT.address("a_gscale_inv", "float64[D]: 1 / G_scale, 1/S")
A_GROUPS = CONTEXT.address("a_groups", "int64[n_groups, 2]: (kernel address, block address)")
NGROUPS = CONTEXT.i64("ngroups", "device groups")
TIME_INDEX = CONTEXT.i64("time_index", "index of the scale vector 'time' in SendData's list")
LIVE = CONTEXT.i64("live", "1 during a transient analysis (devices evolve), 0 otherwise")
FROZEN = CONTEXT.i64("frozen", "1: never advance devices (the bridge's own overhead)")
N_ACCEPTED = CONTEXT.i64("n_accepted", "accepted time points")
N_REJECT_NGSPICE = CONTEXT.i64("n_reject_ngspice", "steps ngspice rejected")
N_CAPPED = CONTEXT.i64("n_capped", "steps the bridge capped")
ERROR = CONTEXT.i64("error", "error code (ERR_*), 0: none")
ERROR_ARG = CONTEXT.i64("error_arg", "argument of the error code")
INTERRUPT = CONTEXT.i64("interrupt", "1 after Ctrl-C")
A_HIST = CONTEXT.address("a_hist", "float64[cap, 1 + 3D]: t, G used by the circuit, G committed, T")
HIST_CAP = CONTEXT.i64("hist_cap", "history rows")
HIST_ROWS = CONTEXT.i64("hist_rows", "history rows written")
HIST_STRIDE = CONTEXT.i64("hist_stride", "accepted points per history row")
HIST_SKIP = CONTEXT.i64("hist_skip", "points to skip before the next row")
N_VSRC_CALLS = CONTEXT.i64("n_vsrc_calls", "GetVSRCData calls")
N_SYNC_CALLS = CONTEXT.i64("n_sync_calls", "GetSyncData calls")
A_GOLD = CONTEXT.address("a_gold", "float64[D]: scratch, the conductance before the step")
A_VINV = CONTEXT.address("a_vinv", "float64[D]: 1 / voltage scale of each device, 1/V")
T_PREV = CONTEXT.f64("t_prev", "time of the previous accepted point, s")
H_CAP = CONTEXT.f64("h_cap", "absolute step cap, s")
TOL = CONTEXT.f64("tol", "target of max |ln(G_new / G_old)| per step")
H_FLOOR = CONTEXT.f64("h_floor", "the step control never lowers a step below this, s")
LAST_DLN = CONTEXT.f64("last_dln", "max over devices of min(1, |V|/V_scale) |ln(G_new/G_old)|")
LAST_H = CONTEXT.f64("last_h", "length of the last accepted step, s")
MAX_DLN = CONTEXT.f64("max_dln", "largest LAST_DLN seen in the run")
H_DEVICE = CONTEXT.f64("h_device", "largest next step the kernels allow (request_step), s; 0: none")
LAST_BIAS = CONTEXT.f64("last_bias", "max over devices of max(|V0|, |V1|) / V_scale, last step")
H_REST = CONTEXT.f64("h_rest", "step cap while every device is at rest, s")
REST_BIAS = CONTEXT.f64("rest_bias", "rest threshold of LAST_BIAS (0: never at rest)")
A_NODEA = CONTEXT.address("a_nodea", "int64[D]: compact id of the '+' node (-1: ground), node measure")
A_NODEB = CONTEXT.address("a_nodeb", "int64[D]: compact id of the '-' node")
NNODES = CONTEXT.i64("nnodes", "number of compact node ids")
A_NODESUM = CONTEXT.address("a_nodesum", "float64[2 NNODES]: scratch per node (lagging current, device current)")
MEASURE = CONTEXT.i64("measure", "step-control error measure: 0 device ln G change, 1 node current")

#: Every layout of the bridge, with the module-constant prefix of its slots.
LAYOUTS = (BLOCK, AUX, CONTEXT)
