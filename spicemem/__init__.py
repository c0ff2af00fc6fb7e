"""spicemem: physical memristor models co-simulated in ngspice.

The public API.  Importing this module compiles no kernel and loads neither PySpice nor
matplotlib.
"""

from .devices.diffusive import DiffusiveParams
from .devices.ensemble import DiffusiveResult
from .devices.result import DeviceResult
from .devices.waveforms import pulse_train
from .standalone import model_names, preset_names, simulate

__all__ = ["DeviceResult", "DiffusiveParams", "DiffusiveResult", "model_names", "preset_names",
           "pulse_train", "simulate"]
__version__ = "0.1.0"
