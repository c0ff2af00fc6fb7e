"""Everything a new memristor model needs to plug into the bridge, in one import.

A model outside spicemem (or a test's) is written like the built-in ones
(:mod:`spicemem.bridge.devices_drift` is a short example): a subclass of
:class:`DeviceType`, a compiled group kernel with the signature
:data:`GROUP_KERNEL_SIG` that reads its block through the ``B_*`` slots of
:data:`BLOCK`, and one call of :func:`register`.  From then on ``.model NAME <type> (...)``
and ``N`` lines of that type run in any netlist, and a type with a ``memory`` description
(:class:`MemoryCell`) is a memory kind of the crossbar generator.

Importing this module loads Numba (the kernel helpers) but compiles nothing.
"""

from ._abi import f64_ptr, i64_ptr, u64_ptr
from .callbacks import GROUP_KERNEL_SIG, request_step
from .device_type import DeviceSpec, DeviceType, Group, MemoryCell, model_number, new_block
from .devices import memory_types, register, registry, unregister
from .layout import (B_FSTATE, B_G, B_INDEX, B_KSCALE, B_N, B_NDEV, B_NF, B_NP, B_P, B_SCRATCH,
                     B_TEMP, B_V0, B_V1, BLOCK, BLOCK_SLOTS)

__all__ = ["B_FSTATE", "B_G", "B_INDEX", "B_KSCALE", "B_N", "B_NDEV", "B_NF", "B_NP", "B_P",
           "B_SCRATCH", "B_TEMP", "B_V0", "B_V1", "BLOCK", "BLOCK_SLOTS", "DeviceSpec",
           "DeviceType", "GROUP_KERNEL_SIG", "Group", "MemoryCell", "f64_ptr", "i64_ptr",
           "memory_types", "model_number", "new_block", "register", "registry",
           "request_step", "u64_ptr", "unregister"]
