"""
Quick start: diagnose synthetic fault logs
==========================================

Generate logs with injected faults (the package's embedded default), cut them into
windows, train the Chimera pipeline on the past, diagnose the future and look at
which lines the model blames.
"""

# %%
# Logs, windows, a time-ordered split
# -----------------------------------
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

logs = make_fault_logs(n_lines=40000, random_state=0)
windows = make_windows(logs.lines, logs.labels, size=20)
train, test = chronological_split(windows, test_size=0.3)
print(f"{len(train.X)} training windows, {len(test.X)} test windows")

# %%
# The pipeline: parse, fix the length, embed, diagnose
# ----------------------------------------------------
pipe = make_pipeline(
    DrainParser(log_format=logs.log_format),
    SequenceWindower(size=20),
    TemplateEmbedder(n_components=32, random_state=0),
    ChimeraDiagnoser(random_state=0),
)
pipe.fit(train.X, train.y)

# %%
# Detection and end-to-end localization on the future
# ---------------------------------------------------
y_pred = pipe.predict(test.X)
scores = pipe.predict_root_cause_proba(test.X)
report = diagnosis_report(test.y, y_pred, test.root_cause, scores)
print({k: round(v, 3) for k, v in report.items() if k in ("f1", "hr@1", "mrr")})

# %%
# The culprit lines of the first alarmed windows, traced back to the log
# ----------------------------------------------------------------------
culprits = pipe.predict_root_cause(test.X, k=1)
for w in [w for w in range(len(test.X)) if y_pred[w] == 1][:5]:
    line = test.line_index[w][culprits[w, 0]]
    print(f"line {line + 1}: {logs.lines[line]}")

# %%
# Look rather than read
# ---------------------
AnomalyScoreDisplay.from_estimator(pipe, test.X, y=test.y)
alarmed = [w for w in range(len(test.X)) if y_pred[w] == 1][:20]
RootCauseDisplay.from_estimator(
    pipe, [test.X[w] for w in alarmed], root_cause=[test.root_cause[w] for w in alarmed]
)
