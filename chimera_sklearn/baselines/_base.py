"""Shared input handling and public API of the baseline diagnosers."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._ranking import top_k_culprits
from ..utils._validation import (
    check_has_lines,
    check_param,
    check_root_cause,
    check_window_shape,
)

__all__ = ["BaseDiagnoser"]

PAD, UNKNOWN = 0, 1  # codes of padding and of lines never seen in fit


def _check_param(est, name, kind, **bounds):
    return check_param(name, getattr(est, name), kind, **bounds)


def dedupe(codes, y):
    """Distinct ``(window codes, label)`` rows in first-seen order, with counts.

    In ``fit`` every line is in the vocabulary, so equal codes mean equal
    windows (ids or vectors).
    """
    n = codes.shape[0]
    key = np.ascontiguousarray(
        np.concatenate([codes.reshape(n, -1), y.reshape(n, 1)], axis=1),
        dtype=np.int64,
    )
    keyv = key.view(np.dtype((np.void, 8 * key.shape[1]))).ravel()
    _, first, counts = np.unique(keyv, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return first[order], counts[order]


class BaseDiagnoser(ClassifierMixin, BaseEstimator):
    """Input handling and the diagnosis API shared by the baselines.

    Windows come in the same forms as for ``ChimeraDiagnoser``:

    - **template ids**: an integer array ``(n_windows, window_size)``, 0 =
      padding;
    - **vectors**: a float array ``(n_windows, window_size, n_features)``
      (e.g. from ``TemplateEmbedder``; all-zero vectors are padding), or a
      2-D float array ``(n_windows, window_size)`` read as one scalar per line
      (no padding).

    The kind is decided by the dtype in ``fit``.  Every distinct line (id or
    vector) seen in ``fit`` gets a *code* (0 = padding, 1 = never seen in
    ``fit``, 2... = the fitted vocabulary, exactly), which the discrete
    baselines use as their events.  Subclasses implement ``_fit_codes`` and
    ``_diagnose``.
    """

    _needs_vectors = False  # True: the model consumes the vectors themselves

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.allow_nan = False
        return tags

    # ------------------------------------------------------------ inputs
    def _check_X(self, X, reset):
        X = validate_data(self, X, reset=reset, dtype="numeric", allow_nd=True)
        if X.ndim > 3:
            raise ValueError(
                "X must be 2-D (n_windows, window_size) or 3-D (n_windows, "
                f"window_size, n_features); got {X.ndim}-D."
            )
        if X.ndim == 3:
            check_window_shape(X)
        is_ids = X.dtype.kind in "iu"
        if reset:
            self.n_line_features_ = 0 if is_ids else (1 if X.ndim == 2 else X.shape[2])
        if self.n_line_features_ == 0:
            if not is_ids:
                if X.ndim == 2 and np.all(X == np.round(X)):
                    X = X.astype(np.int64)
                else:
                    raise TypeError(
                        f"{type(self).__name__} was fitted on integer template ids; "
                        f"got {X.dtype} windows of shape {X.shape}."
                    )
            if X.ndim != 2:
                raise ValueError(
                    "Integer template ids must be 2-D (n_windows, window_size); "
                    f"got shape {X.shape}."
                )
            X = X.astype(np.int64, copy=False)
            if X.size and X.min() < 0:
                raise ValueError("Template ids must be >= 0 (0 = padding).")
            return X
        X = X.astype(np.float64, copy=False)
        if X.ndim == 2:
            X = X[:, :, None]
        if X.shape[2] != self.n_line_features_:
            raise ValueError(
                f"X has {X.shape[2]} features per line, but {type(self).__name__} "
                f"was fitted with {self.n_line_features_}."
            )
        return X

    def _mask(self, X):
        """Real (non-padding) positions of validated ``X``."""
        if self.n_line_features_ == 0:
            return X != PAD
        if self.n_line_features_ == 1:
            return np.ones(X.shape[:2], dtype=bool)  # 2-D floats: no padding
        return np.any(X != 0, axis=2)

    def _fit_vocabulary(self, X):
        mask = self._mask(X)
        if self.n_line_features_ == 0:
            ids = np.unique(X[mask])
            self.vocabulary_ = ids
            return
        rows = X[mask] + 0.0  # -0.0 == 0.0
        self.vocabulary_ = np.unique(rows, axis=0) if len(rows) else rows
        self._vector_codes = {
            r.tobytes(): i + 2 for i, r in enumerate(self.vocabulary_)
        }

    def _encode(self, X):
        """Validated ``X`` → int codes ``(n, W)``: 0 pad, 1 unknown, 2.. known."""
        mask = self._mask(X)
        vocab = self.vocabulary_
        if self.n_line_features_ == 0:
            if len(vocab) == 0:
                codes = np.full(X.shape, UNKNOWN, dtype=np.int64)
            else:
                pos = np.clip(np.searchsorted(vocab, X), 0, len(vocab) - 1)
                codes = np.where(vocab[pos] == X, pos + 2, UNKNOWN)
        else:
            n, w, f = X.shape
            flat = np.ascontiguousarray(X.reshape(n * w, f) + 0.0)
            keys = flat.view(np.dtype((np.void, 8 * f))).ravel()
            uniq, inverse = np.unique(keys, return_inverse=True)
            table = np.array(
                [self._vector_codes.get(u.tobytes(), UNKNOWN) for u in uniq],
                dtype=np.int64,
            )
            codes = table[inverse.reshape(n, w)]
        codes = np.asarray(codes, dtype=np.int64)
        codes[~mask] = PAD
        return codes

    @property
    def _n_codes(self):
        return len(self.vocabulary_) + 2

    # --------------------------------------------------------------- fit
    def _check_y(self, X, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None (window labels are needed)."
            )
        y = validate_data(self, y=y, reset=False)
        if len(y) != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} windows but y has {len(y)} labels.")
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise ValueError(
                "Only binary classification is supported. The type of the target "
                f"is {y_type}."
            )
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) != 2:
            raise ValueError(
                f"{type(self).__name__} needs windows of exactly two classes "
                f"(normal and anomalous); y has {len(classes)} class(es): "
                f"{classes.tolist()[:5]!r}."
            )
        self.classes_ = classes
        return y_enc.astype(np.int64)

    def fit(self, X, y, root_cause=None):
        """Fit on windows ``X`` with window labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_size[, n_features])
            Integer template ids (0 = padding) or float line vectors.
        y : array-like of shape (n_windows,)
            Binary window labels; ``classes_[1]`` (the larger label, e.g. 1)
            is the anomalous class.
        root_cause : array-like of shape (n_windows, window_size), default=None
            Per-line 0/1 labels; accepted for API compatibility with
            ``ChimeraDiagnoser``, checked against the windows as it does
            (``ValueError`` when they do not match), then ignored (every
            baseline learns from window labels only).

        Returns
        -------
        self
        """
        self._validate_params()
        X = self._check_X(X, reset=True)
        y_enc = self._check_y(X, y)
        if root_cause is not None:
            check_root_cause(root_cause, X.shape[0], X.shape[1])
        check_has_lines(self._mask(X).any())
        self.window_size_ = X.shape[1]
        self._fit_vocabulary(X)
        self._fit_codes(X, self._encode(X), y_enc)
        return self

    # --------------------------------------------------------- inference
    def _inputs(self, X):
        X = self._check_X(X, reset=False)
        return X, self._encode(X)

    def decision_function(self, X):
        """Anomaly score of each window (``predict`` alarms iff > 0).

        Parameters
        ----------
        X : array-like of shape (n_windows, window_size[, n_features])

        Returns
        -------
        score : ndarray of shape (n_windows,)
        """
        check_is_fitted(self)
        return self._diagnose(*self._inputs(X))[0]

    def predict_proba(self, X):
        """Class probabilities, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_size[, n_features])

        Returns
        -------
        proba : ndarray of shape (n_windows, 2)
        """
        check_is_fitted(self)
        d = self.decision_function(X)
        p1 = 1.0 / (1.0 + np.exp(-np.clip(d, -500, 500)))
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X):
        """Predict window labels (``classes_[1]`` = anomalous).

        Parameters
        ----------
        X : array-like of shape (n_windows, window_size[, n_features])

        Returns
        -------
        y_pred : ndarray of shape (n_windows,)
        """
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def predict_root_cause_proba(self, X):
        """Root-cause score of every line, in [0, 1] (0 at padding).

        Parameters
        ----------
        X : array-like of shape (n_windows, window_size[, n_features])

        Returns
        -------
        scores : ndarray of shape (n_windows, window_size)
            For every window, alarmed or not; higher = more likely the culprit.
        """
        check_is_fitted(self)
        return self._diagnose(*self._inputs(X))[1]

    def predict_root_cause(self, X, k=1):
        """Positions of the top-``k`` culprit lines of each alarmed window.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_size[, n_features])
        k : int, default=1
            Number of lines per window.

        Returns
        -------
        positions : ndarray of shape (n_windows, k)
            Line positions by decreasing score (ties: earlier line first); -1
            for windows that are not alarmed and where a window has fewer than
            ``k`` real (non-padding) lines.
        """
        check_is_fitted(self)
        Xv, codes = self._inputs(X)
        decision, s = self._diagnose(Xv, codes)
        return top_k_culprits(s, self._mask(Xv), decision > 0, k)
