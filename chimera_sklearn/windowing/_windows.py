"""From a log stream to windows: the step before the Pipeline."""

import numbers
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from ..utils._validation import check_lines

__all__ = ["Windows", "chronological_split", "iter_windows", "make_windows"]


class Windows(NamedTuple):
    """Windows cut from a log stream (what :func:`make_windows` returns).

    Attributes
    ----------
    X : list of list of str
        The raw lines of each window, in stream order.
    y : ndarray of shape (n_windows,) or None
        Window labels, 1 when any line of the window is labelled (or when its
        session is labelled anomalous), else 0.  ``None`` without labels.
    root_cause : list of ndarray or None
        Per-line 0/1 labels of each window (``None`` without line labels).
    line_index : list of ndarray
        For each window, the 0-based index in the stream of each of its lines,
        so that ``lines[line_index[w][i]]`` is line ``i`` of window ``w``.

    Examples
    --------
    >>> from chimera_sklearn import make_windows
    >>> windows = make_windows(["a", "b", "c"], [0, 1, 0], size=2)
    >>> windows.y
    array([1, 0])
    >>> windows.root_cause
    [array([0, 1], dtype=int8), array([0], dtype=int8)]
    >>> X, y, root_cause, line_index = windows  # a named tuple
    >>> line_index
    [array([0, 1]), array([2])]
    """

    X: list
    y: object
    root_cause: object
    line_index: list

    def subset(self, indices):
        """The windows at ``indices`` (an integer array or a boolean mask)."""
        indices = np.asarray(indices)
        if indices.dtype == bool:
            indices = np.flatnonzero(indices)
        return Windows(
            X=[self.X[i] for i in indices],
            y=None if self.y is None else self.y[indices],
            root_cause=None
            if self.root_cause is None
            else [self.root_cause[i] for i in indices],
            line_index=[self.line_index[i] for i in indices],
        )


def _check_positive_int(value, name, allow_none=True):
    if value is None and allow_none:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def _check_size_step(size, step):
    """``(size, step)`` of fixed or sliding windows; ``step`` defaults to ``size``."""
    size = _check_positive_int(size, "size", allow_none=False)
    step = size if step is None else _check_positive_int(step, "step")
    if step > size:
        raise ValueError(
            f"step ({step}) is larger than size ({size}), which would skip lines; "
            "use step <= size."
        )
    return size, step


def _check_line_labels(labels, n_lines):
    if labels is None:
        return None
    if isinstance(labels, str):
        raise TypeError(
            "labels must be a sequence of per-line 0/1 labels, got a string."
        )
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(
            f"labels must be 1-D (one label per line), got shape {labels.shape}."
        )
    if labels.shape[0] != n_lines:
        raise ValueError(
            f"labels has {labels.shape[0]} entries but there are {n_lines} lines; "
            "pass exactly one label per line."
        )
    if labels.dtype == bool:
        return labels.astype(np.int8)
    if labels.dtype.kind not in "iuf" or not np.all(np.isin(labels, (0, 1))):
        raise ValueError(
            "labels must hold 0/1 (or True/False) per line, 1 for a root-cause "
            "line; map category tags to 0/1 first, e.g. "
            "[int(tag != '-') for tag in tags]."
        )
    return labels.astype(np.int8)


def _spans(n, size, step):
    """Start/stop pairs of windows of ``size`` lines every ``step`` lines.

    Full windows first; when lines are left over after the last full window, one
    final shorter window holds the lines that follow it, so no line is lost.
    """
    if size is None:
        return [(0, n)] if n else []
    spans = [(s, s + size) for s in range(0, max(n - size, -1) + 1, step)]
    next_start = spans[-1][0] + step if spans else 0
    covered = spans[-1][1] if spans else 0
    if covered < n:
        spans.append((next_start, n))
    return spans


def _session_members(groups, n_lines):
    if isinstance(groups, str):
        raise TypeError("groups must be a sequence with one session key per line.")
    try:
        n_groups = len(groups)
    except TypeError:
        raise TypeError(
            "groups must be a sequence with one session key per line, got "
            f"{type(groups).__name__}."
        ) from None
    if n_groups != n_lines:
        raise ValueError(
            f"groups has {n_groups} entries but there are {n_lines} lines; pass one "
            "session key (or a tuple of keys, or None) per line."
        )
    members = {}
    for i, key in enumerate(groups):
        if key is None:
            continue
        keys = key if isinstance(key, (tuple, list, frozenset, set)) else (key,)
        for k in keys:
            members.setdefault(k, []).append(i)
    return members


