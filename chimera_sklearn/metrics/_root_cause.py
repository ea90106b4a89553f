"""End-to-end root-cause localization metrics (Chimera, ASE 2025, §5).

A window is *anomalous* when ``y_true == 1``.  A localization metric asks, for
each anomalous window, whether the lines ranked highest by ``scores`` are among
the window's root-cause lines.  The metrics are **end-to-end**: when
``y_pred`` is given, an anomalous window that the detector did not alarm counts
as a localization failure, as in the reference evaluation.  Ranking ties go to
the earlier line (stable sort), so a constant score never looks clever.
"""

import numbers

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.utils.validation import column_or_1d

__all__ = [
    "diagnosis_report",
    "hit_rate_at_k",
    "map_at_k",
    "mean_reciprocal_rank",
    "ndcg_at_k",
    "precision_at_k",
]


def _as_label_matrix(root_cause, n_windows, width):
    """Align per-line labels (2-D array or ragged sequences) to ``(n, width)``.

    Labels are aligned by position from the start of each window: position
    ``i`` of the scores is line ``i`` of the window.  Lines past ``width`` are
    dropped and missing positions are padded with 0.  ``None`` for a window
    means "no root-cause lines" (the usual value for a normal window).
    """
    if root_cause is None:
        raise ValueError(
            "root_cause is required: pass the per-line 0/1 labels of each window "
            "(an (n_windows, window_size) array or one sequence per window)."
        )
    if isinstance(root_cause, np.ndarray) and root_cause.ndim == 2:
        rc = root_cause
    else:
        try:
            rows = list(root_cause)
        except TypeError:
            raise TypeError(
                "root_cause must be an (n_windows, window_size) array or a sequence "
                f"of per-window label sequences, got {type(root_cause).__name__}."
            ) from None
        if len(rows) != n_windows:
            raise ValueError(
                f"root_cause has {len(rows)} windows but there are {n_windows} "
                "windows of scores; pass one label sequence per window."
            )
        rc = np.zeros((n_windows, width), dtype=np.int8)
        for i, row in enumerate(rows):
            if row is None:
                continue
            row = np.asarray(row).ravel()[:width]
            rc[i, : row.shape[0]] = row
    if rc.shape[0] != n_windows:
        raise ValueError(
            f"root_cause has {rc.shape[0]} windows but there are {n_windows} "
            "windows of scores; pass one label sequence per window."
        )
    if rc.shape[1] != width:
        fixed = np.zeros((n_windows, width), dtype=rc.dtype)
        m = min(width, rc.shape[1])
        fixed[:, :m] = rc[:, :m]
        rc = fixed
    rc = np.asarray(rc)
    if not np.all(np.isin(rc, (0, 1))):
        raise ValueError("root_cause must hold only 0/1 (or boolean) line labels.")
    return rc.astype(bool)


