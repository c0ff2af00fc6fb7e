"""Compact-model peers of spicemem's devices, written as plain ngspice subcircuits (for benches)."""
