"""The one mapping between SI and the dimensionless core of the kernels.

Scales (Methods of Wang et al. 2017)
------------------------------------
========================  ===============================  =====================
quantity                  scale                            SI unit of the scale
========================  ===============================  =====================
position x                L, the device half-length        m
time t                    1/kappa = ``tau_thermal``        s
energy, k_B T             w_p = ``w_pin``                  eV
temperature T             w_p / k_B                        K
voltage V                 V_th = ``v_threshold``           V
resistance R              R_t = ``r_tunnel``               Ohm
conductance G             1/R_t                            S
========================  ===============================  =====================

Dimensionless groups of the core, with their SI meaning:

* friction        eta' = eta kappa L^2 / w_p       (the paper: eta ~ w_p/(kappa L^2), eta' ~ 1)
* field coupling  a    = alpha V_th / w_p           with alpha V_th R_p/(L w_i) = ``field_ratio``
* heating         c    = C_T V_th^2 k_B/(kappa w_p R_t) = V_th^2 k_B / (G_th w_p R_t), where
  Newton's law C_th dT/dt = P - G_th (T - T0) gives C_T = 1/C_th and kappa = G_th/C_th.
* ambient         theta_0 = k_B T0 / w_p.

The device classes apply these scales through :class:`Scales` and the functions below;
their properties ``theta_ambient`` and ``heating_ratio`` (and ``from_mapping``, which accepts
them) are the same formulas written for one parameter set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

K_B_EV = 8.617333262e-5  # Boltzmann constant, eV/K (CODATA 2018, exact)
E_CHARGE = 1.602176634e-19  # elementary charge, C (exact)


@dataclass(frozen=True)
class Scales:
    """SI value of one dimensionless unit of each quantity."""

    time: float  # s
    voltage: float  # V
    resistance: float  # Ohm
    energy_ev: float  # eV
    length: float  # m

    @property
    def temperature(self) -> float:
        """K per unit of k_B T / w_p."""
        return self.energy_ev / K_B_EV

    @property
    def conductance(self) -> float:
        """S per unit of 1/R_t."""
        return 1.0 / self.resistance

    @property
    def current(self) -> float:
        """A per unit of V_th / R_t."""
        return self.voltage / self.resistance

    def theta(self, temperature_k):
        """k_B T / w_p for a temperature in K."""
        return np.asarray(temperature_k, dtype=float) / self.temperature

    def kelvin(self, theta):
        """Temperature in K for k_B T / w_p."""
        return np.asarray(theta, dtype=float) * self.temperature


def heating_ratio(v_threshold, w_pin, r_tunnel, g_thermal):
    """c = V_th^2 k_B / (G_th w_p R_t), dimensionless (V, eV, Ohm, W/K in)."""
    return v_threshold**2 * K_B_EV / (g_thermal * w_pin * r_tunnel)


def thermal_conductance(v_threshold, w_pin, r_tunnel, heating):
    """Inverse of :func:`heating_ratio`: G_th in W/K for a dimensionless c."""
    return v_threshold**2 * K_B_EV / (heating * w_pin * r_tunnel)
