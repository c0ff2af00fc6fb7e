"""The memory layouts shared with compiled code are declared once and cannot overlap (issue 15).

Every slot constant of spicemem.bridge.layout must be a field of exactly one layout, at
the offset its declaration generated; no two fields of a layout share memory; a float
field is float64 and every other int64 (floats and ints share a slot only where a layout
declares it, and none does); every layout fits the array the bridge allocates for it.
"""

import numpy as np
import pytest

from spicemem.bridge import _abi, layout
from spicemem.kernels.hopping import HopTables


@pytest.mark.parametrize("lay", layout.LAYOUTS, ids=lambda lay: lay.name)
def test_a_layout_has_disjoint_slots_of_one_kind_each(lay):
    dt = lay.dtype
    spans = sorted((dt.fields[name][1], dt.fields[name][1] + dt.fields[name][0].itemsize, name)
                   for name in dt.names)
    for (a0, a1, na), (b0, _, nb) in zip(spans, spans[1:]):
        assert a1 <= b0, f"{lay.name}: {na} [{a0}, {a1}) overlaps {nb} at {b0}"
    assert spans[-1][1] <= 8 * lay.slots == dt.itemsize
    for name, kind, count, _ in lay.fields:
        base = dt.fields[name][0].base
        assert base == (np.float64 if kind == "f64" else np.int64), (name, kind, base)
        assert dt.fields[name][1] == 8 * lay.offset(name)


@pytest.mark.parametrize("lay", layout.LAYOUTS, ids=lambda lay: lay.name)
def test_every_constant_is_its_generated_offset(lay):
    consts = lay.constants()
    for name, value in consts.items():
        assert getattr(layout, name) == value, (name, getattr(layout, name), value)
    assert len(set(consts.values())) == len(consts)


def test_no_constant_belongs_to_two_layouts():
    names = [n for lay in layout.LAYOUTS for n in lay.constants()]
    assert len(names) == len(set(names))


def test_the_arrays_match_their_layouts():
    assert layout.CONTEXT.slots == _abi.CTX_SLOTS
    assert layout.N_HOP_TABLES == len(HopTables._fields)
    assert layout.AUX.offset("tables") + layout.N_HOP_TABLES <= layout.AUX_SLOTS


def test_a_record_writes_the_slot_the_kernels_read():
    block = layout.BLOCK.zeros()
    rec = layout.BLOCK.record(block)
    rec["n"], rec["tscale"] = 7, 2.5e-9
    assert block[layout.B_N] == 7
    assert block.view(np.float64)[layout.B_TSCALE] == 2.5e-9
    with pytest.raises(ValueError, match="expected int64\\[32\\]"):
        layout.BLOCK.record(np.zeros(8, dtype=np.int64))


def test_a_slot_declared_twice_or_beyond_the_end_is_refused():
    lay = layout.Layout("t", "T_", 2)
    lay.i64("a", "")
    with pytest.raises(ValueError, match="declared twice"):
        lay.f64("a", "")
    with pytest.raises(ValueError, match="does not fit"):
        lay.address("b", "", 2)
