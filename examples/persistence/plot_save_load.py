"""
Save and load a fitted pipeline
===============================

A fitted pipeline (parser, embedder and network included) is saved to one
file and loaded back, and the loaded pipeline predicts exactly as the
original.  Two formats:

- :func:`joblib.dump` / :func:`joblib.load` (pickle): for your own models;
- :func:`chimera_sklearn.io.dump` / :func:`chimera_sklearn.io.load` (skops and
  plain tensors): for models that cross a trust boundary.

.. warning::

   Loading a joblib (pickle) file can run arbitrary code.  Load only files
   you trust; see :ref:`persistence` in the user guide.
"""

# %%
# Fit a small pipeline
# --------------------
import shutil
import tempfile
from pathlib import Path

import joblib
import numpy as np
import torch

from chimera_sklearn import (
    ChimeraDiagnoser,
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    io,
    make_pipeline,
    make_windows,
)
from chimera_sklearn.datasets import make_fault_logs

torch.set_num_threads(1)

logs = make_fault_logs(n_lines=6000, random_state=0)
windows = make_windows(logs.lines, logs.labels, size=20)
pipe = make_pipeline(
    DrainParser(log_format=logs.log_format),
    SequenceWindower(size=20),
    TemplateEmbedder(n_components=16, random_state=0),
    ChimeraDiagnoser(hidden_size=16, max_epochs=1, random_state=0),
)
pipe.fit(windows.X, windows.y)

# %%
# Dump and load
# -------------
# The file holds the whole pipeline.  A model fitted on a GPU unpickles and
# predicts on a machine without one.
folder = Path(tempfile.mkdtemp())
path = folder / "chimera.joblib"
joblib.dump(pipe, path)
print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")

loaded = joblib.load(path)

# %%
# Same predictions
# ----------------
# Detection and root-cause scores of the loaded pipeline are identical.
same_alarms = np.array_equal(loaded.predict(windows.X), pipe.predict(windows.X))
same_scores = np.allclose(
    loaded.predict_root_cause_proba(windows.X),
    pipe.predict_root_cause_proba(windows.X),
)
print("same alarms:", same_alarms, "| same root-cause scores:", same_scores)

# %%
# What is inside
# --------------
# The loaded object is the same ``ChimeraPipeline``, with every fitted
# attribute: the templates of the parser, the network of the model.
print(loaded)
print(loaded[0].n_templates_, "templates; device of the model:", loaded[-1].device_)

# %%
# The safe format
# ---------------
# :func:`chimera_sklearn.io.dump` stores the estimator tree with skops and the
# network weights as tensors; :func:`chimera_sklearn.io.load` rebuilds only
# trusted types and reads the weights with ``torch.load(weights_only=True)``,
# so loading runs no code from the file.
safe_path = folder / "chimera.chimera"
io.dump(pipe, safe_path)
print(f"{safe_path.name}: {safe_path.stat().st_size / 1024:.0f} KiB")
print("untrusted types in the file:", io.get_untrusted_types(safe_path))

safe = io.load(safe_path)
print(
    "same alarms:",
    np.array_equal(safe.predict(windows.X), pipe.predict(windows.X)),
    "| same root-cause scores:",
    np.allclose(
        safe.predict_root_cause_proba(windows.X),
        pipe.predict_root_cause_proba(windows.X),
    ),
)


# %%
# Which one?
# ----------
# - **joblib** (pickle): your own models on your own machines.  Loading a
#   pickle runs code chosen by whoever wrote the file, so load only files you
#   created or trust.
# - **chimera_sklearn.io**: anything that crosses a trust boundary (another
#   team, a shared bucket, a download, a registry others can write to).  It
#   refuses any type outside :data:`chimera_sklearn.io.TRUSTED_TYPES`,
#   scikit-learn and numpy unless you list it in ``io.load(file, trusted=[...])``
#   after reading :func:`~chimera_sklearn.io.get_untrusted_types`, and reads
#   the weights with ``torch.load(weights_only=True)``.
#
# Both formats load a model trained on a GPU on a CPU-only machine.
shutil.rmtree(folder)
