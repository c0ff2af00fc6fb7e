"""spicemem: physical memristor models co-simulated in ngspice.

The public API.  Importing this module compiles no kernel and loads neither PySpice nor
matplotlib.
"""

import os as _os

# Numba's OpenMP threading layer (GNU libgomp here) lets a worker that has finished its part of
# a parallel loop spin (GOMP_SPINCOUNT, 300000 by default), waiting for the others and for the
# next loop.  The bridge runs one short parallel loop per accepted time point, with ngspice's
# serial solve between two, so on a machine with more busy threads than cores a spinning
# worker takes the core that the thread it waits for needs.  Measured (16x16 all-active, live,
# 2 threads, 10 us, dt_factor 0.2, load 15 on 2 cores, alternated): 4.44-4.48 s CPU and
# 13.0-16.8 s wall with libgomp's default, 2.26-2.35 s and 7.1-7.5 s with
# OMP_WAIT_POLICY=PASSIVE (spin count 0; the numbers are the same).  libgomp reads the
# variable once, when Numba starts its threads, so it is set here, at the first import of
# spicemem; a policy the user has set is kept.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .devices.diffusive import DiffusiveParams  # noqa: E402
from .devices.ensemble import DiffusiveResult  # noqa: E402
from .devices.result import DeviceResult  # noqa: E402
from .devices.waveforms import pulse_train  # noqa: E402
from .standalone import model_names, preset_names, simulate  # noqa: E402

__all__ = ["DeviceResult", "DiffusiveParams", "DiffusiveResult", "model_names", "preset_names",
           "pulse_train", "simulate"]
__version__ = "0.1.0"
