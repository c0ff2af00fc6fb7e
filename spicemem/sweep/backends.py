"""Where tasks run: the calling process, a local pool of processes, or a Dask cluster.

Each backend is an iterator factory, ``backend.run(tasks)`` yielding ``(task, rows)`` as
tasks finish, in any order.  Rows come from :func:`spicemem.sweep.targets.execute`; a task
whose process died (or that the infrastructure lost) yields failed rows instead, and the
iteration goes on.  Closing the iterator (or an exception such as Ctrl-C in the caller)
stops the workers.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass

from .targets import error_text, execute, failed_row, limit_threads

#: Default number of tasks a local worker process runs before it is replaced by a fresh
#: one: ngspice's memory grows a little with each run even when the circuit is removed,
#: and a crashed engine must not be reused.  Starting a worker costs about 1 s (imports,
#: loading the compiled kernels), so with tasks of ~1 s this costs ~2 % of the time.
DEFAULT_RECYCLE = 50

WORKER_DIED = ("worker process died while running this task (killed by a signal, os._exit or "
               "a crash in native code such as ngspice)")


@dataclass(frozen=True)
class Task:
    """One unit of work: some realizations of one point."""

    point: int
    values: dict
    jobs: tuple  # ((realization, seed), ...)

    @property
    def key(self) -> str:
        return f"p{self.point}-r{self.jobs[0][0]}"

    def failed(self, error: str) -> list:
        return [failed_row(r, s, error, 0.0) for r, s in self.jobs]

    def split(self) -> list:
        return [Task(self.point, self.values, (job,)) for job in self.jobs]


class InlineBackend:
    """Every task in the calling process, one after the other (no crash isolation).

    For debugging (a breakpoint in a target works) and as the baseline of ``bench/sweep.py``.
    """

    workers = 0
    description = "in-process"

    def __init__(self, config: dict):
        self.config = config

    def run(self, tasks):
        try:
            import numba

            before = numba.get_num_threads()
        except ImportError:  # pragma: no cover - numba is a dependency
            numba = None
        try:
            for task in tasks:
                yield task, execute(self.config, task.point, task.values, list(task.jobs))
        finally:
            if numba is not None:
                numba.set_num_threads(before)  # execute() limited the caller's thread


def _init_worker(parent: int) -> None:
    """Initializer of a local worker process (runs before any task is unpickled).

    Ctrl-C goes to the whole process group; the parent decides what happens (it stops the
    pool), so the workers ignore it instead of each printing a traceback.  Numba gets one
    thread before it is first imported (see :func:`limit_threads`).  A worker whose parent
    dies (killed, so that it could not stop its pool) exits within a second instead of
    running on with its ~200 MB (:func:`_exit_with_parent`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="spicemem-parent-watch",
                     daemon=True).start()
    limit_threads()


def _exit_with_parent(parent: int, period: float = 0.5) -> None:
    """Exit the process as soon as ``parent`` is no longer its parent (it died: the worker was
    re-parented to init or a subreaper).  A thread, so that it works while a task runs in
    compiled code; ``os._exit`` because the parent is gone and nothing waits for a result."""
    while True:
        if os.getppid() != parent:
            os._exit(3)
        time.sleep(period)


