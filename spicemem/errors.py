"""Exception types.  Every message is one line naming the offending thing."""


class SpicememError(Exception):
    """Base class of the errors that the CLI reports as a one-line message, exit code 2."""


class NetlistError(SpicememError):
    """A netlist that cannot be run (message: file, line and what is wrong)."""


class SimulationError(SpicememError):
    """The simulator failed (e.g. non-convergence); the message carries its own words."""


class EngineMissingError(SpicememError):
    """The ngspice shared library cannot be loaded (the message says how to install it)."""


#: The longest piece of foreign text (a line or a reason ngspice printed, a token of the
#: user's netlist) that a message quotes whole, in characters.
QUOTE_LIMIT = 200


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` if it has at most ``limit`` characters, else its beginning and end with the
    cut named by position: ``'V1 a 0 dc {1+1...[characters 151-59964 of 60014 cut]...1+zz}'``.

    ngspice echoes a whole expression or line in its errors (a 1e5-character expression came
    back whole); the end is kept because that is where an expression's error usually is
    (the undefined name after the last operator), the beginning because it names the line.
    """
    text = str(text)
    if len(text) <= limit:
        return text
    tail = max(limit // 4, 1)
    head = max(limit - tail, 1)
    return f"{text[:head]}...[characters {head + 1}-{len(text) - tail} of {len(text)} cut]...{text[-tail:]}"
