"""What a crossbar netlist describes: the array, its cells, its wiring and the pulse.

Everything here is plain data, validated once when it is built (one-line ``ValueError``
messages that say what was expected and what was found); :mod:`.netlist` writes it as
ngspice text and :mod:`.nodal` solves the same network directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..bridge.devices import memory_types as registered_memory_types
from ..devices import params as _v

CELLS = ("1R", "1S1R")
SCHEMES = ("floating", "v/2", "v/3")
PULSE_KINDS = ("read", "write")
ANALYSES = ("tran", "op")

#: The selector's model card (``.model sel diffusive (...)``): the paper's landscape
#: (Wang et al. 2017, Methods) with the choices measured in ``docs/crossbar.md``:
#:
#: * ``theta_ambient=0.125`` (w_p = 0.21 eV at 300 K): 0 of 4000 devices at 2 V_th (a
#:   half-selected cell of a 4 V read) switched within 3 us, while at 4 V_th every device
#:   of 200 switched, 99 % of them within 0.56 us;
#: * ``tunnel_length_ratio=0.15`` (lambda = 0.15 L instead of 0.2 L): OFF resistance
#:   ~1e3 x R_min instead of ~70 x, so one particle wandering into the gap does not make
#:   an OFF selector look ON;
#: * ``friction_ratio=10 heating_ratio=20``: the Fig. 4 calibration of the physics core;
#: * ``r_tunnel=100`` Ohm (R_min = 5.7 kOhm): ON resistance below the memory's LRS.
SELECTOR_MODEL = ("preset=wang2017_paper theta_ambient=0.125 tunnel_length_ratio=0.15 "
                  "friction_ratio=10 heating_ratio=20 r_tunnel=100")
LRS, HRS = 1, 0


def memory_types() -> dict:
    """{type: MemoryCell} of the registered memristor types that can be a memory
    (:func:`spicemem.bridge.devices.memory_types`: the registry's metadata, which loads no
    simulator and no compiled code)."""
    return registered_memory_types()


def _legacy_fields() -> dict:
    """{type: (model-card field, LRS state field, HRS state field)}: the ``Crossbar``
    keywords of the memories that had their own before any registered type could be one
    (declared by each type, ``MemoryCell.aliases``).  A new type has none
    (``memory_model``, ``memory_lrs``, ``memory_hrs`` serve every type)."""
    return {name: cell.aliases for name, cell in memory_types().items() if cell.aliases}


def __getattr__(name):
    """The legacy constants ``<TYPE>_MODEL`` (the default model card of a memory with its
    own keywords, e.g. ``DRIFT_MODEL``), from the type's ``MemoryCell``."""
    for kind, fields in _legacy_fields().items():
        if fields[0].upper() == name:
            return memory_types()[kind].model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def memories() -> tuple:
    """The memory kinds of a cell: ``resistor`` and every registered memristor type that
    describes itself as a memory (:class:`spicemem.bridge.device_type.MemoryCell`)."""
    return ("resistor", *memory_types())


@dataclass(frozen=True)
class Pulse:
    """A trapezoidal pulse: spicemem's one pulse description.

    In a crossbar, the pulse on the selected cell (the unselected lines follow it scaled);
    in a measurement protocol (:func:`spicemem.experiments.measured.pulse`), one pulse of
    the source.

    Parameters
    ----------
    kind : {"read", "write"}
        Label only (the amplitude decides what it does).
    amplitude : float
        Selected-row voltage at the plateau, in V (the selected column is at 0 V).
    delay, rise, width, fall : float
        Start, rise time, plateau duration and fall time, in s.
    tail : float
        Time simulated after the fall, in s.
    """

    kind: str = "read"
    amplitude: float = 4.0
    delay: float = 0.1e-6
    rise: float = 50e-9
    width: float = 2.0e-6
    fall: float = 50e-9
    tail: float = 0.0

    def __post_init__(self):
        _v.check_choice("pulse kind", self.kind, set(PULSE_KINDS))
        a = _v.check_finite("pulse amplitude", self.amplitude)
        if a == 0.0:
            raise ValueError("parameter 'pulse amplitude' must be non-zero (in V), got 0")
        for name in ("delay", "tail"):
            _v.check_nonnegative(f"pulse {name}", getattr(self, name))
        for name in ("rise", "width", "fall"):
            _v.check_positive(f"pulse {name}", getattr(self, name))

    @property
    def t_on(self) -> float:
        """Start of the plateau, in s."""
        return self.delay + self.rise

    @property
    def t_off(self) -> float:
        """End of the plateau, in s."""
        return self.delay + self.rise + self.width

    @property
    def t_stop(self) -> float:
        """End of the simulated time, in s."""
        return self.t_off + self.fall + self.tail

    # -- the names of a measurement protocol (spicemem.experiments.measured) --------------------
    @property
    def start(self) -> float:
        """Start of the rising edge, in s (``delay``)."""
        return self.delay

    @property
    def top_end(self) -> float:
        """End of the plateau, in s (``t_off``)."""
        return self.t_off

    @property
    def end(self) -> float:
        """End of the falling edge, in s."""
        return self.delay + (self.rise + self.fall) + self.width


