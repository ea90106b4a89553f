"""
Localize root causes and plot them
==================================

Beyond *whether* a window is anomalous, Chimera says *which lines* caused it:
``predict_root_cause_proba`` gives every line of every window a score, and
``predict_root_cause`` returns the top-``k`` lines of each alarmed window.
This example trains a small pipeline on synthetic fault logs, then reads the
scores of single windows and of many windows at once with
:class:`~chimera_sklearn.metrics.RootCauseDisplay`.
"""

# %%
# Train a small pipeline
# ----------------------
# As in the quick start: synthetic logs with known root-cause lines, windows
# of 20 lines, a time-ordered split, window labels only for training.
import matplotlib.pyplot as plt
import numpy as np
import torch

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
from chimera_sklearn.metrics import RootCauseDisplay, hit_rate_at_k

torch.set_num_threads(1)

logs = make_fault_logs(n_lines=20000, random_state=1)
train, test = chronological_split(
    make_windows(logs.lines, logs.labels, size=20), test_size=0.3
)
pipe = make_pipeline(
    DrainParser(log_format=logs.log_format),
    SequenceWindower(size=20),
    TemplateEmbedder(n_components=16, random_state=0),
    ChimeraDiagnoser(hidden_size=32, max_epochs=4, random_state=0),
)
pipe.fit(train.X, train.y)

# %%
# The scores of one window
# ------------------------
# Take the first alarmed window that really is anomalous and print its lines
# with their root-cause score; ``*`` marks the labelled root-cause lines.
y_pred = pipe.predict(test.X)
scores = pipe.predict_root_cause_proba(test.X)
w = np.flatnonzero((y_pred == 1) & (test.y == 1))[0]
top3 = pipe.predict_root_cause(test.X[w : w + 1], k=3)[0]
print(f"window {w}, lines {test.line_index[w][0] + 1}-{test.line_index[w][-1] + 1}")
for pos, line in enumerate(test.X[w]):
    mark = "*" if test.root_cause[w][pos] else " "
    rank = f"top{list(top3).index(pos) + 1}" if pos in top3 else "    "
    print(f"{mark} {rank} {scores[w, pos]:.2f}  {line[24:100]}")

# %%
# The same window as a bar chart: root-cause lines in red.
fig, ax = plt.subplots(figsize=(7, 2.6))
colors = ["tab:red" if r else "tab:gray" for r in test.root_cause[w]]
ax.bar(np.arange(20), scores[w], color=colors)
ax.set_xlabel("line in window")
ax.set_ylabel("root-cause score")
ax.set_xticks(np.arange(20))
ax.set_title("red: labelled root-cause lines")
fig.tight_layout()

# %%
# Many windows at once
# --------------------
# :class:`~chimera_sklearn.metrics.RootCauseDisplay` draws one row per window
# and one column per line.  Alarmed windows are marked ``!``; windows the
# detector did not alarm are dimmed, because the end-to-end rule reports no
# culprit for them; true root-cause lines are outlined.  Here: the first 20
# anomalous test windows, named by their line range in the log.
anomalous = np.flatnonzero(test.y == 1)[:20]
names = [f"{test.line_index[i][0] + 1}-{test.line_index[i][-1] + 1}" for i in anomalous]
disp = RootCauseDisplay.from_predictions(
    scores[anomalous],
    y_pred=y_pred[anomalous],
    root_cause=[test.root_cause[i] for i in anomalous],
    window_names=names,
)

# %%
# How good is the top of the ranking?
# -----------------------------------
# HR@k is the share of anomalous windows whose top ``k`` lines hold a root
# cause, end to end (with ``y_pred``, a missed window is a miss).
for k in (1, 3, 5):
    hr = hit_rate_at_k(test.y, test.root_cause, scores, y_pred=y_pred, k=k)
    print(f"HR@{k}: {hr:.3f}")
