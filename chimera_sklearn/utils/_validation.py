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


def check_windows(X, *, name="X", allow_empty_windows=True):
    """Check a sequence of windows of str lines; return a list of lists.

    A window is any non-string sequence of ``str`` lines.
    """
    if X is None:
        raise TypeError(
            f"{name} is None; pass a sequence of windows, each a sequence of log "
            "lines (see chimera_sklearn.make_windows)."
        )
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{name} must be a sequence of windows, got a single "
            f"{_describe(X)}; cut the log into windows with make_windows first."
        )
    try:
        windows = list(X)
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of windows, got {_describe(X)}."
        ) from None
    if not windows:
        raise ValueError(f"{name} is empty: at least one window is needed.")
    out = []
    for w, window in enumerate(windows):
        if isinstance(window, str):
            raise TypeError(
                f"{name}[{w}] is a str, but each sample must be a window: a "
                "sequence of lines. Wrap single lines as [[line], ...] or cut the "
                "stream with chimera_sklearn.make_windows."
            )
        if window is None or not hasattr(window, "__len__"):
            raise TypeError(
                f"{name}[{w}] is {_describe(window)}; each window must be a "
                "sequence of str lines."
            )
        window = list(window)
        if not window and not allow_empty_windows:
            raise ValueError(f"{name}[{w}] is an empty window.")
        for i, line in enumerate(window):
            if not isinstance(line, str):
                hint = (
                    " Decode bytes first, e.g. line.decode('utf-8', errors='replace')."
                    if isinstance(line, bytes)
                    else ""
                )
                raise TypeError(
                    f"{name}[{w}][{i}] is {_describe(line)}, not str: every line "
                    f"must be a string.{hint}"
                )
        out.append(window)
    return out
