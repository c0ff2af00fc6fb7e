"""Dimensionless Numba kernels.

Everything in this subpackage works in the units of the Methods of Wang et al. (2017):
lengths in the device half-length L, time in the thermal time 1/kappa, energies and
temperatures (k_B T) in the pinning barrier w_p, voltages in V_th and resistances in the
tunnelling amplitude R_t.  No object, unit or Python call enters a hot loop.  The single
mapping to SI lives in :mod:`spicemem.devices.units`.

Importing this package compiles nothing: kernels are compiled lazily (and cached on disk)
on their first call.
"""
