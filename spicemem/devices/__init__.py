"""Device models in SI units: parameters, presets and standalone simulation."""
