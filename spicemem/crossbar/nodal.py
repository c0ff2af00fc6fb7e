"""Direct nodal (DC) solution of a crossbar of fixed resistances.

Built from the :class:`~spicemem.crossbar.spec.Crossbar` itself, not from the netlist
text, so that it checks the generator (``tests/test_crossbar.py``) and stands in for
ngspice where only a resistor network is needed.  Unknowns are the node voltages of the
rows and columns at every crossing and at the line ends; a cell is one conductance
1 / (R_memory + R_selector) between its row and column node; a driven line end is a
Norton source (V, 1/R_driver).  Zero resistances merge nodes; a zero driver resistance
fixes its node.  The system G v = i is solved with a sparse LU (SciPy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import Crossbar, bias_levels


@dataclass(frozen=True)
class DCSolution:
    """Node voltages (V) and currents (A) of the DC network.

    Attributes
    ----------
    row_v, col_v : ndarray (R, C)     row / column voltage at each crossing
    cell_v : ndarray (R, C)           row minus column voltage across each cell
    cell_i : ndarray (R, C)           current through each cell, row to column
    mid_v : ndarray (R, C) or None    1S1R: node between memory and selector
    row_in_i : ndarray (R,)           current delivered by each row driver (0 if floating)
    col_out_i : ndarray (C,)          current leaving each column into its termination
    sense_current : float             col_out_i of the selected column
    """

    row_v: np.ndarray
    col_v: np.ndarray
    cell_v: np.ndarray
    cell_i: np.ndarray
    mid_v: np.ndarray | None
    row_in_i: np.ndarray
    col_out_i: np.ndarray
    sense_current: float


class _Nodes:
    """Node numbering with merging (union-find) for zero-resistance connections."""

    def __init__(self):
        self.index: dict = {}
        self.parent: list = []

    def __call__(self, name) -> int:
        k = self.index.get(name)
        if k is None:
            k = self.index[name] = len(self.parent)
            self.parent.append(k)
        return k

    def find(self, k: int) -> int:
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: int, b: int):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def cell_resistance(spec: Crossbar, i: int, j: int, selector_resistance: float | None = None) -> float:
    """Series resistance of cell (i, j), in Ohm: memory plus (1S1R) the selector, which
    must then be given (or set in the spec)."""
    r = spec.memory_resistance(i, j)
    if spec.cell == "1S1R":
        rs = spec.selector_resistance if selector_resistance is None else selector_resistance
        if rs is None:
            raise ValueError("a 1S1R DC solution needs a fixed selector resistance "
                             "(selector_resistance, in Ohm)")
        r += rs
    return r


def solve_dc(spec: Crossbar, selector_resistance: float | None = None,
             cell_resistances=None) -> DCSolution:
    """DC solution of ``spec`` at the pulse plateau, every element a fixed resistance.

    Parameters
    ----------
    spec : Crossbar
        With ``memory='resistor'`` (or any memory with ``cell_resistances``).
    selector_resistance : float, optional
        Selector resistance in Ohm for 1S1R cells (default ``spec.selector_resistance``).
    cell_resistances : array (rows, cols), optional
        Each cell's series resistance (memory plus selector), in Ohm, instead of the spec's:
        an array of live devices frozen at one point of a run (their chord resistances
        there), whose network the solution then reproduces (``mid_v`` is None).
    """
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    if spec.memory != "resistor" and cell_resistances is None:
        raise ValueError("solve_dc needs fixed memory resistors (memory='resistor') or "
                         "cell_resistances")
    rows, cols = spec.rows, spec.cols
    i0, j0 = spec.selected
    f_row, f_col = bias_levels(spec.scheme)
    amp = spec.pulse.amplitude
    nodes = _Nodes()
    edges = []  # (node a, node b, resistance)
    sources = []  # (node, volts, resistance) Norton/Thevenin line ends
    for i in range(rows):
        level = 1.0 if i == i0 else f_row
        for j in range(1, cols):
            edges.append((nodes(("r", i, j - 1)), nodes(("r", i, j)), spec.r_wire))
        if level is not None:
            edges.append((nodes(("r", i, -1)), nodes(("r", i, 0)), spec.r_wire))
            sources.append((nodes(("r", i, -1)), level * amp, spec.r_driver, ("row", i)))
    for j in range(cols):
        level = 0.0 if j == j0 else f_col
        for i in range(1, rows):
            edges.append((nodes(("c", i - 1, j)), nodes(("c", i, j)), spec.r_wire))
        if level is not None:
            edges.append((nodes(("c", rows - 1, j)), nodes(("c", rows, j)), spec.r_wire))
            r_end = spec.r_sense if j == j0 else spec.r_driver
            sources.append((nodes(("c", rows, j)), level * amp, r_end, ("col", j)))
    if cell_resistances is not None:
        r_cell = np.array(cell_resistances, dtype=float)
        if r_cell.shape != (rows, cols) or not np.all(np.isfinite(r_cell)) or np.any(r_cell <= 0):
            raise ValueError(f"parameter 'cell_resistances' must be {rows} x {cols} positive finite "
                             f"resistances (Ohm), got shape {r_cell.shape}")
    else:
        r_cell = np.array([[cell_resistance(spec, i, j, selector_resistance) for j in range(cols)]
                           for i in range(rows)])
    for i in range(rows):
        for j in range(cols):
            edges.append((nodes(("r", i, j)), nodes(("c", i, j)), r_cell[i, j]))

    for a, b, r in edges:
        if r == 0.0:
            nodes.union(a, b)
    fixed = {}
    for node, v, r, _ in sources:
        if r == 0.0:
            fixed[nodes.find(node)] = v
    roots = sorted({nodes.find(k) for k in range(len(nodes.parent))})
    free = [k for k in roots if k not in fixed]
    col_of = {k: n for n, k in enumerate(free)}
    n = len(free)
    rr, cc, gg = [], [], []
    rhs = np.zeros(n)

    def stamp(a, b, g):
        for x, y, s in ((a, a, g), (b, b, g), (a, b, -g), (b, a, -g)):
            if x in col_of and y in col_of:
                rr.append(col_of[x])
                cc.append(col_of[y])
                gg.append(s)
        for x, y in ((a, b), (b, a)):
            if x in col_of and y in fixed:
                rhs[col_of[x]] += g * fixed[y]

    for a, b, r in edges:
        if r > 0.0:
            stamp(nodes.find(a), nodes.find(b), 1.0 / r)
    for node, v, r, _ in sources:
        if r > 0.0:
            k = nodes.find(node)
            if k in col_of:
                rr.append(col_of[k])
                cc.append(col_of[k])
                gg.append(1.0 / r)
                rhs[col_of[k]] += v / r
    if n:
        g = sp.csc_matrix((gg, (rr, cc)), shape=(n, n))
        sol = spla.spsolve(g, rhs)
        sol = np.atleast_1d(sol)
    else:
        sol = np.zeros(0)

    def volt(name) -> float:
        k = nodes.find(nodes.index[name])
        return fixed[k] if k in fixed else float(sol[col_of[k]])

    row_v = np.array([[volt(("r", i, j)) for j in range(cols)] for i in range(rows)])
    col_v = np.array([[volt(("c", i, j)) for j in range(cols)] for i in range(rows)])
    cell_v = row_v - col_v
    cell_i = cell_v / r_cell
    mid_v = None
    if spec.cell == "1S1R" and cell_resistances is None:
        r_mem = np.array([[spec.memory_resistance(i, j) for j in range(cols)] for i in range(rows)])
        mid_v = row_v - cell_i * r_mem
    # Kirchhoff: a line's only other paths are its cells
    row_in = cell_i.sum(axis=1)
    col_out = cell_i.sum(axis=0)
    for i in range(rows):
        if (1.0 if i == i0 else f_row) is None:
            row_in[i] = 0.0
    for j in range(cols):
        if (0.0 if j == j0 else f_col) is None:
            col_out[j] = 0.0
    return DCSolution(row_v, col_v, cell_v, cell_i, mid_v, row_in, col_out, float(col_out[j0]))