def make_windows(
    lines,
    labels=None,
    *,
    size=None,
    step=None,
    groups=None,
    group_labels=None,
):
    """Cut a log stream into windows: the samples of every later step.

    Three kinds of windows:

    - **fixed**: ``size`` consecutive lines, one window after another;
    - **sliding**: ``size`` lines every ``step`` lines (``step < size``
      overlaps);
    - **session**: all the lines of one session key (``groups``), e.g. the
      HDFS block id of each line; with ``size`` as well, each session is cut
      into fixed or sliding windows.

    Lines that are left over after the last full window form one final, shorter
    window, so no line is ever lost (``SequenceWindower`` pads it later).

    Parameters
    ----------
    lines : sequence of str
        The log stream, one line per entry, in time order.
    labels : sequence of {0, 1}, default=None
        Per-line labels, 1 for a root-cause (alert) line.  A window is
        anomalous when any of its lines is.
    size : int, default=None
        Lines per window.  Required unless ``groups`` is given.
    step : int, default=None
        Lines between the starts of two windows; ``None`` means ``size``
        (fixed, non-overlapping windows).
    groups : sequence, default=None
        Session key of each line (any hashable), a tuple of keys for a line
        that belongs to several sessions, or ``None`` for a line in no
        session.  Windows come in order of each session's first line.
    group_labels : mapping or callable, default=None
        Label of each session key (e.g. HDFS ``anomaly_label.csv``); a
        window's label is its session's label.  Keys missing from a mapping
        raise ``ValueError``.

    Returns
    -------
    Windows
        Named tuple ``(X, y, root_cause, line_index)``: the raw lines of each
        window, window labels, per-line labels of each window and the stream
        index of each line of each window.

    Examples
    --------
    >>> from chimera_sklearn import make_windows
    >>> lines = [f"line {i}" for i in range(7)]
    >>> w = make_windows(lines, [0, 0, 0, 1, 0, 0, 0], size=3)
    >>> w.X
    [['line 0', 'line 1', 'line 2'], ['line 3', 'line 4', 'line 5'], ['line 6']]
    >>> w.y
    array([0, 1, 0])
    >>> w.line_index[1]
    array([3, 4, 5])
    >>> make_windows(lines, size=4, step=2).line_index
    [array([0, 1, 2, 3]), array([2, 3, 4, 5]), array([4, 5, 6])]
    >>> s = make_windows(["a x", "b y", "c x"], groups=["x", "y", "x"],
    ...                  group_labels={"x": 1, "y": 0})
    >>> s.X, s.y
    ([['a x', 'c x'], ['b y']], array([1, 0]))
    """
    lines = check_lines(lines, name="lines")
    n = len(lines)
    if n == 0:
        raise ValueError("lines is empty: there is nothing to cut into windows.")
    size = _check_positive_int(size, "size")
    step = _check_positive_int(step, "step")
    if step is not None and size is None:
        raise ValueError("step needs size: pass size=... as well.")
    if size is not None:
        size, step = _check_size_step(size, step)
    if groups is None and size is None:
        raise ValueError(
            "Pass size=... for fixed or sliding windows, or groups=... for "
            "session windows."
        )
    if group_labels is not None and groups is None:
        raise ValueError("group_labels needs groups: pass the session key per line.")
    line_labels = _check_line_labels(labels, n)

    if groups is None:
        index = [np.arange(a, b) for a, b in _spans(n, size, step)]
        keys = None
    else:
        members = _session_members(groups, n)
        if not members:
            raise ValueError("groups holds no session key (every entry is None).")
        index, keys = [], []
        for key, rows in members.items():
            rows = np.asarray(rows)
            for a, b in _spans(len(rows), size, step):
                index.append(rows[a:b])
                keys.append(key)

    X = [[lines[i] for i in idx] for idx in index]
    root_cause = None
    y = None
    if line_labels is not None:
        root_cause = [line_labels[idx] for idx in index]
        y = np.array([int(rc.any()) for rc in root_cause], dtype=np.int64)
    if group_labels is not None:
        y = np.array([_group_label(group_labels, k) for k in keys], dtype=np.int64)
    return Windows(X=X, y=y, root_cause=root_cause, line_index=index)


def _group_label(group_labels, key):
    if isinstance(group_labels, Mapping):
        if key not in group_labels:
            raise ValueError(f"group_labels has no label for session {key!r}.")
        value = group_labels[key]
    elif callable(group_labels):
        value = group_labels(key)
    else:
        raise TypeError("group_labels must be a mapping or a callable.")
    if value not in (0, 1, True, False):
        raise ValueError(
            f"The label of session {key!r} is {value!r}; labels must be 0 or 1."
        )
    return int(value)