def bias_levels(scheme: str) -> tuple[float, float]:
    """(unselected row, unselected column) voltages as fractions of the pulse amplitude;
    None for a floating line."""
    if scheme == "v/2":
        return 0.5, 0.5
    if scheme == "v/3":
        return 1.0 / 3.0, 2.0 / 3.0
    return None, None


def _pattern(value, rows: int, cols: int) -> tuple:
    if value is None:
        return tuple((LRS,) * cols for _ in range(rows))
    try:
        grid = [list(r) for r in value]
    except TypeError:
        raise ValueError(f"parameter 'pattern' must be {rows} rows of {cols} states (1 = LRS, "
                         f"0 = HRS), got {value!r}") from None
    if len(grid) != rows or any(len(r) != cols for r in grid):
        shape = f"{len(grid)} rows of lengths {sorted({len(r) for r in grid})}"
        raise ValueError(f"parameter 'pattern' must be {rows} x {cols}, got {shape}")
    out = []
    for i, r in enumerate(grid):
        row = []
        for j, s in enumerate(r):
            if isinstance(s, str):
                s = {"1": 1, "0": 0, "l": 1, "h": 0, "lrs": 1, "hrs": 0}.get(s.strip().lower(), s)
            if isinstance(s, bool) or s not in (0, 1):
                raise ValueError(f"parameter 'pattern': cell ({i}, {j}) must be 1 (LRS) or 0 (HRS), "
                                 f"got {s!r}")
            row.append(int(s))
        out.append(tuple(row))
    return tuple(out)


