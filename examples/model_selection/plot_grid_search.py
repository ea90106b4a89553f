"""
Grid search on root-cause quality
=================================

The model trains from window labels alone, but a search can still *select* on
localization if some line labels exist: a root-cause scorer reads them as
metadata, routed by scikit-learn's metadata routing.  This example tunes
``hidden_size`` of the model inside a whole pipeline with
:class:`~sklearn.model_selection.GridSearchCV`, scoring F1 and HR@1, on
time-ordered folds (:class:`~chimera_sklearn.model_selection.ChronologicalSplit`).
"""

# %%
# Data and pipeline
# -----------------
import matplotlib.pyplot as plt
import sklearn
import torch
from sklearn.model_selection import GridSearchCV

from chimera_sklearn import (
    ChimeraDiagnoser,
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    chronological_split,
    make_pipeline,
    make_windows,
)
from chimera_sklearn.datasets import make_fault_logs
from chimera_sklearn.metrics import diagnosis_report, make_root_cause_scorer
from chimera_sklearn.model_selection import ChronologicalSplit

torch.set_num_threads(1)

logs = make_fault_logs(n_lines=12000, random_state=2)
train, test = chronological_split(
    make_windows(logs.lines, logs.labels, size=20), test_size=0.25
)

# %%
# Metadata routing
# ----------------
# Routing is a global scikit-learn setting.  Each consumer of ``root_cause``
# says whether it wants it: the scorer asks for it by itself; the model is
# told *not* to train on it (``set_fit_request(root_cause=False)``), so it
# learns from window labels only, as in the paper.
sklearn.set_config(enable_metadata_routing=True)

pipe = make_pipeline(
    DrainParser(log_format=logs.log_format),
    SequenceWindower(size=20),
    TemplateEmbedder(n_components=16, random_state=0),
    ChimeraDiagnoser(max_epochs=2, random_state=0).set_fit_request(root_cause=False),
)

# %%
# The search
# ----------
# Two folds in time: each trains on the past and validates on the windows
# that follow, never on a shared line.  ``refit="hr@1"`` keeps the setting
# with the best top-1 localization, end to end.
search = GridSearchCV(
    pipe,
    {"chimeradiagnoser__hidden_size": [16, 32]},
    scoring={"f1": "f1", "hr@1": make_root_cause_scorer("hr", k=1)},
    refit="hr@1",
    cv=ChronologicalSplit(n_splits=2),
)
search.fit(train.X, train.y, root_cause=train.root_cause)

for params, f1, hr1 in zip(
    search.cv_results_["params"],
    search.cv_results_["mean_test_f1"],
    search.cv_results_["mean_test_hr@1"],
):
    print(params, f"F1 {f1:.3f}  HR@1 {hr1:.3f}")
print("best:", search.best_params_)

# %%
# The validation scores of each setting, fold by fold.
fig, ax = plt.subplots(figsize=(5, 3))
for key, label in [("f1", "F1"), ("hr@1", "HR@1")]:
    for fold in range(search.n_splits_):
        ax.plot(
            [p["chimeradiagnoser__hidden_size"] for p in search.cv_results_["params"]],
            search.cv_results_[f"split{fold}_test_{key}"],
            marker="o",
            color="tab:blue" if key == "f1" else "tab:red",
            alpha=0.5 + 0.5 * fold / search.n_splits_,
            label=f"{label}, fold {fold}",
        )
ax.set_xticks(
    sorted({p["chimeradiagnoser__hidden_size"] for p in search.cv_results_["params"]})
)
ax.set_xlabel("hidden_size")
ax.set_ylabel("validation score")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Score the chosen model on the held-out future
# ---------------------------------------------
# The test windows took no part in the search.
best = search.best_estimator_
report = diagnosis_report(
    test.y,
    best.predict(test.X),
    test.root_cause,
    best.predict_root_cause_proba(test.X),
)
print({k: round(report[k], 3) for k in ("f1", "hr@1", "hr@3", "mrr")})

# %%
# Routing stays on until it is switched off; the rest of a program may not
# expect it.
sklearn.set_config(enable_metadata_routing=False)
