"""Scorers for model selection on root-cause localization."""

from sklearn.utils.metadata_routing import MetadataRequest

from ._root_cause import (
    hit_rate_at_k,
    map_at_k,
    mean_reciprocal_rank,
    ndcg_at_k,
    precision_at_k,
)

_METRICS = {
    "hr": hit_rate_at_k,
    "pr": precision_at_k,
    "map": map_at_k,
    "mrr": mean_reciprocal_rank,
    "ndcg": ndcg_at_k,
}


class RootCauseScorer:
    """A scorer ``scorer(estimator, X, y, root_cause=None)`` for GridSearchCV.

    It calls ``estimator.predict`` (for the end-to-end rule) and
    ``estimator.predict_root_cause_proba`` and scores them with a root-cause
    metric.  The line labels reach it as ``root_cause`` metadata, which needs
    ``sklearn.set_config(enable_metadata_routing=True)``; the scorer requests
    ``root_cause`` by itself.  Build it with :func:`make_root_cause_scorer`.

    Examples
    --------
    >>> import numpy as np
    >>> from chimera_sklearn.baselines import LinearDiagnoser
    >>> from chimera_sklearn.metrics import make_root_cause_scorer
    >>> X = np.array([[2, 3, 4], [2, 9, 4], [3, 2, 4], [9, 3, 2]])  # template ids
    >>> y = [0, 1, 0, 1]
    >>> root_cause = [[0, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 0]]
    >>> clf = LinearDiagnoser().fit(X, y)
    >>> scorer = make_root_cause_scorer("hr", k=1)
    >>> scorer(clf, X, y, root_cause=root_cause)
    1.0
    """

    def __init__(self, metric="hr", k=1):
        self.metric = metric
        self.k = k

    def __repr__(self):
        return f"make_root_cause_scorer(metric={self.metric!r}, k={self.k!r})"

    def get_metadata_routing(self):
        request = MetadataRequest(owner=self.__class__.__name__)
        request.score.add_request(param="root_cause", alias=True)
        return request

    def __call__(self, estimator, X, y, root_cause=None, **kwargs):
        if root_cause is None:
            raise ValueError(
                "RootCauseScorer got no root_cause labels. Enable metadata routing "
                "with sklearn.set_config(enable_metadata_routing=True) and pass "
                "root_cause=... to fit (for example GridSearchCV(...).fit(X, y, "
                "root_cause=rc))."
            )
        for method in ("predict", "predict_root_cause_proba"):
            if not hasattr(estimator, method):
                raise TypeError(
                    f"{type(estimator).__name__} has no {method}(); root-cause "
                    "scorers need a diagnoser, or a pipeline built with "
                    "chimera_sklearn.make_pipeline, which forwards it."
                )
        scores = estimator.predict_root_cause_proba(X)
        func = _METRICS[self.metric]
        if self.metric == "ndcg":
            return func(y, root_cause, scores, k=self.k)
        y_pred = estimator.predict(X)
        if self.metric == "mrr":
            return func(y, root_cause, scores, y_pred=y_pred)
        return func(y, root_cause, scores, y_pred=y_pred, k=self.k)


def make_root_cause_scorer(metric="hr", *, k=1):
    """Make a root-cause scorer for ``GridSearchCV`` or ``cross_validate``.

    Parameters
    ----------
    metric : {"hr", "pr", "map", "mrr", "ndcg"}, default="hr"
        The end-to-end localization metric (see :mod:`chimera_sklearn.metrics`).
    k : int, default=1
        Cut-off of the metric (ignored by ``"mrr"``).

    Returns
    -------
    scorer : RootCauseScorer
        Callable ``scorer(estimator, X, y, root_cause=None)``; higher is better.

    Examples
    --------
    >>> from chimera_sklearn.metrics import make_root_cause_scorer
    >>> make_root_cause_scorer("hr", k=3)
    make_root_cause_scorer(metric='hr', k=3)
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}, got {metric!r}.")
    if metric != "mrr" and (not isinstance(k, int) or k < 1):
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    return RootCauseScorer(metric=metric, k=k)
