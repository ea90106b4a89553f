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


def check_root_cause(root_cause, n, width):
    """Check per-line root-cause labels against ``n`` windows of ``width`` lines.

    One row of 0/1 labels per window: a 2-D array needs one column per
    position, a list of rows may be ragged.  Raises ``TypeError`` or
    ``ValueError`` with the messages of ``ChimeraDiagnoser``.
    """
    if isinstance(root_cause, (str, bytes, dict)) or not hasattr(root_cause, "__len__"):
        raise TypeError(
            "root_cause must hold one row of 0/1 line labels per window (a 2-D "
            f"array or a list of rows); got {type(root_cause).__name__}."
        )
    if isinstance(root_cause, np.ndarray) and root_cause.dtype != object:
        if root_cause.ndim != 2:
            raise ValueError(
                "root_cause must be 2-D (n_windows, window_size); got shape "
                f"{root_cause.shape}."
            )
        if root_cause.shape[1] != width:
            raise ValueError(
                f"root_cause has {root_cause.shape[1]} columns but the windows "
                f"have {width} lines; pass a ragged list to align by position."
            )
    if len(root_cause) != n:
        raise ValueError(
            f"root_cause has {len(root_cause)} rows but X has {n} windows."
        )
    for row in root_cause:
        r = np.asarray(row)
        if r.dtype.kind not in "biuf" or not np.all(np.isin(r, (0, 1))):
            raise ValueError(
                "root_cause must hold only 0/1 line labels (1 = root-cause line); "
                "map category tags to 0/1 first, e.g. [int(tag != '-') for tag in "
                "tags]."
            )


def check_window_shape(X):
    """3-D windows ``(n, window_size, n_features)`` need a line and a feature."""
    if X.shape[1] == 0:
        raise ValueError(
            f"X has windows of 0 lines (shape {X.shape}); pad every window to "
            "a fixed length >= 1 with SequenceWindower."
        )
    if X.shape[2] == 0:
        raise ValueError(
            f"X has lines of 0 features (shape {X.shape}); every line needs a "
            "vector of at least 1 feature (e.g. from TemplateEmbedder)."
        )


def check_has_lines(has_lines):
    """Training windows must hold at least one line that is not padding."""
    if not has_lines:
        raise ValueError(
            "Every window of X is only padding (template id 0 or all-zero "
            "vectors): there is no line to learn from. Check that the windows "
            "are not empty before they are parsed."
        )
