"""The common face of a standalone run's result: :class:`DeviceResult`.

Every model's standalone simulator returns an instance of a subclass of
:class:`DeviceResult` (:class:`spicemem.devices.ensemble.DiffusiveResult`,
:class:`spicemem.devices.drift.DriftResult`, :class:`spicemem.devices.rram.RRAMResult`), so
code that should work for any registered model (``spicemem.simulate(model=...)``, the sweep
``device`` target) reads the attributes below and nothing model-specific.  The subclasses keep
their own fields (e.g. ``snapshots``, ``x``, ``gap``) for code written for one model.

Attributes every result has, in SI (R devices or realizations, K output times):

========================  ==========================================================
``model``                 the registry name of the model (str)
``t``                     (K,) output times, s
``source_voltage``        (K,) applied (source) voltage, V
``voltage``               (R, K) voltage across the device, V
``current``               (R, K) device current, A
``conductance``           (R, K) the model's conductance, S (each class says which)
``temperature``           (R, K) device temperature in K, or None (isothermal model)
``state``                 {name: (R, K) array}: the model's state variable(s), SI
``extras``                {name: value}: everything else the model reports
``params``                the SI parameter object of the run
``seed``                  the base seed (None: a deterministic model)
``realizations``          R
========================  ==========================================================
"""

from __future__ import annotations

import numpy as np


class DeviceResult:
    """Base class of the standalone results (see the module docstring).  Subclasses are frozen
    dataclasses that define the array attributes and override :attr:`state` and
    :attr:`extras`."""

    #: The registry name of the model.
    model: str = ""

    @property
    def state(self) -> dict:
        """{name: (R, K) array}: the model's state variable(s) over time, in SI."""
        return {}

    @property
    def extras(self) -> dict:
        """{name: value}: what the model reports beyond the common attributes."""
        return {}

    @property
    def realizations(self) -> int:
        return int(np.shape(self.voltage)[0])
