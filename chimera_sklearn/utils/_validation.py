"""Input validation for log lines and windows (string input).

sklearn's ``validate_data`` is for numeric arrays; these helpers give the text
stages the same kind of clear ``TypeError``/``ValueError`` messages.
"""

import numpy as np


def _describe(value):
    return type(value).__name__


def check_lines(lines, *, name="lines"):
    """Check a flat sequence of log lines and return it as a list of str."""
    if lines is None:
        raise TypeError(f"{name} is None; pass a sequence of log lines (str).")
    if isinstance(lines, (str, bytes)):
        raise TypeError(
            f"{name} must be a sequence of lines, got a single {_describe(lines)}; "
            "split it first, e.g. text.splitlines()."
        )
    if isinstance(lines, np.ndarray) and lines.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {lines.shape}.")
    try:
        lines = list(lines)
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of str, got {_describe(lines)}."
        ) from None
    for i, line in enumerate(lines):
        if not isinstance(line, str):
            hint = (
                " Decode bytes first, e.g. line.decode('utf-8', errors='replace')."
                if isinstance(line, bytes)
                else ""
            )
            raise TypeError(
                f"{name}[{i}] is {_describe(line)}, not str: every line must be a "
                f"string.{hint}"
            )
    return lines


def check_param(name, value, kind, *, low=None, high=None, options=None):
    """Check one constructor parameter in ``fit``; return it unchanged.

    ``options``: the allowed values.  Otherwise ``value`` must be an instance
    of ``kind`` (a bool only when ``kind`` is ``bool``) within ``[low, high]``.
    """
    if options is not None:
        if value not in options:
            raise ValueError(f"{name} must be one of {options}; got {value!r}.")
        return value
    if isinstance(value, bool) and kind is not bool:
        raise TypeError(f"{name} must be {kind.__name__}; got a bool.")
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {kind.__name__}; got {value!r}.")
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}; got {value!r}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}; got {value!r}.")
    return value
