"""``spicemem fit``: calibrate a device model to measurements, with uncertainties (docs/fit.md).

    from spicemem.fit import load_fit_spec, run_fit
    report = run_fit(load_fit_spec("my_device.toml"), "fit/")

Importing this package loads neither Numba nor scipy nor matplotlib.
"""

from .engine import run_fit
from .spec import FitError, FitSpec, load_fit_spec

__all__ = ["FitError", "FitSpec", "load_fit_spec", "run_fit"]
