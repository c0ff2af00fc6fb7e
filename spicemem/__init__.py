"""spicemem: physical memristor models co-simulated in ngspice.

The public API.  Importing this module compiles no kernel and loads neither PySpice nor
matplotlib.
"""

from .devices.diffusive import DiffusiveParams, preset_names
from .devices.ensemble import DiffusiveResult, simulate
from .devices.waveforms import pulse_train

__all__ = ["DiffusiveParams", "DiffusiveResult", "preset_names", "pulse_train", "simulate"]
__version__ = "0.1.0"
