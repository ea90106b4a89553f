"""Leakage-safe splitters for windows of log lines, usable as ``cv=``.

Two ways a log benchmark leaks its test set into training:

- **time**: windows are shuffled before the split, so the model trains on
  lines that come after (or are shared with) the test windows;
  :class:`ChronologicalSplit` trains on the past and tests on the future;
- **duplicates**: the same window (or another window of the same session)
  sits on both sides, so the test set is partly the training set;
  :class:`WindowGroupKFold` keeps identical windows and whole sessions on one
  side only.

:func:`window_overlap` measures both kinds of overlap between two sets of
windows, for splits made elsewhere (for example released train/dev files).
"""

import numbers

import numpy as np
from sklearn.model_selection import (
    BaseCrossValidator,
    GroupKFold,
    StratifiedGroupKFold,
)
from sklearn.utils import Bunch, indexable

__all__ = [
    "ChronologicalSplit",
    "WindowGroupKFold",
    "window_overlap",
    "window_spans",
]


def _num_samples(X):
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    return len(X)


def _check_int(value, name, low):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < low
    ):
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def window_spans(line_index):
    """First and last stream position of each window, shape ``(n_windows, 2)``.

    Pass the result as ``groups`` to :class:`ChronologicalSplit` so that it
    knows where each window starts *and* ends (needed for sliding and session
    windows, which can overlap).

    Parameters
    ----------
    line_index : sequence of array-like of int
        For each window, the stream position of each of its lines, e.g.
        ``Windows.line_index`` from :func:`~chimera_sklearn.make_windows`.

    Returns
    -------
    ndarray of shape (n_windows, 2), dtype int64
        ``[first, last]`` position of each window (inclusive).

    Examples
    --------
    >>> from chimera_sklearn import make_windows
    >>> from chimera_sklearn.model_selection import window_spans
    >>> w = make_windows([f"l{i}" for i in range(7)], size=4, step=2)
    >>> window_spans(w.line_index)
    array([[0, 3],
           [2, 5],
           [4, 6]])
    """
    if isinstance(line_index, (str, bytes)):
        raise TypeError("line_index must be a sequence of per-window positions.")
    try:
        rows = list(line_index)
    except TypeError:
        raise TypeError(
            "line_index must be a sequence of per-window positions, got "
            f"{type(line_index).__name__}."
        ) from None
    spans = np.empty((len(rows), 2), dtype=np.int64)
    for i, row in enumerate(rows):
        row = np.asarray(row)
        if row.size == 0:
            raise ValueError(f"line_index[{i}] is empty: a window has no line.")
        if row.dtype.kind not in "iu":
            raise TypeError(f"line_index[{i}] must hold integer positions.")
        spans[i] = row.min(), row.max()
    return spans


def _as_spans(groups, n_samples):
    """``groups`` → (start, end) per window; row order when ``groups`` is None."""
    if groups is None:
        pos = np.arange(n_samples, dtype=np.int64)
        return pos, pos
    arr = np.asarray(groups)
    if arr.dtype.kind not in "iu":
        if (
            arr.dtype.kind == "f"
            and np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
        ):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(
                "groups must hold the integer stream position of each window (its "
                "first line), or an (n_windows, 2) array of [first, last] "
                "positions such as window_spans(windows.line_index); got dtype "
                f"{arr.dtype}."
            )
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"groups has {arr.shape[0]} entries but there are {n_samples} windows."
        )
    if arr.ndim == 1:
        return arr.astype(np.int64), arr.astype(np.int64)
    if arr.ndim == 2 and arr.shape[1] == 2:
        start, end = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64)
        if np.any(end < start):
            raise ValueError("groups: a window ends before it starts (last < first).")
        return start, end
    raise ValueError(
        "groups must be 1-D (start position of each window) or of shape "
        f"(n_windows, 2) ([first, last] positions); got shape {arr.shape}."
    )


