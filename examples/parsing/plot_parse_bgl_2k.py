"""
Parse a raw log and read its templates
======================================

:class:`~chimera_sklearn.DrainParser` turns raw log lines into Drain templates
(drain3 under the hood).  This example parses ``BGL_2k.log`` from loghub
(2,000 raw lines of the Blue Gene/L supercomputer log), reads the learned
templates, checks them against loghub's ground truth, and shows what happens
to a line the parser has never seen.
"""

# %%
# Load the raw log
# ----------------
# :func:`~chimera_sklearn.datasets.load_loghub` reads the raw lines and, for
# BGL, the alert tag of each line: the first token, ``-`` for a normal line.
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np

from chimera_sklearn import DrainParser
from chimera_sklearn.datasets import load_loghub
from chimera_sklearn.parsing import LOGHUB_FORMATS

bgl = load_loghub("BGL")
print(len(bgl.lines), "lines,", bgl.labels.sum(), "alert lines")
print(bgl.lines[0])
print("log format:", LOGHUB_FORMATS["BGL"])

# %%
# Fit the parser
# --------------
# The log format splits each line into header fields and ``<Content>``; only
# the content is parsed.  The alert tag sits in the header (``<Label>``), so
# the parser never sees the answer.  A sample is a window: here the whole log
# is one window, and ``transform`` returns one template per line.  Masks such
# as ``<IP>`` and ``<NUM>`` replace variables before Drain sees the line;
# ``<*>`` marks positions that Drain itself found to vary.
parser = DrainParser(log_format=bgl.log_format)
templates = parser.fit_transform([bgl.lines])[0]
print(
    parser.n_templates_,
    "templates;",
    parser.n_unparsed_lines_,
    "lines did not match the log format",
)
first = {}  # the first line of the first four templates
for line, template in zip(bgl.lines, templates):
    if template not in first and len(first) < 4:
        first[template] = line
for template, line in first.items():
    print(f"{line}\n    -> {template}")

# %%
# The most frequent templates
# ---------------------------
# ``templates_`` lists every template by id (0 is padding, 1 is "unseen"),
# and ``cluster_sizes_`` counts the training lines of each.
order = np.argsort(parser.cluster_sizes_)[::-1][:12]
names = [t if len(t) <= 50 else t[:49] + "…" for t in parser.templates_[order]]
fig, ax = plt.subplots(figsize=(8, 4.2))
ax.barh(range(len(order)), parser.cluster_sizes_[order][::-1])
ax.set_yticks(range(len(order)), names[::-1], fontsize="small")
ax.set_xlabel("training lines")
ax.set_title("BGL_2k: the 12 largest templates")
fig.tight_layout()

# %%
# Agreement with the ground truth
# -------------------------------
# loghub ships a hand-labelled template for every line.  Grouping accuracy
# counts a line as correct when its predicted group holds exactly the lines
# of its true group (the metric of the :doc:`/parsing_benchmark` page).
ids = parser.set_params(output="ids").transform([bgl.lines])[0]
pred_groups, true_groups = {}, {}
for i, (p, t) in enumerate(zip(ids, bgl.event_template)):
    pred_groups.setdefault(p, set()).add(i)
    true_groups.setdefault(t, set()).add(i)
correct = sum(pred_groups[p] == true_groups[t] for p, t in zip(ids, bgl.event_template))
print(f"grouping accuracy: {correct / len(ids):.4f}")

# %%
# Templates of the alert lines
# ----------------------------
# The alert (root-cause) lines of BGL fall under a few templates:
alerts = Counter(templates[i] for i in np.flatnonzero(bgl.labels))
for template, count in alerts.most_common(5):
    print(f"{count:3d}  {template}")

# %%
# Unseen lines
# ------------
# After ``fit`` the templates are frozen.  A new line that fits a template gets
# it, with the variable parts masked; a line unlike any template gets id 1
# (``<UNK>``) with ``output="ids"``, and comes back as its masked content with
# ``output="templates"``, so that the embedder still gets its words.
new = [
    bgl.lines[0].replace("R02-M1-N0-C:J12-U11", "R17-M0-N3-C:J02-U01"),
    "- 1118000000 2005.06.05 R00-M0-N0 2005-06-05-12.00.00.000000 R00-M0-N0 RAS "
    "KERNEL INFO disk quota of user 42 exceeded on /dev/sdb7",
]
parser.set_params(output="ids")
print(parser.transform([new])[0])
parser.set_params(output="templates")
print(parser.transform([new])[0])
