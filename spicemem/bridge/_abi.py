"""Raw-memory helpers for Numba ``@cfunc`` callbacks (no Python on the hot path).

ngspice hands its callbacks C structs (``vecvaluesall``) and C strings; the bridge's state
lives in NumPy arrays whose addresses are stored in one process-wide int64 array, the
*context*.  A cached ``@cfunc`` cannot capture a Python object or a run-time address as a
constant (it would be baked into the on-disk cache), so the context is reached through an
external symbol: its address is registered with LLVM's symbol table
(``llvmlite.binding.add_symbol``) before any callback is compiled or loaded from cache, and
the compiled code refers to it by name only -- the same mechanism Numba uses for its own
C helpers.  Everything else is plain pointer arithmetic on addresses read from the context.
"""

from __future__ import annotations

from llvmlite import ir

from .._numba_cache import configure as _configure_cache

_configure_cache()  # before the bridge's cache=True callbacks are defined

from numba import types  # noqa: E402
from numba.extending import intrinsic

#: Name of the context symbol (unique to spicemem; versioned with the slot layout).
CTX_SYMBOL = "spicemem_bridge_ctx_v1"
#: Number of int64 slots in the context.
CTX_SLOTS = 64


@intrinsic
def ctx_address(typingctx):
    """Address of the process-wide context array (int64)."""
    sig = types.int64()

    def codegen(context, builder, signature, args):
        mod = builder.module
        gv = mod.globals.get(CTX_SYMBOL)
        if gv is None:
            gv = ir.GlobalVariable(mod, ir.IntType(64), CTX_SYMBOL)
            gv.linkage = "external"
        return builder.ptrtoint(gv, ir.IntType(64))

    return sig, codegen


def _pointer_intrinsic(nbtype):
    @intrinsic
    def as_ptr(typingctx, addr):
        sig = types.CPointer(nbtype)(types.int64)

        def codegen(context, builder, signature, args):
            lltype = context.get_value_type(nbtype)
            return builder.inttoptr(args[0], lltype.as_pointer())

        return sig, codegen

    return as_ptr


f64_ptr = _pointer_intrinsic(types.float64)
i64_ptr = _pointer_intrinsic(types.int64)
u64_ptr = _pointer_intrinsic(types.uint64)
i32_ptr = _pointer_intrinsic(types.int32)
u8_ptr = _pointer_intrinsic(types.uint8)


@intrinsic
def voidptr_to_int(typingctx, ptr):
    """The address held by a ``void*`` (or any pointer) argument, as int64."""
    sig = types.int64(ptr)

    def codegen(context, builder, signature, args):
        return builder.ptrtoint(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def call_group_kernel(typingctx, fn_addr, block_addr, t0, t1):
    """Call ``int64 kernel(int64 block, double t0, double t1)`` at address ``fn_addr``."""
    sig = types.int64(types.int64, types.int64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.DoubleType(), ir.DoubleType()])
        fn = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(fn, [args[1], args[2], args[3]])

    return sig, codegen


_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3


def fnv1a64(text: str) -> int:
    """FNV-1a 64-bit hash of ``text`` (ASCII, as ngspice passes names), in [0, 2**64).

    The callbacks hash the C string with the same function to dispatch external sources by
    name without Python.
    """
    h = _FNV_OFFSET
    for b in text.encode("ascii", "replace"):
        h ^= b
        h = (h * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h