class LocalPoolBackend:
    """A ``ProcessPoolExecutor`` of ``workers`` processes started with ``spawn``.

    ``spawn``, not ``fork``: a forked child would inherit the parent's threads, locks and a
    possibly loaded ngspice; a spawned one starts clean and loads its own engine lazily.
    Workers are replaced after ``recycle`` tasks (``max_tasks_per_child``; 0 = never).

    A process that dies mid-task breaks the whole pool (``BrokenProcessPool`` for every
    task in flight) without saying which task killed it.  The tasks that were in flight are
    therefore re-run one at a time in a fresh pool: one that breaks the pool while alone is
    the culprit; a culprit with several realizations is split and its realizations are
    re-run alone, so that only the rows that kill their process are recorded as failed.
    """

    def __init__(self, config: dict, workers: int, recycle: int = DEFAULT_RECYCLE):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers!r}")
        self.config = config
        self.workers = int(workers)
        self.recycle = int(recycle)
        self.description = f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"
        self.restarts = 0  # pools that broke (a worker process died) and were replaced
        self.reruns = 0  # tasks run again after their pool broke

    def _new_pool(self):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        kwargs = {"max_tasks_per_child": self.recycle} if self.recycle > 0 else {}
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                   initializer=_init_worker, initargs=(os.getpid(),), **kwargs)

    def run(self, tasks):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        pending = deque(tasks)
        suspects = deque()  # tasks in flight when the pool broke: re-run one at a time
        inflight = {}  # future -> (task, ran_alone)
        pool = self._new_pool()
        finished = False
        try:
            while pending or suspects or inflight:
                broken = False
                # Submit: one suspect alone, or fill every worker.  A pool can break between
                # two submits (a worker died meanwhile): the task goes back to its queue.
                queue, limit = (suspects, 1) if suspects else (pending, self.workers)
                while queue and len(inflight) < limit:
                    task = queue.popleft()
                    try:
                        fut = self._submit(pool, task)
                    except BrokenProcessPool:
                        queue.appendleft(task)
                        broken = True
                        break
                    inflight[fut] = (task, queue is suspects)
                if inflight and not broken:
                    done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                    for fut in done:
                        result, pool_broke = self._collect(fut, *inflight.pop(fut), suspects)
                        broken |= pool_broke
                        if result is not None:
                            yield result
                if broken:
                    # Every other future of a broken pool fails too (or has finished): collect
                    # them all, then start a fresh pool.
                    done, _ = wait(list(inflight))
                    for fut in done:
                        result, _ = self._collect(fut, *inflight.pop(fut), suspects)
                        if result is not None:
                            yield result
                    pool.shutdown(wait=True)
                    pool = self._new_pool()
                    self.restarts += 1
            finished = True
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:  # Ctrl-C, an error in the caller, or the caller closed the iterator
                _stop_pool(pool)

    def _collect(self, fut, task, alone, suspects):
        """((task, rows) or None, pool broke) for a finished future.  When its pool broke,
        the task is queued as a suspect, split into single realizations, or (a single
        realization that broke a pool while alone) recorded as failed."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return (task, fut.result()), False
        except BrokenProcessPool:
            if not alone:
                suspects.append(task)
                self.reruns += 1
            elif len(task.jobs) > 1:
                parts = task.split()
                suspects.extend(parts)
                self.reruns += len(parts)
            else:
                return (task, task.failed(WORKER_DIED)), True
            return None, True
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            return (task, task.failed(error_text(exc))), False

    def _submit(self, pool, task):
        return pool.submit(execute, self.config, task.point, task.values, list(task.jobs))


def _stop_pool(pool) -> None:
    """Cancel what has not started and stop the worker processes now.

    ``ProcessPoolExecutor.shutdown`` waits for running tasks; after Ctrl-C the parent must
    not wait for a task of minutes.  Python 3.14 has ``terminate_workers``; before it, the
    executor's process table is the only handle on its children.
    """
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:  # pragma: no cover - Python >= 3.14
        terminate()
        return
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


class DaskBackend:
    """The same tasks on an existing Dask distributed cluster.

    Run the workers with one thread each (``dask worker ADDRESS --nthreads 1 --nworkers N``):
    ngspice allows one engine per process, so a worker with more threads runs its netlist
    tasks one at a time anyway.  ngspice is loaded lazily, once per worker process, by the
    first netlist task there.  A task whose worker dies is retried by the scheduler on
    another worker; after ``distributed.scheduler.allowed-failures`` deaths it fails with
    ``KilledWorker`` and its rows are recorded as failed.
    """

    def __init__(self, config: dict, address: str, *, timeout: float = 10.0):
        self.config = config
        self.address = address
        self.timeout = timeout
        self.description = f"Dask cluster at {address}"
        self.workers = None
        self.client = None

    def connect(self):
        from distributed import Client

        from ..errors import SpicememError

        try:
            self.client = Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SpicememError(f"cannot connect to the Dask scheduler at {self.address}: "
                                f"{' '.join(str(exc).split())}") from None
        info = self.client.scheduler_info()
        workers = info.get("workers", {})
        self.workers = len(workers)
        threads = sorted({w.get("nthreads", 1) for w in workers.values()})
        self.description = (f"Dask cluster at {self.address} ({self.workers} workers, "
                            f"{'/'.join(map(str, threads)) or '?'} threads each)")
        return self

    def run(self, tasks):
        from distributed import as_completed

        if self.client is None:
            self.connect()
        client = self.client
        token = uuid.uuid4().hex[:12]
        by_key = {}
        futures = []
        try:
            for task in tasks:
                key = f"spicemem-sweep-{token}-{task.key}"
                fut = client.submit(execute, self.config, task.point, task.values, list(task.jobs),
                                    key=key, pure=False, retries=0)
                by_key[key] = task
                futures.append(fut)
            for fut in as_completed(futures, loop=client.loop):
                task = by_key[fut.key]
                if fut.status == "finished":
                    rows = fut.result()
                else:  # 'error' (e.g. KilledWorker) or 'cancelled' (by someone else)
                    try:
                        exc = fut.exception()
                    except Exception as cancelled:  # noqa: BLE001 - CancelledError
                        exc = cancelled
                    rows = task.failed(error_text(exc))
                fut.release()
                yield task, rows
        finally:
            if futures:
                client.cancel([f for f in futures if not f.done()])
            self.close()

    def close(self):
        if self.client is not None:
            self.client.close()
            self.client = None


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)

