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
GetISRCData (the memristors' state sources are external current sources), GetVSRCData (the
same function: no external voltage source is allowed, so any asks for an unknown name and
gets NaN) and GetSyncData through PySpice's own cffi handle (``ffi.cast`` of the cfunc
address), together with PySpice's Python callbacks for text output, status, exit, init
data and the background thread, and PySpice's own user pointer (they decode it with
``ffi.from_handle``).  No callback is ever re-registered, so none is replaced by NULL.

The library: ``$NGSPICE_LIBRARY_PATH`` if set, else ``libngspice.so.0`` (Debian's
``libngspice0`` package) or ``libngspice.so`` (``libngspice0-dev``).

A fatal error restarts the library.  ngspice's shared library never exits the process: on a
fatal error it calls the ControlledExit callback, prints "ngspice.dll cannot recover and
awaits to be detached" and expects the caller to unload it.  One input reaches this from an
allowed netlist: any numparam error while the netlist loads (a malformed ``.param``, an
undefined ``{name}``): ``nupa_done`` exits before it resets its "first deck" flag, so every
later deck reuses the same parameter table with its error count and exits too (ngspice
39.3, ``src/frontend/numparam/spicenum.c``; still so upstream).  Every later load in the
process then failed; this was the flaky full-suite failure after the property test of
``tests/test_untrusted_netlists.py``, whose random netlists hit it in about one run in six.
The engine therefore records the callback and, before it next drives ngspice, unloads the
library (``ffi.dlclose``) and loads it again, which gives fresh C globals (measured:
nothing of it stays mapped), started as at first (private working directory, same
callbacks).  If the library stays mapped (another handle holds it), a private copy of the
file is loaded instead: a copy is a new object with its own globals.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
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
        if _loadable(path):
            return path
    raise EngineMissingError(
        f"the ngspice shared library is not installed (tried {', '.join(tried)}); install it with "
        f"'apt-get install libngspice0' or set NGSPICE_LIBRARY_PATH to its path")


#: Turns off ngspice's transient operating-point fallback ("Transient op started"), keeping the
#: op iteration and gmin and source stepping.  With a GetSyncData callback installed -- the
#: bridge's step control -- ngspice 39.3 can loop forever inside that fallback without calling
#: back (measured with a do-nothing sync callback and no spicemem code: a 1 pF capacitor on a
#: node with no DC path, ``.tran 1u 4u``; ``.tran 1n 4u`` ran), so no callback can stop it and
#: Ctrl-C is ignored.  Without the fallback such a circuit ends in ngspice's own "no DC
#: solution" error, reported in one line; a DC path (a large resistor) or ``uic`` avoids it.
NO_OPTRAN = "optran 1 1 1 0 0 0"


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def _libdl():
    """``dlopen``, ``dlclose`` and ``dladdr`` of the C library (glibc; ctypes's own handles are
    never closed, and cffi's ``dlopen`` crashes on ``RTLD_NOLOAD``: no dlerror text)."""
    c = ctypes.CDLL(None)
    c.dlopen.restype = ctypes.c_void_p
    c.dlopen.argtypes = (ctypes.c_char_p, ctypes.c_int)
    c.dlclose.argtypes = (ctypes.c_void_p,)
    c.dladdr.argtypes = (ctypes.c_void_p, ctypes.POINTER(_DlInfo))
    return c


def _loadable(path: str) -> bool:
    """Whether ``path`` loads, without keeping it loaded: a handle left open here would keep
    a dead ngspice mapped when the engine restarts it."""
    dl = _libdl()
    handle = dl.dlopen(os.fsencode(path), os.RTLD_LAZY)
    if not handle:
        return False
    dl.dlclose(handle)
    return True


def _still_loaded(path: str) -> bool:
    """Whether an object loaded as ``path`` is still mapped (``RTLD_NOLOAD`` opens only an
    object already loaded, and counts one more handle, closed at once)."""
    dl = _libdl()
    handle = dl.dlopen(os.fsencode(path), os.RTLD_NOLOAD | os.RTLD_LAZY)
    if not handle:
        return False
    dl.dlclose(handle)
    return True


def _file_of(ffi, lib) -> str | None:
    """The file the loaded library ``lib`` came from (``dladdr`` of one of its functions)."""
    info = _DlInfo()
    addr = int(ffi.cast("uintptr_t", lib.ngSpice_Init))
    if _libdl().dladdr(addr, ctypes.byref(info)) and info.dli_fname:
        return os.fsdecode(info.dli_fname)
    return None