def _check_inputs(y_true, root_cause, scores, y_pred):
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2:
        raise ValueError(
            "scores must be a 2-D array (n_windows, window_size) of per-line "
            f"root-cause scores, got an array with {scores.ndim} dimension(s)."
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or infinity.")
    n, width = scores.shape
    y_true = column_or_1d(y_true)
    if y_true.shape[0] != n:
        raise ValueError(
            f"y_true has {y_true.shape[0]} windows but scores has {n} rows."
        )
    rc = _as_label_matrix(root_cause, n, width)
    if y_pred is None:
        alarmed = np.ones(n, dtype=bool)
    else:
        y_pred = column_or_1d(y_pred)
        if y_pred.shape[0] != n:
            raise ValueError(
                f"y_pred has {y_pred.shape[0]} windows but scores has {n} rows."
            )
        alarmed = y_pred == 1
    anomalous = y_true == 1
    return anomalous, alarmed, rc, scores


def _check_k(k):
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    return int(k)


def _ranked_labels(rc, scores):
    """Root-cause labels of each window sorted by descending score (stable)."""
    order = np.argsort(-scores, axis=1, kind="stable")
    return np.take_along_axis(rc, order, axis=1)


def hit_rate_at_k(y_true, root_cause, scores, *, y_pred=None, k=1):
    """Share of anomalous windows with a root-cause line among the top-k lines.

    HR@k = #{anomalous windows, alarmed, with a root-cause line in the top k} /
    #{anomalous windows}.

    Parameters
    ----------
    y_true : array-like of shape (n_windows,)
        Window labels, 1 for anomalous.
    root_cause : array-like of shape (n_windows, window_size) or sequence
        Per-line 0/1 root-cause labels, aligned by position with ``scores``.
    scores : array-like of shape (n_windows, window_size)
        Root-cause score of each line, higher = more likely the culprit.
    y_pred : array-like of shape (n_windows,), default=None
        Alarms of the detector.  When given, missed anomalous windows count as
        failures (the end-to-end rule).  ``None`` treats every window as alarmed.
    k : int, default=1
        Number of top-ranked lines that are inspected.

    Returns
    -------
    float
        The hit rate in [0, 1]; 0.0 when there is no anomalous window.

    Examples
    --------
    >>> from chimera_sklearn.metrics import hit_rate_at_k
    >>> y_true = [1, 1, 0]
    >>> root_cause = [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    >>> scores = [[0.1, 0.9, 0.0], [0.2, 0.7, 0.1], [0.3, 0.3, 0.3]]
    >>> hit_rate_at_k(y_true, root_cause, scores, k=1)
    0.5
    >>> hit_rate_at_k(y_true, root_cause, scores, k=2)
    1.0
    >>> hit_rate_at_k(y_true, root_cause, scores, y_pred=[0, 1, 0], k=2)
    0.5
    """
    k = _check_k(k)
    anomalous, alarmed, rc, scores = _check_inputs(y_true, root_cause, scores, y_pred)
    n_anomalous = anomalous.sum()
    if n_anomalous == 0:
        return 0.0
    ranked = _ranked_labels(rc, scores)
    hit = ranked[:, :k].any(axis=1) & alarmed & anomalous
    return float(hit.sum() / n_anomalous)


def precision_at_k(y_true, root_cause, scores, *, y_pred=None, k=1):
    """PR@k: share of the top-k lines that are root causes, capped by the truth.

    For each alarmed anomalous window with root-cause lines,
    ``|top-k ∩ rc| / min(k, |rc|)``; summed and divided by the number of
    anomalous windows that have at least one root-cause line.

    Parameters
    ----------
    y_true, root_cause, scores, y_pred, k
        As in :func:`hit_rate_at_k`.

    Returns
    -------
    float

    Examples
    --------
    >>> from chimera_sklearn.metrics import precision_at_k
    >>> precision_at_k([1], [[1, 1, 0, 0]], [[0.9, 0.1, 0.8, 0.0]], k=2)
    0.5
    """
    k = _check_k(k)
    anomalous, alarmed, rc, scores = _check_inputs(y_true, root_cause, scores, y_pred)
    has_rc = anomalous & rc.any(axis=1)
    if has_rc.sum() == 0:
        return 0.0
    ranked = _ranked_labels(rc, scores)
    hits = ranked[:, :k].sum(axis=1)
    denom = np.minimum(k, rc.sum(axis=1))
    per_window = np.where(has_rc & alarmed, hits / np.maximum(denom, 1), 0.0)
    return float(per_window.sum() / has_rc.sum())


def map_at_k(y_true, root_cause, scores, *, y_pred=None, k=5):
    """MAP@k: the mean of PR@1 … PR@k (the reference definition).

    Examples
    --------
    >>> from chimera_sklearn.metrics import map_at_k
    >>> map_at_k([1], [[1, 1, 0, 0]], [[0.9, 0.1, 0.8, 0.0]], k=2)
    0.75
    """
    k = _check_k(k)
    return float(
        np.mean(
            [
                precision_at_k(y_true, root_cause, scores, y_pred=y_pred, k=j)
                for j in range(1, k + 1)
            ]
        )
    )


def mean_reciprocal_rank(y_true, root_cause, scores, *, y_pred=None):
    """MRR: mean of 1 / rank of the first root-cause line.

    Summed over alarmed anomalous windows (a missed window contributes 0) and
    divided by the number of anomalous windows with at least one root-cause
    line.

    Examples
    --------
    >>> from chimera_sklearn.metrics import mean_reciprocal_rank
    >>> mean_reciprocal_rank([1, 1], [[0, 1, 0], [0, 0, 1]],
    ...                      [[0.5, 0.9, 0.1], [0.9, 0.5, 0.1]])
    0.6666...
    """
    anomalous, alarmed, rc, scores = _check_inputs(y_true, root_cause, scores, y_pred)
    has_rc = anomalous & rc.any(axis=1)
    if has_rc.sum() == 0:
        return 0.0
    ranked = _ranked_labels(rc, scores)
    first = np.argmax(ranked, axis=1)  # first True; valid where has_rc
    rr = np.where(has_rc & alarmed, 1.0 / (first + 1), 0.0)
    return float(rr.sum() / has_rc.sum())


def ndcg_at_k(y_true, root_cause, scores, *, k=5):
    """NDCG@k over all anomalous windows, regardless of the alarm.

    This follows the reference evaluation, which applies
    :func:`sklearn.metrics.ndcg_score` to every anomalous window (the detector
    plays no part).  Windows without a root-cause line are skipped.

    Examples
    --------
    >>> from chimera_sklearn.metrics import ndcg_at_k
    >>> ndcg_at_k([1], [[0, 1, 0]], [[0.9, 0.5, 0.1]], k=3)
    0.6309...
    """
    from sklearn.metrics import ndcg_score

    k = _check_k(k)
    anomalous, _, rc, scores = _check_inputs(y_true, root_cause, scores, None)
    keep = anomalous & rc.any(axis=1)
    if keep.sum() == 0:
        return 0.0
    if scores.shape[1] < 2:
        # ndcg_score needs at least two items per window; a single line is
        # trivially ranked first.
        return 1.0
    return float(ndcg_score(rc[keep].astype(float), scores[keep], k=k))


def diagnosis_report(y_true, y_pred, root_cause, scores, *, ks=(1, 3, 5)):
    """Detection and end-to-end localization metrics in one dictionary.

    Parameters
    ----------
    y_true : array-like of shape (n_windows,)
        Window labels (1 = anomalous).
    y_pred : array-like of shape (n_windows,)
        Alarms of the detector.
    root_cause : array-like of shape (n_windows, window_size) or sequence
        Per-line 0/1 root-cause labels.
    scores : array-like of shape (n_windows, window_size)
        Per-line root-cause scores.
    ks : tuple of int, default=(1, 3, 5)
        Cut-offs for HR@k, PR@k, MAP@k and NDCG@k.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` (detection, anomalous = positive),
        ``hr@k``, ``pr@k``, ``map@k``, ``ndcg@k`` for each k, and ``mrr``.

    Examples
    --------
    >>> from chimera_sklearn.metrics import diagnosis_report
    >>> r = diagnosis_report([1, 0], [1, 0], [[0, 1], [0, 0]], [[0.2, 0.8], [0, 0]],
    ...                      ks=(1,))
    >>> r["f1"], r["hr@1"], r["mrr"]
    (1.0, 1.0, 1.0)
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    report = {
        "precision": float(precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=0)),
        "f1": float(f1_score(y_true, y_pred, zero_division=0)),
    }
    for k in ks:
        report[f"hr@{k}"] = hit_rate_at_k(
            y_true, root_cause, scores, y_pred=y_pred, k=k
        )
    for k in ks:
        report[f"pr@{k}"] = precision_at_k(
            y_true, root_cause, scores, y_pred=y_pred, k=k
        )
    for k in ks:
        report[f"map@{k}"] = map_at_k(y_true, root_cause, scores, y_pred=y_pred, k=k)
    report["mrr"] = mean_reciprocal_rank(y_true, root_cause, scores, y_pred=y_pred)
    for k in ks:
        report[f"ndcg@{k}"] = ndcg_at_k(y_true, root_cause, scores, k=k)
    return report
