"""Shared fixtures.  Numba kernels are cached on disk (cache=True), so only the first
test session on a machine pays for compilation."""

import numpy as np
import pytest

from spicemem.devices.diffusive import DiffusiveParams


@pytest.fixture(scope="session")
def paper_params():
    return DiffusiveParams.from_preset("wang2017_paper")


@pytest.fixture(scope="session")
def switching_params():
    """A parameter set that switches under a 2.5 V_th pulse of a few 1/kappa and relaxes
    (friction and heating raised as in the Fig. 4 calibration notes)."""
    return DiffusiveParams.from_preset("wang2017_paper", theta_ambient=0.35, friction_ratio=10.0,
                                       heating_ratio=20.0)


def stream(seed=0):
    from spicemem.kernels.rng import seed_streams

    return seed_streams(np.uint64(seed), 0, 1)[0].copy()


@pytest.fixture
def ctrl_c_when():
    """``ctrl_c_when(condition)`` starts a thread that sends this process SIGINT (a Ctrl-C) as
    soon as ``condition()`` holds (polled every 10 ms, for at most 60 s); the fixture waits
    for the thread at the end of the test."""
    import os
    import signal
    import threading
    import time

    threads = []

    def start(condition):
        def watch():
            t0 = time.monotonic()
            while time.monotonic() - t0 < 60:
                if condition():
                    os.kill(os.getpid(), signal.SIGINT)
                    return
                time.sleep(0.01)

        th = threading.Thread(target=watch, daemon=True)
        th.start()
        threads.append(th)

    yield start
    for th in threads:
        th.join()