def chronological_split(windows, *, test_size=0.2, gap=0):
    """Split windows in time: train on the past, test on the future.

    The split point is a stream position ``b``: train windows end before
    ``b - gap`` and test windows start at or after ``b``, so no line is on both
    sides.  Windows that straddle the split point (possible with sliding or
    session windows) are dropped.

    Parameters
    ----------
    windows : Windows
        The output of :func:`make_windows`.
    test_size : float, default=0.2
        Share of windows (by start position) that go to the test side, in (0, 1).
    gap : int, default=0
        Lines between the two sides that neither may use.

    Returns
    -------
    train, test : Windows

    Examples
    --------
    >>> from chimera_sklearn import chronological_split, make_windows
    >>> w = make_windows([f"l{i}" for i in range(10)], size=4, step=2)
    >>> train, test = chronological_split(w, test_size=0.25)
    >>> train.line_index, test.line_index
    ([array([0, 1, 2, 3]), array([2, 3, 4, 5])], [array([6, 7, 8, 9])])
    """
    if not isinstance(windows, Windows):
        raise TypeError(
            "windows must be the Windows tuple returned by make_windows, got "
            f"{type(windows).__name__}."
        )
    if not isinstance(test_size, numbers.Real) or not 0 < test_size < 1:
        raise ValueError(f"test_size must be a float in (0, 1), got {test_size!r}.")
    if not isinstance(gap, numbers.Integral) or gap < 0:
        raise ValueError(f"gap must be a non-negative integer, got {gap!r}.")
    n = len(windows.X)
    if n < 2:
        raise ValueError("At least two windows are needed for a train/test split.")
    starts = np.array([idx.min() if len(idx) else -1 for idx in windows.line_index])
    ends = np.array([idx.max() if len(idx) else -1 for idx in windows.line_index])
    order = np.argsort(starts, kind="stable")
    n_test = min(max(int(round(n * test_size)), 1), n - 1)
    boundary = starts[order[n - n_test]]
    train = np.flatnonzero(ends < boundary - gap)
    test = np.flatnonzero(starts >= boundary)
    if len(train) == 0:
        raise ValueError(
            "No window ends before the split point; use a smaller test_size or gap."
        )
    return windows.subset(train), windows.subset(test)


_END = object()  # end of an iterator (None may be an entry)


def iter_windows(lines, labels=None, *, size, step=None, chunk_size=1000):
    """Cut a stream into fixed or sliding windows lazily, a chunk at a time.

    The same windows as :func:`make_windows` with ``size`` and ``step``, but
    ``lines`` may be any iterable (an open file, a generator), and memory holds
    one chunk of windows, not the whole stream: use it to diagnose logs that do
    not fit in memory.

    Parameters
    ----------
    lines : iterable of str
        The log stream.  Line endings (``\\r``, ``\\n``) are stripped.
    labels : iterable of {0, 1}, default=None
        Per-line labels, consumed in step with ``lines``.
    size : int
        Lines per window.
    step : int, default=None
        Lines between window starts; ``None`` means ``size``.
    chunk_size : int, default=1000
        Windows per yielded chunk.

    Yields
    ------
    Windows
        Consecutive chunks; ``line_index`` holds positions in the whole stream.

    Examples
    --------
    >>> from chimera_sklearn.windowing import iter_windows
    >>> chunks = list(iter_windows((f"l{i}" for i in range(7)), size=3, chunk_size=2))
    >>> [c.line_index for c in chunks]
    [[array([0, 1, 2]), array([3, 4, 5])], [array([6])]]
    """
    size, step = _check_size_step(size, step)
    chunk_size = _check_positive_int(chunk_size, "chunk_size", allow_none=False)
    if lines is None:
        raise TypeError("lines is None; pass an iterable of log lines (str).")
    if isinstance(lines, (str, bytes)):
        raise TypeError(
            "lines must be an iterable of lines, got a single "
            f"{type(lines).__name__}; split it first, e.g. text.splitlines()."
        )
    label_iter = None if labels is None else iter(labels)

    buf_lines, buf_labels = [], []
    buf_start = 0  # stream index of buf_lines[0]
    next_start = 0  # stream index where the next window starts
    batch = []
    n_seen = 0

    def emit(start, stop):
        a, b = start - buf_start, stop - buf_start
        rc = None if label_iter is None else np.asarray(buf_labels[a:b], np.int8)
        batch.append((buf_lines[a:b], rc, np.arange(start, stop)))

    def flush():
        X = [b[0] for b in batch]
        rc = None if label_iter is None else [b[1] for b in batch]
        y = None if rc is None else np.array([int(r.any()) for r in rc])
        out = Windows(X=X, y=y, root_cause=rc, line_index=[b[2] for b in batch])
        batch.clear()
        return out

    for i, line in enumerate(lines):
        if not isinstance(line, str):
            raise TypeError(f"line {i} is {type(line).__name__}, not str.")
        buf_lines.append(line.rstrip("\r\n"))
        if label_iter is not None:
            try:
                label = next(label_iter)
            except StopIteration:
                raise ValueError(
                    f"labels ended after {i} entries but there are more lines; "
                    "pass exactly one label per line."
                ) from None
            if label not in (0, 1, True, False):
                raise ValueError(f"labels[{i}] is {label!r}; labels must be 0 or 1.")
            buf_labels.append(int(label))
        n_seen = i + 1
        if n_seen - next_start == size:
            emit(next_start, n_seen)
            next_start += step
            drop = next_start - buf_start
            del buf_lines[:drop], buf_labels[:drop]
            buf_start = next_start
            if len(batch) == chunk_size:
                yield flush()
    if label_iter is not None and next(label_iter, _END) is not _END:
        raise ValueError(
            f"labels has more entries than the {n_seen} lines; pass exactly one "
            "label per line."
        )
    covered = next_start - step + size if next_start else 0
    if n_seen > covered:
        emit(next_start, n_seen)
    if batch:
        yield flush()
