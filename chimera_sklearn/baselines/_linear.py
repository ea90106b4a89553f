"""Template counts + logistic regression: the bar every deep model must clear."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from ._base import PAD, BaseDiagnoser, _check_param

__all__ = ["LinearDiagnoser"]


class LinearDiagnoser(BaseDiagnoser):
    """Logistic regression on template counts, root cause by coefficient.

    The classic event-count baseline of log anomaly detection (the
    "LR" of He et al., *Experience Report: System Log Analysis for Anomaly
    Detection*, ISSRE 2016, and of Le and Zhang, *Log-based Anomaly Detection
    with Deep Learning: How Far Are We?*, ICSE 2022): each window becomes the
    vector of how often each template occurs in it, and a
    :class:`~sklearn.linear_model.LogisticRegression` separates normal from
    anomalous windows.  Localization comes for free: the root-cause score of
    a line is the coefficient of its template (templates that push towards
    "anomalous" rank first), squashed to (0, 1) by a sigmoid.

    It is fast (under a second on 46k BGL windows) and strong; on the BGL
    dev split it is the bar every deep model must clear.

    Input is that of ``ChimeraDiagnoser``: integer template ids ``(n, W)``
    (0 = padding) or float line vectors ``(n, W, F)`` (e.g. from
    ``TemplateEmbedder``; all-zero = padding) or ``(n, W)`` (one scalar per
    line).  With vectors, **each distinct vector is a template**: the
    features are the counts of the distinct vectors seen in ``fit``, which
    for ``TemplateEmbedder`` output are exactly the template counts.  Lines
    never seen in ``fit`` (ids or vectors) are not counted and get a
    root-cause coefficient of 0.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularization strength of the logistic regression.
    class_weight : dict, "balanced" or None, default=None
        Passed to :class:`~sklearn.linear_model.LogisticRegression`.
    max_iter : int, default=1000
        Maximum L-BFGS iterations.
    tol : float, default=1e-4
        Stopping tolerance.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Class labels; ``classes_[1]`` is the anomalous class.
    n_features_in_ : int
        Window size ``W`` seen in ``fit``.
    window_size_ : int
        Same as ``n_features_in_``.
    n_line_features_ : int
        0 for template ids, else features per line.
    vocabulary_ : ndarray
        Template ids (or distinct line vectors) seen in ``fit``, sorted.
    estimator_ : LogisticRegression
        The fitted model on the count matrix (column ``j`` = count of
        ``vocabulary_[j]``).
    template_coef_ : ndarray of shape (len(``vocabulary_``),)
        Coefficient of each template (positive = evidence of an anomaly).
    n_iter_ : int
        L-BFGS iterations run.

    Notes
    -----
    The model is deterministic (L-BFGS); there is no ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from chimera_sklearn.baselines import LinearDiagnoser
    >>> X = np.array([[1, 2, 2], [2, 1, 1], [1, 9, 2], [9, 2, 1]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = LinearDiagnoser().fit(X, y)
    >>> clf.predict(X)
    array([0, 0, 1, 1])
    >>> clf.predict_root_cause(X, k=1).ravel()   # the line with template 9
    array([-1, -1,  1,  0])
    """

    def __init__(self, *, C=1.0, class_weight=None, max_iter=1000, tol=1e-4):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol

    def _validate_params(self):
        _check_param(self, "C", numbers.Real, low=1e-12)
        _check_param(self, "max_iter", numbers.Integral, low=1)
        _check_param(self, "tol", numbers.Real, low=0)
        cw = self.class_weight
        if not (cw is None or cw == "balanced" or isinstance(cw, dict)):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict; got {cw!r}."
            )

    def _counts(self, codes):
        """Sparse ``(n, n_vocab)`` counts of the known codes (2, 3, ...)."""
        n, w = codes.shape
        rows = np.repeat(np.arange(n), w)
        cols = codes.ravel() - 2
        keep = cols >= 0  # drop padding (0) and unseen lines (1)
        data = np.ones(int(keep.sum()), dtype=np.float64)
        return sp.csr_matrix(
            (data, (rows[keep], cols[keep])),
            shape=(n, max(len(self.vocabulary_), 1)),
        )

    def _fit_codes(self, X, codes, y):
        cw = self.class_weight
        if isinstance(cw, dict):
            classes = self.classes_.tolist()
            unknown = [k for k in cw if k not in classes]
            if unknown:
                raise ValueError(
                    f"class_weight has keys {unknown!r} that are not classes of y "
                    f"({classes!r}); use the labels of y as its keys."
                )
            cw = {classes.index(k): v for k, v in cw.items()}
        self.estimator_ = LogisticRegression(
            C=self.C, class_weight=cw, max_iter=self.max_iter, tol=self.tol
        ).fit(self._counts(codes), y)
        self.template_coef_ = self.estimator_.coef_[0, : len(self.vocabulary_)].copy()
        self.n_iter_ = int(np.max(self.estimator_.n_iter_))

    def _diagnose(self, X, codes):
        decision = self.estimator_.decision_function(self._counts(codes))
        coef = np.concatenate([[0.0, 0.0], self.template_coef_])
        scores = 1.0 / (1.0 + np.exp(-coef[codes]))
        scores[codes == PAD] = 0.0
        return decision, scores
