"""Fixed-length windows inside the Pipeline: pad or truncate, keep the mask."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["SequenceWindower", "padding_mask"]

#: Padding token of string windows (template ``""``); integer windows pad with 0.
PAD_TEMPLATE = ""


def padding_mask(Xt):
    """Boolean mask of real (non-padding) positions of windowed output.

    Parameters
    ----------
    Xt : ndarray of shape (n_windows, size) or (n_windows, size, n_features)
        Output of :class:`SequenceWindower` (strings padded with ``""``, ids
        padded with 0) or of :class:`~chimera_sklearn.TemplateEmbedder`
        (padding = all-zero vectors).

    Returns
    -------
    ndarray of bool, shape (n_windows, size)

    Examples
    --------
    >>> import numpy as np
    >>> from chimera_sklearn.windowing import padding_mask
    >>> padding_mask(np.array([[3, 5, 0], [2, 0, 0]]))
    array([[ True,  True, False],
           [ True, False, False]])
    """
    Xt = np.asarray(Xt)
    if Xt.ndim == 3:
        return np.any(Xt != 0, axis=2)
    if Xt.ndim != 2:
        raise ValueError(f"Expected a 2-D or 3-D array, got {Xt.ndim} dimension(s).")
    if Xt.dtype.kind in "OUS":
        return Xt != PAD_TEMPLATE
    return Xt != 0


def _window_tokens(X):
    """Validate windows of tokens (str templates or int ids)."""
    if X is None or isinstance(X, (str, bytes)):
        raise TypeError(
            "X must be a sequence of windows (each a sequence of templates or "
            f"template ids), got {type(X).__name__}."
        )
    if isinstance(X, np.ndarray) and X.ndim == 2:
        windows = list(X)
    else:
        try:
            windows = list(X)
        except TypeError:
            raise TypeError(
                f"X must be a sequence of windows, got {type(X).__name__}."
            ) from None
    if not windows:
        raise ValueError("X is empty: at least one window is needed.")
    kinds = set()
    empty_int = False  # an empty window that is an integer array (parser ids)
    out = []
    for w, window in enumerate(windows):
        if isinstance(window, (str, bytes)) or not hasattr(window, "__len__"):
            raise TypeError(
                f"X[{w}] is {type(window).__name__}; each window must be a "
                "sequence of templates (str) or template ids (int). Put a "
                "DrainParser before the SequenceWindower."
            )
        arr = np.asarray(window, dtype=object if len(window) == 0 else None)
        if arr.ndim != 1:
            raise ValueError(f"X[{w}] must be 1-D, got shape {arr.shape}.")
        if len(arr):
            if arr.dtype.kind == "U" and not isinstance(window, np.ndarray):
                # np.asarray(["a", 1]) silently turns the 1 into "1"
                bad = next((t for t in window if not isinstance(t, str)), None)
                if bad is not None:
                    raise TypeError(
                        f"X[{w}] mixes template strings with a "
                        f"{type(bad).__name__} ({bad!r}); a window must hold only "
                        "template strings or only integer template ids."
                    )
            if arr.dtype.kind in "iu":
                kinds.add("int")
            elif arr.dtype.kind in "OU" and all(isinstance(t, str) for t in arr):
                kinds.add("str")
            else:
                raise TypeError(
                    f"X[{w}] holds {arr.dtype} values; windows must hold template "
                    "strings or integer template ids."
                )
        elif isinstance(window, np.ndarray) and window.dtype.kind in "iu":
            empty_int = True
        out.append(arr)
    if len(kinds) > 1:
        raise TypeError("X mixes windows of strings and windows of integer ids.")
    if kinds:
        return out, kinds.pop()
    # Only empty windows: their dtype (DrainParser's int64 ids) decides.
    return out, ("int" if empty_int else "str")


class SequenceWindower(TransformerMixin, BaseEstimator):
    """Make every window exactly ``size`` events long, by padding or truncating.

    This is the in-Pipeline half of windowing: the samples (windows) were cut
    before the Pipeline by :func:`~chimera_sklearn.make_windows`; here each one
    gets the fixed length the model needs.  The number of samples never
    changes.

    Short windows are padded at the end, with ``""`` for template strings and
    0 for integer template ids; the padding mask travels in the data itself
    (see :func:`~chimera_sklearn.windowing.padding_mask`), so the model knows
    which positions are real lines.

    Parameters
    ----------
    size : int or None, default=20
        Events per window.  ``None`` learns it in ``fit`` as the length of the
        longest training window.
    keep : {"first", "last"}, default="first"
        Which events a longer window keeps: its first ``size`` (position ``i``
        stays line ``i`` of the window, so per-line labels and culprit
        positions need no shifting) or its most recent ``size`` events (for a
        long session whose end matters most; then position ``i`` is line
        ``len(window) - size + i``, see :meth:`line_positions`).

    Attributes
    ----------
    size_ : int
        The window length used by ``transform``.
    dtype_ : {"str", "int"}
        Kind of token seen in ``fit``.

    Examples
    --------
    >>> from chimera_sklearn import SequenceWindower
    >>> w = SequenceWindower(size=3).fit([["a", "b"], ["c", "d", "e", "f"]])
    >>> w.transform([["a", "b"], ["c", "d", "e", "f"]])
    array([['a', 'b', ''],
           ['c', 'd', 'e']], dtype=object)
    >>> SequenceWindower(size=3, keep="last").fit_transform([[4, 5, 6, 7], [2]])
    array([[5, 6, 7],
           [2, 0, 0]])
    """

    def __init__(self, size=20, keep="first"):
        self.size = size
        self.keep = keep

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _check_params(self):
        if self.keep not in ("first", "last"):
            raise ValueError(f"keep must be 'first' or 'last', got {self.keep!r}.")
        if self.size is not None and (
            not isinstance(self.size, numbers.Integral)
            or isinstance(self.size, bool)
            or self.size < 1
        ):
            raise ValueError(
                f"size must be a positive integer or None, got {self.size!r}."
            )

    def fit(self, X, y=None):
        """Check the windows and fix the window length.

        Parameters
        ----------
        X : sequence of windows
            Each window a sequence of template strings or template ids.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        windows, kind = _window_tokens(X)
        if self.size is None:
            self.size_ = max(1, max(len(w) for w in windows))
        else:
            self.size_ = int(self.size)
        self.dtype_ = kind
        return self

    def transform(self, X):
        """Pad or truncate each window to ``size_`` events.

        Parameters
        ----------
        X : sequence of windows

        Returns
        -------
        Xt : ndarray of shape (n_windows, ``size_``)
            ``object`` array of template strings (padding ``""``) or ``int64``
            array of template ids (padding 0).
        """
        check_is_fitted(self)
        windows, kind = _window_tokens(X)
        if any(len(w) for w in windows) and kind != self.dtype_:
            raise TypeError(
                f"The windower was fitted on {self.dtype_} tokens but got {kind} "
                "tokens; transform the same kind of data that was used in fit."
            )
        size = self.size_
        if self.dtype_ == "int":
            out = np.zeros((len(windows), size), dtype=np.int64)
        else:
            out = np.full((len(windows), size), PAD_TEMPLATE, dtype=object)
        for i, w in enumerate(windows):
            part = w[:size] if self.keep == "first" else w[max(len(w) - size, 0) :]
            out[i, : len(part)] = part
        return out

    def line_positions(self, X):
        """Index, in each raw window, of the line at each output position.

        Parameters
        ----------
        X : sequence of windows
            The windows given to ``transform`` (only their lengths matter).

        Returns
        -------
        ndarray of shape (n_windows, ``size_``), dtype int64
            ``-1`` at padding positions.

        Examples
        --------
        >>> from chimera_sklearn import SequenceWindower
        >>> w = SequenceWindower(size=2, keep="last").fit([[1, 2, 3]])
        >>> w.line_positions([[1, 2, 3], [4]])
        array([[ 1,  2],
               [ 0, -1]])
        """
        check_is_fitted(self)
        windows, _ = _window_tokens(X)
        size = self.size_
        out = np.full((len(windows), size), -1, dtype=np.int64)
        for i, w in enumerate(windows):
            n = min(len(w), size)
            offset = 0 if self.keep == "first" else max(len(w) - size, 0)
            out[i, :n] = np.arange(offset, offset + n)
        return out

    def set_output(self, *, transform=None):
        """Accept and ignore a ``set_output`` configuration.

        The output is an array of tokens, not a table of named features, so
        pandas or polars output does not apply; this method exists so that a
        Pipeline-wide ``set_output`` keeps working.
        """
        return self
