"""
Quick start: diagnose synthetic fault logs
==========================================

Generate logs with injected faults (the package's embedded default), cut them
into windows, train the Chimera pipeline on the past, diagnose the future and
look at which lines the model blames.

The model is kept tiny so that the example runs in seconds on one CPU thread
(``hidden_size=32``, 4 epochs, 20,000 lines); ``chimera demo`` runs the same
job with the defaults.
"""

# %%
# Logs, windows, a time-ordered split
# -----------------------------------
# :func:`~chimera_sklearn.datasets.make_fault_logs` writes a log of several
# components with injected faults and labels the root-cause lines.  A sample
# is a *window* of lines, cut before the Pipeline; the split is in time, so no
# line is on both sides.
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
from chimera_sklearn.metrics import (
    AnomalyScoreDisplay,
    RootCauseDisplay,
    diagnosis_report,
)

torch.set_num_threads(1)

logs = make_fault_logs(n_lines=20000, random_state=0)
print(logs.lines[0])
windows = make_windows(logs.lines, logs.labels, size=20)
train, test = chronological_split(windows, test_size=0.3)
print(
    f"{len(train.X)} training windows ({train.y.sum()} anomalous), "
    f"{len(test.X)} test windows ({test.y.sum()} anomalous)"
)

# %%
# The pipeline: parse, fix the length, embed, diagnose
# ----------------------------------------------------
# Only window labels (``train.y``) are used for training: the model learns
# which lines are to blame without ever seeing a root-cause label.
pipe = make_pipeline(
    DrainParser(log_format=logs.log_format),
    SequenceWindower(size=20),
    TemplateEmbedder(n_components=16, random_state=0),
    ChimeraDiagnoser(hidden_size=32, max_epochs=4, random_state=0),
)
pipe.fit(train.X, train.y)
print(f"{pipe[0].n_templates_} templates learned")

# %%
# Detection and end-to-end localization on the future
# ---------------------------------------------------
# :func:`~chimera_sklearn.metrics.diagnosis_report` scores detection (P, R,
# F1) and localization (HR@k, MRR...) end to end: an anomalous window the
# detector misses counts as a localization failure.
y_pred = pipe.predict(test.X)
scores = pipe.predict_root_cause_proba(test.X)
report = diagnosis_report(test.y, y_pred, test.root_cause, scores)
for key in ("precision", "recall", "f1", "hr@1", "hr@3", "mrr"):
    print(f"{key:>9}: {report[key]:.3f}")

# %%
# The culprit lines of the first alarmed windows, traced back to the log
# ----------------------------------------------------------------------
# ``predict_root_cause`` returns positions in the window (``-1`` where the
# window is not alarmed); ``line_index`` maps them back to the raw stream.
culprits = pipe.predict_root_cause(test.X, k=1)
alarmed = [w for w in range(len(test.X)) if y_pred[w] == 1]
for w in alarmed[:5]:
    line = test.line_index[w][culprits[w, 0]]
    truth = "root cause" if logs.labels[line] else "not a root cause"
    print(f"line {line + 1} ({truth}): {logs.lines[line]}")

# %%
# Plot the scores
# ---------------
# The anomaly score of every test window (true anomalies marked), then the
# root-cause scores of the first alarmed windows: one row per window, named by
# its lines in the log, one column per line, true root-cause lines outlined.
disp = AnomalyScoreDisplay.from_estimator(pipe, test.X, y=test.y)

# %%
# sphinx_gallery_thumbnail_number = 2
first = alarmed[:15]
disp = RootCauseDisplay.from_estimator(
    pipe,
    [test.X[w] for w in first],
    root_cause=[test.root_cause[w] for w in first],
    window_names=[
        f"{test.line_index[w][0] + 1}-{test.line_index[w][-1] + 1}" for w in first
    ],
)