class ChronologicalSplit(BaseCrossValidator):
    """Time-ordered cross-validation for windows: train on past, test on future.

    Like :class:`sklearn.model_selection.TimeSeriesSplit` (an expanding
    training window and ``n_splits`` successive test folds), but it knows
    *where* each window lies in the log stream, so that windows which overlap
    (sliding windows, interleaved sessions) never end up on both sides:

    - the windows are ordered by their first line; fold ``k`` tests the
      windows whose first line lies in ``[b_k, b_{k+1})`` (the last fold runs
      to the end of the stream);
    - training windows are the windows whose **last** line is before
      ``b_k - gap``: no training line is shared with, or within ``gap``
      positions of, any test window;
    - windows that straddle the boundary are used by neither side of that
      fold.

    Positions come from ``groups`` in :meth:`split` (so that it works as
    ``cv=`` in :class:`~sklearn.model_selection.GridSearchCV` and
    :func:`~sklearn.model_selection.cross_validate` with ``groups=...``):

    - ``None``: the row order of ``X`` is the time order and each window is
      one position (non-overlapping windows, e.g. the BGL window files);
    - 1-D integers: the stream position of each window's first line, for
      non-overlapping windows of any length;
    - ``(n_windows, 2)`` integers: ``[first, last]`` position of each window,
      from :func:`window_spans` applied to ``Windows.line_index``.  Use this
      for sliding or session windows.

    Parameters
    ----------
    n_splits : int, default=5
        Number of test folds (at least 1).  ``n_splits=1`` is a single
        train/test split in time.
    test_size : int, default=None
        Windows per test fold.  ``None``: ``n_windows // (n_splits + 1)``.
    gap : int, default=0
        Positions (lines, or rows when ``groups`` is None) between the last
        training line and the first test line that neither side uses.
    max_train_size : int, default=None
        Keep at most this many (most recent) training windows per fold.

    See Also
    --------
    WindowGroupKFold : keeps identical windows and sessions on one side.
    chimera_sklearn.chronological_split : the same rule as a one-off split of
        a ``Windows`` tuple.

    Examples
    --------
    >>> import numpy as np
    >>> from chimera_sklearn import make_windows
    >>> from chimera_sklearn.model_selection import ChronologicalSplit, window_spans
    >>> w = make_windows([f"l{i}" for i in range(12)], size=4, step=2)
    >>> window_spans(w.line_index).tolist()
    [[0, 3], [2, 5], [4, 7], [6, 9], [8, 11]]
    >>> cv = ChronologicalSplit(n_splits=2, test_size=1)
    >>> for train, test in cv.split(w.X, groups=window_spans(w.line_index)):
    ...     print(train, test)
    [0 1] [3]
    [0 1 2] [4]

    In the first fold, window 2 (lines 4-7) overlaps the test window (lines
    6-9), so it is used on neither side.
    """

    __metadata_request__split = {"groups": True}

    def __init__(self, n_splits=5, *, test_size=None, gap=0, max_train_size=None):
        self.n_splits = n_splits
        self.test_size = test_size
        self.gap = gap
        self.max_train_size = max_train_size

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits (``n_splits``)."""
        return _check_int(self.n_splits, "n_splits", 1)

    def split(self, X, y=None, groups=None):
        """Yield ``(train, test)`` index arrays, test folds in time order.

        Parameters
        ----------
        X : array-like or sequence of shape (n_windows, ...)
            The windows (only their number is used).
        y : array-like of shape (n_windows,), default=None
            Ignored.
        groups : array-like of shape (n_windows,) or (n_windows, 2), default=None
            Stream position of each window (see the class description).

        Yields
        ------
        train, test : ndarray of int
            Indices into ``X``.
        """
        n_splits = self.get_n_splits()
        gap = _check_int(self.gap, "gap", 0)
        X, y = indexable(X, y)
        n = _num_samples(X)
        start, end = _as_spans(groups, n)
        test_size = (
            n // (n_splits + 1)
            if self.test_size is None
            else _check_int(self.test_size, "test_size", 1)
        )
        if test_size < 1 or n - n_splits * test_size < 1:
            raise ValueError(
                f"Cannot make {n_splits} test folds of {test_size} windows from "
                f"{n} windows; lower n_splits or test_size."
            )
        if self.max_train_size is not None:
            _check_int(self.max_train_size, "max_train_size", 1)
        order = np.argsort(start, kind="stable")
        sorted_start = start[order]
        for k in range(n_splits):
            first = n - (n_splits - k) * test_size
            lo = sorted_start[first]
            last = first + test_size
            hi = sorted_start[last] if last < n else None
            in_test = start >= lo if hi is None else (start >= lo) & (start < hi)
            test = np.flatnonzero(in_test)
            train = np.flatnonzero(end < lo - gap)
            if self.max_train_size is not None and len(train) > self.max_train_size:
                recent = np.argsort(start[train], kind="stable")
                train = np.sort(train[recent[-self.max_train_size :]])
            if len(train) == 0 or len(test) == 0:
                raise ValueError(
                    f"Fold {k} has no {'training' if len(test) else 'test'} "
                    "window: every window before the boundary overlaps it (or "
                    "the gap), or many windows share one start; lower n_splits, "
                    "test_size or gap."
                )
            yield train, test


def _content_keys(X):
    """One hashable key per window, equal iff the windows are identical."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        n = X.shape[0]
        flat = np.ascontiguousarray(X.reshape(n, -1))
        if flat.dtype.kind == "f":
            flat = flat + 0.0  # -0.0 and 0.0 are the same value
        return [row.tobytes() for row in flat]
    keys = []
    for w in X:
        if isinstance(w, np.ndarray):
            keys.append((w.dtype.str, w.shape, w.tobytes()))
        elif isinstance(w, (str, bytes)):
            keys.append(w)
        else:
            keys.append(tuple(_hashable(v) for v in w))
    return keys