@dataclass(frozen=True)
class Crossbar:
    """An R x C crossbar with one pulse on one cell.

    Rows are driven from their left end (column 0 side) and columns end at their bottom
    (row R-1 side): the default selected cell, (0, C-1), is the farthest from both, the
    worst case for line resistance.

    Parameters
    ----------
    rows, cols : int
        Array size.
    cell : {"1R", "1S1R"}
        Memory element only, or a diffusive selector in series with it.
    memory : str
        ``"resistor"``: a fixed resistor holding the stored state (``r_lrs``/``r_hrs``); or
        a registered memristor type that can be a memory (:func:`memories`: ``"drift"``, a
        TaOx drift memristor (``drift_model``) started at state ``x_lrs``/``x_hrs``;
        ``"rram"``, a Stanford/PKU RRAM (``rram_model``) started at gap
        ``gap_lrs``/``gap_hrs``; any other with ``memory_model``/``memory_lrs``/``memory_hrs``).
    pattern : rows x cols of {1, 0}, optional
        Stored states, 1 = LRS, 0 = HRS.  Default: every cell LRS.
    r_lrs, r_hrs : float
        Memory resistances, in Ohm.
    x_lrs, x_hrs : float
        Drift-memory states (dimensionless, in [0, 1]).
    gap_lrs, gap_hrs : float
        RRAM-memory gaps, in m (the preset's g_min and g_max: 556 Ohm and 2.2e5 Ohm at 0 V);
        the bridge checks them against the model's [g_min, g_max].
    memory_reversed : bool
        Connect a memristor memory (drift, rram) with its n+ terminal (the RRAM's top
        electrode) on the selector side, so that a positive row pulse biases it negatively
        (the RRAM's RESET polarity).  A read in that polarity cannot SET an HRS cell, which
        a forward read does once the selector is ON (see ``docs/rram_model.md``).
    selector_model, drift_model, rram_model : str
        ``key=value`` text of the ``.model`` cards (see :data:`SELECTOR_MODEL`).
    memory_model : str, optional
        ``key=value`` text of the memory's ``.model`` card, for any memristor memory (default:
        ``drift_model``/``rram_model`` for those two, else the type's own default).
    memory_lrs, memory_hrs : float, optional
        Initial state of an LRS/HRS memristor memory, in the unit of the type's state
        keyword (default: ``x_*``/``gap_*`` for drift/rram, else the type's defaults).
    selector_resistance : float, optional
        Replace every selector by this fixed resistance, in Ohm (the plain-ngspice
        reference netlist, and the DC checks).
    selector_reversed : bool
        Connect the selector's n+ terminal to the column, so that a positive row pulse
        biases it negatively: the switching polarity of the model (see ``docs/crossbar.md``).
    r_wire : float
        Line resistance per cell pitch, in Ohm, on rows and columns (0: ideal lines).
    r_driver : float
        Output resistance of every line driver, in Ohm.
    r_sense : float
        Input resistance of the sense amplifier on the selected column, in Ohm.
    scheme : {"floating", "v/2", "v/3"}
        Biasing of the unselected lines (``bias_levels``).
    selected : (int, int), optional
        Selected cell (row, column); default (0, cols - 1).
    pulse : Pulse
    analysis : {"tran", "op"}
        A transient pulse, or the operating point at the pulse plateau.
    tmax : float, optional
        Maximum time step written on the ``.tran`` line, in s.
    """

    rows: int
    cols: int
    cell: str = "1S1R"
    memory: str = "resistor"
    pattern: tuple | None = None
    r_lrs: float = 10e3
    r_hrs: float = 100e3
    # the legacy keywords (_legacy_fields); None: the type's own default (MemoryCell)
    x_lrs: float | None = None
    x_hrs: float | None = None
    gap_lrs: float | None = None
    gap_hrs: float | None = None
    memory_reversed: bool = False
    selector_model: str = SELECTOR_MODEL
    drift_model: str | None = None
    rram_model: str | None = None
    memory_model: str | None = None
    memory_lrs: float | None = None
    memory_hrs: float | None = None
    selector_resistance: float | None = None
    selector_reversed: bool = True
    r_wire: float = 2.0
    r_driver: float = 100.0
    r_sense: float = 100.0
    scheme: str = "v/2"
    selected: tuple | None = None
    pulse: Pulse = field(default_factory=Pulse)
    analysis: str = "tran"
    tmax: float | None = None

    def __post_init__(self):
        rows = _v.check_int_at_least("rows", self.rows, 1)
        cols = _v.check_int_at_least("cols", self.cols, 1)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "cols", cols)
        cell = str(self.cell).upper()
        _v.check_choice("cell", cell, set(CELLS))
        object.__setattr__(self, "cell", cell)
        if str(self.memory).lower() != "resistor":
            _v.check_choice("memory", str(self.memory).lower(), set(memories()))
        object.__setattr__(self, "memory", str(self.memory).lower())
        scheme = str(self.scheme).lower()
        scheme = {"v2": "v/2", "half": "v/2", "v3": "v/3", "third": "v/3", "float": "floating"}.get(scheme, scheme)
        _v.check_choice("scheme", scheme, set(SCHEMES))
        object.__setattr__(self, "scheme", scheme)
        _v.check_choice("analysis", self.analysis, set(ANALYSES))
        object.__setattr__(self, "pattern", _pattern(self.pattern, rows, cols))
        for name in ("r_lrs", "r_hrs"):
            object.__setattr__(self, name, _v.check_positive(name, getattr(self, name)))
        for name in ("r_wire", "r_driver", "r_sense"):
            object.__setattr__(self, name, _v.check_nonnegative(name, getattr(self, name)))
        legacy_cards = []
        for kind, (card, lrs, hrs) in _legacy_fields().items():
            cell = memory_types()[kind]
            if getattr(self, card) is None:
                object.__setattr__(self, card, cell.model)
            legacy_cards.append(card)
            for name, default in ((lrs, cell.lrs), (hrs, cell.hrs)):
                value = default if getattr(self, name) is None else getattr(self, name)
                object.__setattr__(self, name, cell.check_state(name, value))
        if not isinstance(self.memory_reversed, bool):
            raise ValueError(f"parameter 'memory_reversed' must be True or False, got "
                             f"{self.memory_reversed!r}")
        if self.selector_resistance is not None:
            object.__setattr__(self, "selector_resistance",
                               _v.check_positive("selector_resistance", self.selector_resistance))
        if self.tmax is not None:
            _v.check_positive("tmax", self.tmax)
        if not isinstance(self.pulse, Pulse):
            raise ValueError(f"parameter 'pulse' must be a Pulse, got {type(self.pulse).__name__}")
        sel = (0, cols - 1) if self.selected is None else self.selected
        try:
            i, j = (int(s) for s in sel)
            ok = all(int(s) == s for s in sel)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"parameter 'selected' must be a (row, column) pair of integers, got {sel!r}")
        if not (0 <= i < rows and 0 <= j < cols):
            raise ValueError(f"parameter 'selected': cell ({i}, {j}) is outside the {rows} x {cols} "
                             f"array (rows 0..{rows - 1}, columns 0..{cols - 1})")
        object.__setattr__(self, "selected", (i, j))
        for name in ("memory_lrs", "memory_hrs"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _v.check_finite(name, getattr(self, name)))
        for name in ("selector_model", *legacy_cards, "memory_model"):
            text = getattr(self, name)
            if name == "memory_model" and text is None:
                continue
            # parentheses only as ngspice's random functions, agauss(nom, a, s) etc.
            # (device-to-device variability, spicemem.bridge.variability)
            bare = text if isinstance(text, str) and "(" not in text else None
            if isinstance(text, str) and bare is None:
                # only then: the bridge package loads SciPy, which importing (or building)
                # a plain crossbar must not
                from ..bridge.variability import CALL as random_call

                bare = random_call.sub("", text)
            if bare is None or any(c in bare for c in "\n()"):
                raise ValueError(f"parameter {name!r} must be one line of key=value pairs without "
                                 f"parentheses other than agauss/gauss/aunif/unif(...), got {text!r}")

    # -- derived ----------------------------------------------------------------------------
    @property
    def n_cells(self) -> int:
        return self.rows * self.cols

    @property
    def live_selectors(self) -> bool:
        return self.cell == "1S1R" and self.selector_resistance is None

    def memory_card(self) -> str:
        """``key=value`` text of the memristor memory's ``.model`` card."""
        if self.memory_model is not None:
            return self.memory_model
        legacy = _legacy_fields()
        if self.memory in legacy:
            return getattr(self, legacy[self.memory][0])
        return memory_types()[self.memory].model

    def memory_state(self, state: int) -> float:
        """Initial state of a memristor memory storing ``state`` (1 = LRS, 0 = HRS), in the
        unit of the type's state keyword."""
        given = self.memory_lrs if state == LRS else self.memory_hrs
        if given is not None:
            return given
        legacy = _legacy_fields()
        if self.memory in legacy:
            return getattr(self, legacy[self.memory][1 if state == LRS else 2])
        cell = memory_types()[self.memory]
        return cell.lrs if state == LRS else cell.hrs

    def memory_resistance(self, i: int, j: int) -> float:
        """Fixed memory resistance of cell (i, j), in Ohm."""
        return self.r_lrs if self.pattern[i][j] == LRS else self.r_hrs

    def replace(self, **changes) -> "Crossbar":
        import dataclasses

        return dataclasses.replace(self, **changes)

    def half_selected(self) -> list:
        """Cells sharing the selected cell's row or column (the selected one excluded)."""
        i0, j0 = self.selected
        return [(i0, j) for j in range(self.cols) if j != j0] + \
               [(i, j0) for i in range(self.rows) if i != i0]

    def tag(self) -> str:
        """Short file-name tag, e.g. ``8x8_1s1r_v2``."""
        return f"{self.rows}x{self.cols}_{self.cell.lower()}_{self.scheme.replace('/', '')}"


def worst_case_pattern(rows: int, cols: int, selected=None, state: int = HRS) -> tuple:
    """Every cell LRS except the selected one, which holds ``state`` (1 = LRS, 0 = HRS):
    the pattern with the most sneak current."""
    i0, j0 = (0, cols - 1) if selected is None else selected
    return tuple(tuple(state if (i, j) == (i0, j0) else LRS for j in range(cols)) for i in range(rows))
