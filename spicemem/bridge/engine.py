"""The one ngspice of a process, loaded through PySpice's shared-library interface.

ngspice keeps its state in C globals, so a process holds one instance (a second
``NgSpiceShared`` fails with a cffi duplicate declaration); parallel runs are processes.
:func:`get_engine` creates it on first use and returns the same object afterwards; every
run removes its circuit and plots (``remcirc``, ``destroy all``), without which memory
grows with each run.

Callback registration.  PySpice registers Python callbacks with ``ngSpice_Init`` and NULL
for SendData (unless asked) and GetSyncData.  ngspice decides once, in ``ngSpice_Init``,
whether it will ever send data (a NULL SendData sets a flag that a later
``ngSpice_Init`` does not clear, and a second ``ngSpice_Init`` re-initialises the whole
simulator).  The engine therefore subclasses ``NgSpiceShared`` and registers, from the
start, the compiled callbacks of :mod:`spicemem.bridge.callbacks` for SendData,
GetVSRCData and GetSyncData through PySpice's own cffi handle (``ffi.cast`` of the cfunc
address), together with PySpice's Python callbacks for text output, status, exit, init
data and the background thread, and PySpice's own user pointer (they decode it with
``ffi.from_handle``).  No callback is ever re-registered, so none is replaced by NULL.

The library: ``$NGSPICE_LIBRARY_PATH`` if set, else ``libngspice.so.0`` (Debian's
``libngspice0`` package) or ``libngspice.so`` (``libngspice0-dev``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import tempfile
import threading
from pathlib import Path

import numpy as np

from ..errors import EngineMissingError

_LOCK = threading.Lock()
_ENGINE = None
_CANDIDATES = ("libngspice.so.0", "libngspice.so")


def _library_path() -> str:
    env = os.environ.get("NGSPICE_LIBRARY_PATH")
    tried = [env] if env else list(_CANDIDATES)
    for path in tried:
        try:
            ctypes.CDLL(path)
        except OSError:
            continue
        return path
    raise EngineMissingError(
        f"the ngspice shared library is not installed (tried {', '.join(tried)}); install it with "
        f"'apt-get install libngspice0' or set NGSPICE_LIBRARY_PATH to its path")


@contextlib.contextmanager
def _private_start():
    """Start ngspice in a private, empty working directory holding an empty ``.spiceinit``.

    ngspice 39.3 reads ``.spiceinit`` from the working directory when the library starts,
    and only if there is none there, ``~/.spiceinit`` from the home directory of the user
    (from the password database, not $HOME; measured here: a ``shell touch`` in either ran).
    Both are command scripts that no netlist check sees.  An empty one of our own in a
    private directory means ngspice reads neither; the system's ``spinit`` (Debian's, which
    loads the XSPICE code models) is still read.  The process's working directory is
    restored afterwards.
    """
    old = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="spicemem-ngspice-") as private:
        Path(private, ".spiceinit").write_text("* spicemem: ngspice reads no user start-up script\n")
        os.chdir(private)
        try:
            yield
        finally:
            os.chdir(old)


def get_engine() -> "Engine":
    """The process's ngspice engine (created on first call)."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            _ENGINE = Engine(_library_path())
        return _ENGINE