def _forget(ffi, lib) -> None:
    """Drop cffi's own references to the closed library ``lib``.

    cffi's ``FFI.dlopen`` keeps every library it opened, and its function cache, in lists
    that ``dlclose`` does not shorten (cffi 2.0, ``cffi/api.py``: "for keep-alive
    purposes"): ~7 kB of Python objects per restart (tracemalloc, bench/restart_leak.py).
    The engine keeps its own live handle, so the closed one needs no keep-alive.  Private
    attributes: if a cffi version has none, nothing is done.
    """
    libs, caches = getattr(ffi, "_libraries", None), getattr(ffi, "_function_caches", None)
    if not isinstance(libs, list):
        return
    for k, x in enumerate(libs):
        if x is lib:
            del libs[k]
            # dlopen appends to both lists together; a verify()-made library only to the first
            if isinstance(caches, list) and len(caches) == len(libs) + 1:
                del caches[k]
            return


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
        #: (status, immediate, quit) of ngspice's last ControlledExit call, until the restart
        self.exited = None
        #: how many times the library was unloaded and loaded again after a fatal error
        self.restarts = 0
        engine = self

        class _Shared(_shared.NgSpiceShared):
            def _init_ngspice(self, send_data):
                ffi = _shared.ffi
                self._send_char_c = ffi.callback("int (char *, int, void *)", self._send_char)
                self._send_stat_c = ffi.callback("int (char *, int, void *)", self._send_stat)
                # ours, not PySpice's: the engine must know that ngspice asked to be unloaded
                self._exit_c = ffi.callback("int (int, bool, bool, int, void *)", engine._on_exit,
                                            onerror=lambda *exc: 0)
                self._send_init_data_c = ffi.callback("int (pvecinfoall, int, void *)",
                                                      self._send_init_data)
                self._background_thread_running_c = ffi.callback("int (bool, int, void *)",
                                                                 self._background_thread_running)
                self._send_data_c = ffi.cast("SendData *", cb.send_data.address)
                self._get_vsrc_data_c = ffi.cast("GetVSRCData *", cb.get_vsrc.address)
                self._get_isrc_data_c = ffi.cast("GetISRCData *", cb.get_isrc.address)
                self._get_sync_data_c = ffi.cast("GetSyncData *", cb.get_sync.address)
                self._self_c = ffi.new_handle(self)
                rc = self._ngspice_shared.ngSpice_Init(
                    self._send_char_c, self._send_stat_c, self._exit_c, self._send_data_c,
                    self._send_init_data_c, self._background_thread_running_c, self._self_c)
                if rc:
                    raise EngineMissingError(f"ngSpice_Init returned {rc}")
                if isinstance(self._ngspice_id, int):  # a restart keeps the first pointer
                    self._ngspice_id = ffi.new("int *", self._ngspice_id)
                rc = self._ngspice_shared.ngSpice_Init_Sync(
                    self._get_vsrc_data_c, self._get_isrc_data_c, self._get_sync_data_c,
                    self._ngspice_id, self._self_c)
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
        self._file = _file_of(self._ffi, self._lib) or library_path  # the file, for a copy
        self.init_error = None
        banner = self.command("version -f")[0]
        m = re.search(r"ngspice-(\S+)", "\n".join(banner))
        self.version = m.group(1) if m else "unknown"

    # -- a fatal error: unload and load again -------------------------------------------------
    def _on_exit(self, status, immediate, quit_exit, ident, user):
        """ControlledExit (called by ngspice, in C): ngspice cannot go on and asks to be
        unloaded.  Only recorded here; :meth:`restart` runs before ngspice is driven again."""
        self.exited = (int(status), bool(immediate), bool(quit_exit))
        return 0

    def restart(self):
        """Unload the library and load it again, fresh, with the same callbacks.

        Runs when ngspice has called ControlledExit (:attr:`exited`): ngspice's state after
        that is not usable (see the module notes).  Nothing of the old instance may run
        when this is called (the bridge runs ngspice in blocking mode, so none does once
        the call that failed has returned).  Vectors of the old instance are gone.
        """
        ffi = self._ffi
        old, self._lib = self._lib, None
        if old is not None:  # None: a restart before this one failed
            if self.exited is not None and not self.exited[2]:
                # a fatal error, not a quit: ngspice's quit frees what the instance allocated
                # (dlclose unloads the code, not the heap); without it each restart left
                # ~130 kB on the heap (bench/restart_leak.py).  The front end still reads
                # commands in this state; noaskquit: never ask on stdin.
                old.ngSpice_Command(b"set noaskquit")
                old.ngSpice_Command(b"quit")
            ffi.dlclose(old)
            _forget(ffi, old)
        with contextlib.ExitStack() as stack:
            path = self.library_path
            if _still_loaded(path):
                # another handle keeps a dead instance mapped under this name: a copy of the
                # file is a new object with its own globals (removed again once mapped)
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="spicemem-ngspice-"))
                path = os.path.join(folder, f"libngspice-spicemem{self.restarts + 1}.so")
                shutil.copyfile(self._file, path)
            try:
                with _private_start():
                    self._lib = ffi.dlopen(path)
                    self.shared._ngspice_shared = self._lib
                    self.shared._init_ngspice(False)
            except OSError as exc:
                raise EngineMissingError(f"ngspice stopped after a fatal error and cannot be loaded "
                                         f"again from {path!r}: {exc}") from None
        self.exited = None
        self.restarts += 1

    def _alive(self):
        if self.exited is not None:
            self.restart()

    # -- commands ------------------------------------------------------------------------------
    def command(self, cmd: str):
        """Run one ngspice command; return (stdout lines, stderr lines)."""
        self._alive()
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
        self._alive()
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
            self.command(NO_OPTRAN)
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
