"""
Real BGL windows: Chimera against a linear baseline
===================================================

The Chimera authors released BGL (Blue Gene/L supercomputer) logs as windows
of 20 template ids, with a per-line label inside every anomalous window: the
ground truth for "which lines caused it".  This example trains
:class:`~chimera_sklearn.ChimeraDiagnoser` on a **small subset** of the
training windows (so that it runs in seconds) next to the
:class:`~chimera_sklearn.baselines.LinearDiagnoser` baseline, and measures
both on the dev split: the benchmark table below is computed in this run.

The data is read from ``../shared/data`` beside the repository (see
:func:`~chimera_sklearn.datasets.get_data_home`); nothing is downloaded.
"""

# %%
# Load the windows
# ----------------
# ``unique=True`` drops the duplicates: the released anomalous files are
# oversampled by duplication, and duplicates would flatter every score.
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from chimera_sklearn import ChimeraDiagnoser
from chimera_sklearn.baselines import LinearDiagnoser
from chimera_sklearn.datasets import load_bgl_windows
from chimera_sklearn.metrics import diagnosis_report

torch.set_num_threads(1)

X_train, y_train, rc_train = load_bgl_windows("train", unique=True)
X_dev, y_dev, rc_dev = load_bgl_windows("dev", unique=True)
print(f"train: {len(X_train)} unique windows ({y_train.sum()} anomalous)")
print(f"dev:   {len(X_dev)} unique windows ({y_dev.sum()} anomalous)")
# An anomalous window in which only some lines are root causes:
mixed = np.flatnonzero((y_dev == 1) & (rc_dev.min(axis=1) == 0))[0]
print("template ids:", "".join(f"{t:4d}" for t in X_dev[mixed]))
print("line labels: ", "".join(f"{t:4d}" for t in rc_dev[mixed]))

# %%
# A small training subset
# -----------------------
# 1,500 normal and 500 anomalous training windows, drawn at random.  The
# windows are template ids already, so the model learns its own embedding
# table (``embedding="learned"``) and no parser or embedder is needed.
rng = np.random.RandomState(0)
keep = np.r_[
    rng.choice(np.flatnonzero(y_train == 0), 1500, replace=False),
    rng.choice(np.flatnonzero(y_train == 1), 500, replace=False),
]
X_small, y_small = X_train[keep], y_train[keep]

chimera = ChimeraDiagnoser(
    embedding="learned",
    embedding_dim=32,
    hidden_size=32,
    max_epochs=2,
    random_state=0,
)
linear = LinearDiagnoser()

# %%
# The benchmark table, measured in this run
# -----------------------------------------
# Both models are fitted on the same subset and scored on the **dev** split
# (the test split is held out: nothing here was tuned on it or scored on it).
# Detection: precision (P), recall (R) and F1, anomalous = positive.
# Localization: HR@k and MRR are end to end, so a missed anomalous window
# counts as a localization failure.  The line labels are used only to score.
# The times are wall-clock seconds on one CPU thread of this build.
rows = []
for name, model in [("Chimera", chimera), ("Linear", linear)]:
    start = time.perf_counter()
    model.fit(X_small, y_small)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = model.predict(X_dev)
    scores = model.predict_root_cause_proba(X_dev)
    predict_s = time.perf_counter() - start
    report = diagnosis_report(y_dev, y_pred, rc_dev, scores, ks=(1, 3))
    rows.append(
        {
            "method": name,
            **report,
            "fit (s)": fit_s,
            "windows/s": len(X_dev) / predict_s,
        }
    )

metrics = ["precision", "recall", "f1", "hr@1", "hr@3", "mrr"]
labels = ["P", "R", "F1", "HR@1", "HR@3", "MRR"]
print(f"{'method':8}" + "".join(f"{m:>7}" for m in labels) + "  fit (s)  win/s")
for row in rows:
    cells = "".join(f"{100 * row[m]:7.1f}" for m in metrics)
    print(f"{row['method']:8}{cells}{row['fit (s)']:9.2f}{row['windows/s']:7.0f}")

# %%
# The same numbers as a figure.  At this size (2,000 windows, two epochs)
# the linear baseline is ahead on every metric.  The full-size runs (all
# training windows, the package defaults) are on the :doc:`/compare_benchmark`
# and :doc:`/bgl_benchmark` pages: there Chimera has the best F1 on BGL dev,
# while the linear baseline keeps the best HR@1.
x = np.arange(len(metrics))
fig, ax = plt.subplots(figsize=(8, 3.2))
for i, row in enumerate(rows):
    ax.bar(
        x + (i - 0.5) * 0.38,
        [100 * row[m] for m in metrics],
        width=0.38,
        label=row["method"],
    )
ax.set_xticks(x, labels)
ax.set_ylabel("%")
ax.set_ylim(0, 100)
ax.set_title("BGL dev, trained on 2,000 windows (measured in this run)")
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
fig.tight_layout()

# %%
# Where each model puts its root-cause scores
# -------------------------------------------
# The mixed window printed above: the per-line scores of both models and the
# true root-cause lines.
fig, ax = plt.subplots(figsize=(8, 2.6))
positions = np.arange(X_dev.shape[1])
for row, model in zip(rows, (chimera, linear)):
    ax.plot(
        positions,
        model.predict_root_cause_proba(X_dev[[mixed]])[0],
        marker="o",
        label=row["method"],
    )
ax.scatter(
    positions[rc_dev[mixed] == 1],
    np.full((rc_dev[mixed] == 1).sum(), 1.05),
    marker="v",
    color="k",
    label="root cause",
)
ax.set_xticks(positions)
ax.set_xlabel("line in window")
ax.set_ylabel("root-cause score")
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
fig.tight_layout()