def _hashable(v):
    if isinstance(v, np.ndarray):
        return (v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, list):
        return tuple(_hashable(u) for u in v)
    return v


def _components(keys_a, keys_b=None):
    """Connected components of samples linked by equal content or equal session."""
    n = len(keys_a)
    parent = np.arange(n)

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for keys in (keys_a, keys_b):
        if keys is None:
            continue
        first = {}
        for i, key in enumerate(keys):
            j = first.setdefault(key, i)
            if j != i:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[ri] = rj
    return np.array([find(i) for i in range(n)])


class WindowGroupKFold(BaseCrossValidator):
    """K-fold that keeps identical windows, and whole sessions, on one side.

    Log windows repeat: normal behaviour produces the same window again and
    again, and benchmark files are often oversampled by duplication (the BGL
    anomalous windows are each repeated about ten times).  A plain
    ``KFold``/``StratifiedKFold`` then tests on windows it trained on.  This
    splitter groups windows that are **identical** (same content, compared
    exactly: same ids, same vectors or same strings at every position) and,
    when ``groups`` is given, windows of the **same session**, and also joins
    the two relations transitively; each group goes to exactly one test fold
    (via :class:`~sklearn.model_selection.GroupKFold`, or
    :class:`~sklearn.model_selection.StratifiedGroupKFold` with
    ``stratify=True``).

    Raw-line windows rarely repeat exactly (timestamps, ids); compare them
    after parsing (template ids), or pass session keys as ``groups``.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds (at least 2).
    stratify : bool, default=False
        Keep the share of anomalous windows about equal across folds (needs
        ``y``).
    shuffle : bool, default=False
        Shuffle the groups before assigning them to folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffle (only with ``shuffle=True``).
    by : {"both", "content", "groups"}, default="both"
        What makes two windows inseparable: identical content, the same
        ``groups`` key, or either (``groups`` is optional with "both").

    See Also
    --------
    ChronologicalSplit : train on the past, test on the future.
    window_overlap : measure the overlap of an existing split.

    Examples
    --------
    >>> import numpy as np
    >>> from chimera_sklearn.model_selection import WindowGroupKFold
    >>> X = np.array([[1, 2], [1, 2], [3, 4], [5, 6], [1, 2], [7, 8]])
    >>> for train, test in WindowGroupKFold(n_splits=2).split(X):
    ...     print(train, test)
    [2 3 5] [0 1 4]
    [0 1 4] [2 3 5]
    """

    __metadata_request__split = {"groups": True}

    def __init__(
        self, n_splits=5, *, stratify=False, shuffle=False, random_state=None, by="both"
    ):
        self.n_splits = n_splits
        self.stratify = stratify
        self.shuffle = shuffle
        self.random_state = random_state
        self.by = by

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits (``n_splits``)."""
        return _check_int(self.n_splits, "n_splits", 2)

    def window_groups(self, X, groups=None):
        """Group id of each window: windows with the same id are inseparable.

        Parameters
        ----------
        X : array-like or sequence of windows
        groups : array-like of shape (n_windows,), default=None
            Session key of each window.

        Returns
        -------
        ndarray of shape (n_windows,), dtype int64
        """
        if self.by not in ("both", "content", "groups"):
            raise ValueError(
                f"by must be 'both', 'content' or 'groups', got {self.by!r}."
            )
        if X is None or isinstance(X, (str, bytes)):
            raise TypeError("X must be a sequence of windows.")
        n = _num_samples(X)
        session = None
        if groups is not None:
            session = list(np.asarray(groups, dtype=object).reshape(n, -1).tolist())
            session = [tuple(s) if len(s) > 1 else s[0] for s in session]
        elif self.by == "groups":
            raise ValueError('by="groups" needs groups= (a session key per window).')
        content = _content_keys(X) if self.by in ("both", "content") else None
        if self.by == "groups":
            content, session = session, None
        labels = _components(content, session)
        _, ids = np.unique(labels, return_inverse=True)
        return ids.astype(np.int64)

    def split(self, X, y=None, groups=None):
        """Yield ``(train, test)`` index arrays.

        Parameters
        ----------
        X : array-like or sequence of shape (n_windows, ...)
            The windows; their content defines duplicates.
        y : array-like of shape (n_windows,), default=None
            Window labels, needed with ``stratify=True``.
        groups : array-like of shape (n_windows,), default=None
            Optional session key of each window.

        Yields
        ------
        train, test : ndarray of int
        """
        n_splits = self.get_n_splits()
        X, y, groups = indexable(X, y, groups)
        ids = self.window_groups(X, groups)
        n_groups = len(np.unique(ids))
        if n_groups < n_splits:
            raise ValueError(
                f"Only {n_groups} distinct window groups, fewer than n_splits="
                f"{n_splits}."
            )
        if self.stratify:
            if y is None:
                raise ValueError("stratify=True needs y.")
            inner = StratifiedGroupKFold(
                n_splits, shuffle=self.shuffle, random_state=self.random_state
            )
        else:
            inner = GroupKFold(
                n_splits, shuffle=self.shuffle, random_state=self.random_state
            )
        yield from inner.split(np.zeros(len(ids)), y, ids)


def window_overlap(X_train, X_test, *, train_lines=None, test_lines=None):
    """How much two sets of windows overlap: duplicates and shared lines.

    Parameters
    ----------
    X_train, X_test : array-like or sequence of windows
        Windows compared by exact content (ids, vectors or strings).  Their
        per-window shape must match to compare equal.
    train_lines, test_lines : sequence of array-like of int, default=None
        Stream positions of each window's lines (``Windows.line_index``);
        when both are given, windows that share a line are counted too.

    Returns
    -------
    Bunch
        - ``n_train``, ``n_test``: windows on each side;
        - ``n_unique_train``, ``n_unique_test``: distinct windows per side;
        - ``n_test_in_train``: test windows identical to some training window,
          and ``test_in_train_fraction`` (their share of ``n_test``);
        - ``n_unique_shared``: distinct windows found on both sides;
        - ``n_test_duplicates``: test windows that repeat an earlier test
          window (``n_test - n_unique_test``);
        - ``n_test_sharing_lines`` and ``n_shared_lines``: test windows with a
          line that is also in a training window, and the number of such
          lines (``None`` without line positions).

    Examples
    --------
    >>> from chimera_sklearn.model_selection import window_overlap
    >>> r = window_overlap([[1, 2], [3, 4]], [[1, 2], [1, 2], [5, 6]])
    >>> r.n_test_in_train, round(r.test_in_train_fraction, 3), r.n_unique_test
    (2, 0.667, 2)
    """
    for name, X in (("X_train", X_train), ("X_test", X_test)):
        if X is None or isinstance(X, (str, bytes)):
            raise TypeError(f"{name} must be a sequence of windows.")
    if isinstance(X_train, np.ndarray) != isinstance(X_test, np.ndarray):
        X_train, X_test = list(X_train), list(X_test)
        ka = [_hashable(np.asarray(w)) for w in X_train]
        kb = [_hashable(np.asarray(w)) for w in X_test]
    elif isinstance(X_train, np.ndarray) and (
        X_train.shape[1:] != X_test.shape[1:] or X_train.dtype != X_test.dtype
    ):
        ka = [_hashable(np.asarray(w)) for w in X_train]
        kb = [_hashable(np.asarray(w)) for w in X_test]
    else:
        ka, kb = _content_keys(X_train), _content_keys(X_test)
    train_set = set(ka)
    test_set = set(kb)
    in_train = sum(k in train_set for k in kb)
    report = Bunch(
        n_train=len(ka),
        n_test=len(kb),
        n_unique_train=len(train_set),
        n_unique_test=len(test_set),
        n_test_in_train=int(in_train),
        test_in_train_fraction=float(in_train / len(kb)) if kb else 0.0,
        n_unique_shared=len(train_set & test_set),
        n_test_duplicates=len(kb) - len(test_set),
        n_test_sharing_lines=None,
        n_shared_lines=None,
    )
    if (train_lines is None) != (test_lines is None):
        raise ValueError("Pass both train_lines and test_lines, or neither.")
    if train_lines is not None:
        if len(train_lines) != len(ka) or len(test_lines) != len(kb):
            raise ValueError("train_lines/test_lines need one entry per window.")
        used = (
            np.unique(np.concatenate([np.asarray(r).ravel() for r in train_lines]))
            if len(train_lines)
            else np.array([], dtype=np.int64)
        )
        sharing = [np.isin(np.asarray(r), used).any() for r in test_lines]
        shared_lines = (
            np.intersect1d(
                used, np.concatenate([np.asarray(r).ravel() for r in test_lines])
            )
            if len(test_lines)
            else np.array([])
        )
        report.n_test_sharing_lines = int(np.sum(sharing))
        report.n_shared_lines = int(len(shared_lines))
    return report
