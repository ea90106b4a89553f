"""Root-cause metrics against hand-computed examples (Chimera §5 definitions)."""

import numpy as np
import pytest

from chimera_sklearn.metrics import (
    diagnosis_report,
    hit_rate_at_k,
    make_root_cause_scorer,
    map_at_k,
    mean_reciprocal_rank,
    ndcg_at_k,
    precision_at_k,
)

# Four windows of four lines: three anomalous, one normal.
Y_TRUE = np.array([1, 1, 1, 0])
RC = np.array(
    [
        [0, 1, 0, 0],  # culprit ranked 1st
        [1, 0, 0, 1],  # culprits ranked 2nd and 4th
        [0, 0, 1, 0],  # culprit ranked 3rd, but the window is missed
        [0, 0, 0, 0],
    ]
)
SCORES = np.array(
    [
        [0.1, 0.9, 0.2, 0.3],
        [0.8, 0.9, 0.7, 0.1],
        [0.9, 0.8, 0.7, 0.1],
        [0.2, 0.2, 0.2, 0.2],
    ]
)
Y_PRED = np.array([1, 1, 0, 1])


def test_hit_rate_by_hand():
    # k=1: only window 0 hits -> 1/3.  k=2: window 1's culprit is 2nd -> 2/3.
    assert hit_rate_at_k(Y_TRUE, RC, SCORES, y_pred=Y_PRED, k=1) == pytest.approx(1 / 3)
    assert hit_rate_at_k(Y_TRUE, RC, SCORES, y_pred=Y_PRED, k=2) == pytest.approx(2 / 3)
    # Window 2 is missed by the detector: even k=3 cannot count it end to end...
    assert hit_rate_at_k(Y_TRUE, RC, SCORES, y_pred=Y_PRED, k=3) == pytest.approx(2 / 3)
    # ...but it does without the end-to-end rule.
    assert hit_rate_at_k(Y_TRUE, RC, SCORES, k=3) == pytest.approx(1.0)


def test_precision_and_map_by_hand():
    # PR@2: w0 1/min(2,1)=1, w1 1/min(2,2)=0.5, w2 missed 0 -> 1.5/3.
    assert precision_at_k(Y_TRUE, RC, SCORES, y_pred=Y_PRED, k=2) == pytest.approx(0.5)
    # PR@1: w0 1 -> 1/3.  MAP@2 = mean(PR@1, PR@2).
    assert map_at_k(Y_TRUE, RC, SCORES, y_pred=Y_PRED, k=2) == pytest.approx(
        (1 / 3 + 0.5) / 2
    )
    # PR@4 for w1: ranks 2 and 4 are both culprits: 2/min(4,2) = 1.
    assert precision_at_k(Y_TRUE, RC, SCORES, y_pred=Y_PRED, k=4) == pytest.approx(
        (1 + 1 + 0) / 3
    )


def test_mrr_by_hand():
    # w0: 1/1, w1: 1/2, w2 missed: 0 -> 1.5/3.
    assert mean_reciprocal_rank(Y_TRUE, RC, SCORES, y_pred=Y_PRED) == pytest.approx(0.5)
    assert mean_reciprocal_rank(Y_TRUE, RC, SCORES) == pytest.approx(
        (1 + 1 / 2 + 1 / 3) / 3
    )


def test_ndcg_ignores_alarms_and_matches_formula():
    # w0: ideal.  w1: gains at ranks 2 and 4 -> (1/log2 3 + 1/log2 5)/(1 + 1/log2 3)
    # w2: rank 3 -> (1/log2 4)/1.
    w1 = (1 / np.log2(3) + 1 / np.log2(5)) / (1 + 1 / np.log2(3))
    expected = (1 + w1 + 0.5) / 3
    assert ndcg_at_k(Y_TRUE, RC, SCORES, k=4) == pytest.approx(expected)


def test_ties_go_to_the_earlier_line():
    flat = np.full((1, 4), 0.5)
    assert hit_rate_at_k([1], [[1, 0, 0, 0]], flat, k=1) == 1.0
    assert hit_rate_at_k([1], [[0, 0, 0, 1]], flat, k=1) == 0.0


def test_ragged_root_cause_is_aligned_by_position():
    ragged = [[0, 1], [1, 0, 0, 1, 0, 0], [0, 0, 1, 0], None]
    assert hit_rate_at_k(Y_TRUE, ragged, SCORES, y_pred=Y_PRED, k=2) == pytest.approx(
        2 / 3
    )


def test_report_has_everything():
    r = diagnosis_report(Y_TRUE, Y_PRED, RC, SCORES)
    assert r["precision"] == pytest.approx(2 / 3)
    assert r["recall"] == pytest.approx(2 / 3)
    for key in ("hr@1", "hr@3", "hr@5", "pr@1", "map@5", "mrr", "ndcg@5"):
        assert 0 <= r[key] <= 1


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"scores": [0.1, 0.2]}, ValueError, "2-D"),
        ({"root_cause": [[0, 1, 0, 0]]}, ValueError, "windows"),
        ({"root_cause": None}, ValueError, "root_cause is required"),
        ({"root_cause": RC * 2}, ValueError, "0/1"),
        ({"k": 0}, ValueError, "positive integer"),
        ({"scores": np.full((4, 4), np.nan)}, ValueError, "NaN"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = {"y_true": Y_TRUE, "root_cause": RC, "scores": SCORES, "k": 1}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        hit_rate_at_k(args["y_true"], args["root_cause"], args["scores"], k=args["k"])


def test_scorer_uses_predict_and_scores():
    class Stub:
        def predict(self, X):
            return Y_PRED

        def predict_root_cause_proba(self, X):
            return SCORES

    scorer = make_root_cause_scorer("hr", k=2)
    assert scorer(Stub(), None, Y_TRUE, root_cause=RC) == pytest.approx(2 / 3)
    assert make_root_cause_scorer("mrr")(Stub(), None, Y_TRUE, root_cause=RC) == 0.5
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        scorer(Stub(), None, Y_TRUE)
    with pytest.raises(TypeError, match="make_pipeline"):
        scorer(object(), None, Y_TRUE, root_cause=RC)
    with pytest.raises(ValueError, match="metric"):
        make_root_cause_scorer("accuracy")