class Engine:
    """ngspice with the bridge's compiled callbacks registered.

    Use :meth:`load`, :meth:`run`, :meth:`vectors` and :meth:`clear`; PySpice raises
    ``NgSpiceCommandError`` for every stderr line that does not start with "Warning:"
    (benign "Note:" lines included), so the engine calls ``ngSpice_Command`` itself and
    reads the text ngspice printed.
    """

    def __init__(self, library_path: str):
        import logging

        # PySpice reads the library path when its module is imported: set the class
        # attribute before the instance loads the library.
        from PySpice.Spice.NgSpice import Shared as _shared

        from . import callbacks as cb

        logging.getLogger("PySpice").setLevel(logging.CRITICAL)  # we report errors ourselves
        _shared.NgSpiceShared.LIBRARY_PATH = library_path
        if _shared.NgSpiceShared._instances:
            raise EngineMissingError("an ngspice instance was already created in this process by "
                                     "PySpice; spicemem needs to create the only one")
        self._cb = cb
        self._init_handler = None
        engine = self

        class _Shared(_shared.NgSpiceShared):
            def _init_ngspice(self, send_data):
                ffi = _shared.ffi
                self._send_char_c = ffi.callback("int (char *, int, void *)", self._send_char)
                self._send_stat_c = ffi.callback("int (char *, int, void *)", self._send_stat)
                self._exit_c = ffi.callback("int (int, bool, bool, int, void *)", self._exit)
                self._send_init_data_c = ffi.callback("int (pvecinfoall, int, void *)",
                                                      self._send_init_data)
                self._background_thread_running_c = ffi.callback("int (bool, int, void *)",
                                                                 self._background_thread_running)
                self._send_data_c = ffi.cast("SendData *", cb.send_data.address)
                self._get_vsrc_data_c = ffi.cast("GetVSRCData *", cb.get_vsrc.address)
                self._get_isrc_data_c = ffi.callback("int (double *, double, char *, int, void *)",
                                                     self._get_isrc_data)
                self._get_sync_data_c = ffi.cast("GetSyncData *", cb.get_sync.address)
                self._self_c = ffi.new_handle(self)
                rc = self._ngspice_shared.ngSpice_Init(
                    self._send_char_c, self._send_stat_c, self._exit_c, self._send_data_c,
                    self._send_init_data_c, self._background_thread_running_c, self._self_c)
                if rc:
                    raise EngineMissingError(f"ngSpice_Init returned {rc}")
                ident = ffi.new("int *", self._ngspice_id)
                self._ngspice_id = ident
                rc = self._ngspice_shared.ngSpice_Init_Sync(
                    self._get_vsrc_data_c, self._get_isrc_data_c, self._get_sync_data_c, ident,
                    self._self_c)
                if rc:
                    raise EngineMissingError(f"ngSpice_Init_Sync returned {rc}")
                self._get_version()
                from PySpice.Spice.NgSpice.SimulationType import SIMULATION_TYPE
                from PySpice.Tools.EnumFactory import EnumFactory

                key = self._ngspice_version if self._ngspice_version in SIMULATION_TYPE else "last"
                self._simulation_type = EnumFactory("SimulationType", SIMULATION_TYPE[key])
                self._type_to_unit = {}
                self.set("nomoremode")

            def send_init_data(self, data, ngspice_id):
                handler = engine._init_handler
                if handler is None:
                    return 0
                try:
                    handler(data)
                except BaseException as exc:  # never let it reach cffi (it would be swallowed)
                    engine.init_error = exc
                    cb.CTX[cb.ERROR] = cb.ERR_INIT
                return 0

        try:
            with _private_start():
                self.shared = _Shared.new_instance()
        except OSError as exc:
            raise EngineMissingError(
                f"cannot load the ngspice shared library {library_path!r} ({exc}); install it with "
                f"'apt-get install libngspice0' or set NGSPICE_LIBRARY_PATH") from None
        self._ffi = _shared.ffi
        self._lib = self.shared._ngspice_shared
        self.library_path = library_path
        self.init_error = None
        banner = self.command("version -f")[0]
        m = re.search(r"ngspice-(\S+)", "\n".join(banner))
        self.version = m.group(1) if m else "unknown"

    # -- commands ------------------------------------------------------------------------------
    def command(self, cmd: str):
        """Run one ngspice command; return (stdout lines, stderr lines)."""
        sh = self.shared
        sh.clear_output()
        self._lib.ngSpice_Command(cmd.encode("ascii"))
        return list(sh._stdout), list(sh._stderr)

    def load(self, text: str):
        """Hand a netlist to ngspice (``ngSpice_Circ``); return (stdout, stderr) lines."""
        ffi = self._ffi
        lines = [ln for ln in text.splitlines() if ln.strip()] + [""]
        keep = [ffi.new("char[]", ln.encode("utf-8", "replace")) for ln in lines] + [ffi.NULL]
        arr = ffi.new("char *[]", keep)
        self.shared.clear_output()
        self._lib.ngSpice_Circ(arr)
        return list(self.shared._stdout), list(self.shared._stderr)

    def run(self, on_init=None, poll=None, interval: float = 0.2):
        """Run the loaded circuit's analyses (``run``, blocking until they end).

        ``on_init(vecinfoall)`` is called (in Python) when an analysis starts.  Ctrl-C during
        the run sets the context's interrupt flag (a C-level handler); the callbacks then abort
        the analysis and the caller raises KeyboardInterrupt.  Returns (stdout, stderr).

        ``poll()``, if given, is called every ``interval`` seconds while ngspice runs (and
        once at the end): ngspice then runs in a worker thread (cffi releases the GIL during
        the call) and this thread only waits and polls, e.g. to draw progress from the
        callbacks' context.  Nothing else changes: the same library call, the same callbacks.
        """
        libc = ctypes.CDLL(None)
        libc.signal.restype = ctypes.c_void_p
        libc.signal.argtypes = (ctypes.c_int, ctypes.c_void_p)
        self._init_handler = on_init
        self.init_error = None
        old = libc.signal(signal.SIGINT, self._cb.sigint_handler.address)
        try:
            if poll is None:
                return self.command("run")
            return self._run_polled(poll, interval)
        finally:
            libc.signal(signal.SIGINT, old)
            self._init_handler = None

    def _run_polled(self, poll, interval):
        box = {}

        def work():
            try:
                box["out"] = self.command("run")
            except BaseException as exc:  # handed to the calling thread below
                box["exc"] = exc

        worker = threading.Thread(target=work, name="spicemem-ngspice-run", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(interval)
            poll()
        if "exc" in box:
            raise box["exc"]
        return box["out"]

    def current_plot(self) -> str:
        return self._ffi.string(self._lib.ngSpice_CurPlot()).decode()

    def plots(self) -> list:
        out = []
        arr = self._lib.ngSpice_AllPlots()
        i = 0
        while arr[i] != self._ffi.NULL:
            out.append(self._ffi.string(arr[i]).decode())
            i += 1
        return out

    def vectors(self, plot: str) -> dict:
        """All vectors of ``plot`` as {name: float64 array} (real parts)."""
        ffi = self._ffi
        names = []
        arr = self._lib.ngSpice_AllVecs(plot.encode())
        i = 0
        while arr[i] != ffi.NULL:
            names.append(ffi.string(arr[i]).decode())
            i += 1
        out = {}
        for name in names:
            info = self._lib.ngGet_Vec_Info(f"{plot}.{name}".encode())
            if info == ffi.NULL:
                continue
            n = info.v_length
            if info.v_realdata != ffi.NULL:
                data = np.frombuffer(ffi.buffer(info.v_realdata, n * 8), dtype=np.float64).copy()
            elif info.v_compdata != ffi.NULL:
                data = np.frombuffer(ffi.buffer(info.v_compdata, n * 16), dtype=np.float64)[0::2].copy()
            else:
                continue
            out[name] = data
        return out

    def clear(self):
        """Remove the circuit and every plot (memory stays flat over many runs)."""
        self.command("remcirc")
        self.command("destroy all")
