"""Detection and end-to-end root-cause localization metrics.

Detection uses scikit-learn's own ``precision_score``, ``recall_score`` and
``f1_score`` (re-exported here); localization follows the Chimera reference
evaluation (HR@k, PR@k, MAP@k, MRR, NDCG@k).
"""

from sklearn.metrics import f1_score, precision_score, recall_score

from ._plot import AnomalyScoreDisplay, RootCauseDisplay
from ._root_cause import (
    diagnosis_report,
    hit_rate_at_k,
    map_at_k,
    mean_reciprocal_rank,
    ndcg_at_k,
    precision_at_k,
)
from ._scorers import RootCauseScorer, make_root_cause_scorer

__all__ = [
    "AnomalyScoreDisplay",
    "RootCauseDisplay",
    "RootCauseScorer",
    "diagnosis_report",
    "f1_score",
    "hit_rate_at_k",
    "make_root_cause_scorer",
    "map_at_k",
    "mean_reciprocal_rank",
    "ndcg_at_k",
    "precision_at_k",
    "precision_score",
    "recall_score",
]
