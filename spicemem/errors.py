"""Exception types.  Every message is one line naming the offending thing."""


class SpicememError(Exception):
    """Base class of the errors that the CLI reports as a one-line message, exit code 2."""


class NetlistError(SpicememError):
    """A netlist that cannot be run (message: file, line and what is wrong)."""


class SimulationError(SpicememError):
    """The simulator failed (e.g. non-convergence); the message carries its own words."""


class EngineMissingError(SpicememError):
    """The ngspice shared library cannot be loaded (the message says how to install it)."""
