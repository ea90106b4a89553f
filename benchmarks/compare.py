"""Compare ChimeraDiagnoser with the baselines on the same leakage-safe splits.

Run from the repository root::

    python benchmarks/compare.py                  # 3 seeds, all datasets
    python benchmarks/compare.py --quick          # 1 seed: a timing check
    python benchmarks/compare.py --ablation       # + Chimera ablation on BGL dev
    python benchmarks/compare.py --datasets none --ablation   # ablation only
    python benchmarks/compare.py --threads 2      # torch threads (default 1)
    python benchmarks/compare.py --jobs 1         # one fit at a time (default:
                                                  # one worker process per CPU)
    python benchmarks/compare.py --render-only    # rebuild the page from the CSV

Every method sees the same training windows and is scored on the same test
windows of each dataset:

- ``bgl``: the Chimera BGL windows (template ids), fit on the train files as
  released (anomalous windows oversampled by duplication), scored on the
  *unique* dev windows;
- ``bgl_2k``: loghub BGL_2k raw lines, fixed windows of 20 lines,
  :func:`chronological_split` (last 30 % of the stream for test), each method
  inside the full ``DrainParser → SequenceWindower → TemplateEmbedder`` pipeline;
- ``hdfs``: HDFS_20000 raw lines, one window per block, chronological split
  (30 %; blocks that straddle the split point are dropped), full pipeline;
- ``openstack``: GraphLog OpenStack event sequences, split with
  :class:`WindowGroupKFold` (identical sequences on one side only, stratified,
  first of 3 folds as test).

Writes ``docs/compare_benchmark.{md,csv,png}`` and the per-seed rows in
``docs/compare_benchmark_runs.csv`` (with ``--ablation``:
``docs/compare_ablation.{md,csv}``).
The Chimera model is used with its default parameters (``embedding="learned"``
for template ids); the baselines with theirs.
"""

import argparse
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sklearn  # noqa: E402
import torch  # noqa: E402

from chimera_sklearn import (  # noqa: E402
    ChimeraDiagnoser,
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    chronological_split,
    make_pipeline,
    make_windows,
)
from chimera_sklearn.baselines import (  # noqa: E402
    DeepLogDiagnoser,
    LinearDiagnoser,
    LogRobustDiagnoser,
)
from chimera_sklearn.datasets import (  # noqa: E402
    get_data_home,
    load_bgl_windows,
    load_hdfs,
    load_loghub,
)
from chimera_sklearn.metrics import diagnosis_report  # noqa: E402
from chimera_sklearn.model_selection import (  # noqa: E402
    WindowGroupKFold,
    window_overlap,
)

METHODS = ("Chimera", "Linear", "DeepLog", "LogRobust")
METRICS = ("precision", "recall", "f1", "hr@1", "hr@3", "hr@5", "mrr")
ABLATIONS = {
    "full model": {},
    "w/o shared encoder (feature level)": {"shared_encoder": False},
    "w/o JSD alignment (result level)": {"alignment": False},
    "w/o rank prior (result level)": {"rank_prior": False},
    "w/o ranking loss (data level)": {"ranking_loss": False},
    "w/o normal-template penalty (data level)": {"template_weight": 0.0},
    # The MIL sparsity term (off by default; docs/bgl_benchmark.md).
    "with the MIL sparsity term (sparsity_weight=0.5)": {"sparsity_weight": 0.5},
}


def make_estimator(method, seed, ids):
    """The estimator of ``method``: package defaults, seeded."""
    if method == "Chimera":
        kw = {"embedding": "learned"} if ids else {}
        return ChimeraDiagnoser(random_state=seed, **kw)
    if method == "Linear":
        return LinearDiagnoser()  # deterministic
    if method == "DeepLog":
        return DeepLogDiagnoser(random_state=seed)
    if method == "LogRobust":
        return LogRobustDiagnoser(random_state=seed)
    raise ValueError(method)


def text_pipeline(estimator, seed, log_format, size):
    return make_pipeline(
        DrainParser(log_format=log_format),
        SequenceWindower(size=size),
        TemplateEmbedder(n_components=32, random_state=seed),
        estimator,
    )


# ------------------------------------------------------------------ datasets
class Dataset:
    """Train/test windows of one dataset, plus how they were split."""

    def __init__(self, name, X_train, y_train, X_test, y_test, rc_test, split, info):
        self.name = name
        self.X_train, self.y_train = X_train, y_train
        self.X_test, self.y_test, self.rc_test = X_test, y_test, rc_test
        self.split, self.info = split, info


def load_bgl():
    Xt, yt, _ = load_bgl_windows("train")
    Xd, yd, rcd = load_bgl_windows("dev", unique=True)
    ov = window_overlap(Xt, Xd)
    ov_a = window_overlap(Xt[yt == 1], Xd[yd == 1])
    info = (
        f"{len(Xt):,} train windows ({int(yt.sum()):,} anomalous, "
        f"{len(np.unique(Xt, axis=0)):,} distinct), "
        f"{len(Xd):,} unique dev windows ({int(yd.sum())} anomalous). "
        f"Upstream overlap: {ov.n_test_in_train:,} dev windows "
        f"({100 * ov.test_in_train_fraction:.1f} %) also occur in train, "
        f"{ov_a.n_test_in_train} of the {int(yd.sum())} anomalous ones."
    )
    split = "released train files (with duplicates) → unique dev windows"
    return Dataset("bgl", Xt, yt, Xd, yd, rcd, split, info)


def load_bgl_2k():
    bgl = load_loghub("BGL")
    w = make_windows(bgl.lines, bgl.labels, size=20)
    train, test = chronological_split(w, test_size=0.3)
    ov = window_overlap(
        train.X, test.X, train_lines=train.line_index, test_lines=test.line_index
    )
    info = (
        f"{len(w.X)} windows of 20 lines; train {len(train.X)} "
        f"({int(train.y.sum())} anomalous), test {len(test.X)} "
        f"({int(test.y.sum())} anomalous); lines shared: {ov.n_shared_lines}."
    )
    ds = Dataset(
        "bgl_2k",
        train.X,
        train.y,
        test.X,
        test.y,
        test.root_cause,
        "chronological_split(test_size=0.3), fixed windows of 20 lines",
        info,
    )
    ds.log_format, ds.size = bgl.log_format, 20
    return ds


def load_hdfs_sessions():
    h = load_hdfs()
    w = make_windows(h.lines, groups=h.blocks, group_labels=h.block_labels)
    train, test = chronological_split(w, test_size=0.3)
    ov = window_overlap(
        train.X, test.X, train_lines=train.line_index, test_lines=test.line_index
    )
    from chimera_sklearn.parsing import LOGHUB_FORMATS

    # How many anomalous sessions look exactly like a normal one, template-wise?
    ids = DrainParser(log_format=LOGHUB_FORMATS["HDFS"], output="ids").fit_transform(
        w.X
    )
    bags = [tuple(sorted(x)) for x in ids]
    normal = {b for b, label in zip(bags, w.y) if label == 0}
    n_twins = sum(b in normal for b, label in zip(bags, w.y) if label == 1)
    info = (
        f"{n_twins} of the {int(w.y.sum())} anomalous sessions have exactly the "
        "template counts of some normal session (their failure happens after "
        "line 20,000), so no method can detect them.  "
        f"{len(w.X):,} block sessions ({int(w.y.sum())} anomalous); train "
        f"{len(train.X)} ({int(train.y.sum())} anomalous), test {len(test.X)} "
        f"({int(test.y.sum())} anomalous), {len(w.X) - len(train.X) - len(test.X)} "
        f"sessions straddle the split point and are dropped; lines shared: "
        f"{ov.n_shared_lines}.  Sessions are cut to their first 32 lines."
    )
    ds = Dataset(
        "hdfs",
        train.X,
        train.y,
        test.X,
        test.y,
        None,
        "chronological_split(test_size=0.3) of block sessions",
        info,
    )
    ds.log_format, ds.size = LOGHUB_FORMATS["HDFS"], 32
    return ds


def load_openstack(seed=0):
    home = get_data_home() / "openstack_graphlog_sequences"
    seqs, labels = [], []
    for fname, label in (("sequence_normal.csv", 0), ("sequence_abnormal.csv", 1)):
        with open(home / fname, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    seqs.append([int(t) + 1 for t in line.split()])  # 0 = padding
                    labels.append(label)
    width = max(len(s) for s in seqs)
    X = np.zeros((len(seqs), width), dtype=np.int64)
    for i, s in enumerate(seqs):
        X[i, : len(s)] = s
    y = np.asarray(labels)
    cv = WindowGroupKFold(3, stratify=True, shuffle=True, random_state=seed)
    train, test = next(cv.split(X, y))
    ov = window_overlap(X[train], X[test])
    info = (
        f"{len(X):,} sequences ({int(y.sum())} anomalous), "
        f"{ov.n_unique_train + ov.n_unique_test} distinct; train {len(train):,} "
        f"({int(y[train].sum())} anomalous, {ov.n_unique_train} distinct), test "
        f"{len(test):,} ({int(y[test].sum())} anomalous, {ov.n_unique_test} "
        f"distinct); test sequences seen in train: {ov.n_test_in_train}."
    )
    split = (
        "WindowGroupKFold(3, stratify=True, shuffle=True, random_state=0), "
        "fold 0 as test: every test sequence is unseen in training"
    )
    return Dataset("openstack", X[train], y[train], X[test], y[test], None, split, info)


LOADERS = {
    "bgl": load_bgl,
    "bgl_2k": load_bgl_2k,
    "hdfs": load_hdfs_sessions,
    "openstack": load_openstack,
}


# ------------------------------------------------------------------ running
def evaluate(ds, method, seed, estimator=None):
    """Fit one method on ``ds`` and score it; returns a result row."""
    text = hasattr(ds, "log_format")
    if estimator is None:
        estimator = make_estimator(method, seed, ids=not text)
    model = (
        text_pipeline(estimator, seed, ds.log_format, ds.size) if text else estimator
    )
    t0 = time.perf_counter()
    model.fit(ds.X_train, ds.y_train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    y_pred = model.predict(ds.X_test)
    predict_s = time.perf_counter() - t0
    row = {
        "dataset": ds.name,
        "method": method,
        "seed": seed,
        "n_train": len(ds.X_train),
        "n_test": len(ds.X_test),
        "fit_s": fit_s,
        "windows_per_s": len(ds.X_test) / predict_s,
    }
    if ds.rc_test is not None:
        scores = model.predict_root_cause_proba(ds.X_test)
        report = diagnosis_report(ds.y_test, y_pred, ds.rc_test, scores)
    else:
        report = diagnosis_report(
            ds.y_test,
            y_pred,
            np.zeros((len(ds.X_test), 1)),
            np.zeros((len(ds.X_test), 1)),
        )
        for k in ("hr@1", "hr@3", "hr@5", "mrr"):
            report[k] = float("nan")
    row.update({k: report[k] for k in METRICS})
    return row


def _evaluate_job(ds, method, seed, threads, params=None):
    """One fit in a worker process: its own torch thread count."""
    torch.set_num_threads(threads)
    est = None
    if params is not None:
        est = ChimeraDiagnoser(embedding="learned", random_state=seed, **params)
    cpu = time.process_time()
    row = evaluate(ds, method, seed, estimator=est)
    row["cpu_s"] = time.process_time() - cpu
    return row


def run_jobs(args, jobs, describe):
    """Run ``(ds, method, seed, params)`` jobs, ``--jobs`` at a time, in order.

    Each job is independent (its own seed, its own estimator), so running them
    in parallel processes gives the same numbers as running them one by one;
    only the timing columns feel the neighbours (one torch thread per job and
    at most one job per CPU keep that small).
    """
    from joblib import Parallel, delayed

    # Longest fits first (Chimera on BGL): the workers finish together.
    order = sorted(range(len(jobs)), key=lambda i: jobs[i][1] != "Chimera")
    results = Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(_evaluate_job)(ds, method, seed, args.threads, params)
        for ds, method, seed, params in (jobs[i] for i in order)
    )
    rows = [None] * len(jobs)
    for i, row in zip(order, results):
        rows[i] = row
        print(describe(row), flush=True)
    return rows


def aggregate(rows, keys):
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    out = []
    for key, rs in groups.items():
        agg = dict(zip(keys, key))
        agg["seeds"] = " ".join(str(r["seed"]) for r in rs)
        agg["n_train"], agg["n_test"] = rs[0]["n_train"], rs[0]["n_test"]
        for m in (*METRICS, "fit_s", "windows_per_s"):
            vals = np.array([r[m] for r in rs], dtype=float)
            agg[f"{m}_mean"] = float(np.mean(vals))
            agg[f"{m}_std"] = float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0
        out.append(agg)
    return out


def fmt(agg, m, scale=100.0, digits=2):
    mean = agg[f"{m}_mean"]
    if np.isnan(mean):
        return "–"
    std = agg[f"{m}_std"]
    if agg["seeds"].count(" ") == 0:
        return f"{scale * mean:.{digits}f}"
    return f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}"


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()}
            )


def table(aggs, label="method"):
    head = (
        f"| {label} | P | R | F1 | HR@1 | HR@3 | HR@5 | MRR | fit (s) | "
        "predict (windows/s) |"
    )
    lines = [head, "|" + "---|" * 10]
    for a in aggs:
        cells = [fmt(a, m) for m in METRICS]
        cells.append(fmt(a, "fit_s", 1.0, 1))
        cells.append(fmt(a, "windows_per_s", 1.0, 0))
        lines.append(f"| {a[label]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(aggs):
    """Does Chimera beat every baseline on BGL dev F1 and HR@1?"""
    bgl = {a["method"]: a for a in aggs if a["dataset"] == "bgl"}
    if "Chimera" not in bgl or len(bgl) < 2:
        return "BGL dev was not run with Chimera and a baseline: no verdict."
    out = []
    for m, name in (("f1", "F1"), ("hr@1", "HR@1")):
        chim = bgl["Chimera"][f"{m}_mean"]
        best = max(
            (a for k, a in bgl.items() if k != "Chimera"),
            key=lambda a: a[f"{m}_mean"],
        )
        b = best[f"{m}_mean"]
        if chim > b:
            out.append(
                f"- **{name}: Chimera beats every baseline** ({100 * chim:.2f} vs "
                f"{100 * b:.2f} for {best['method']})."
            )
        else:
            out.append(
                f"- **{name}: Chimera does NOT beat every baseline**: "
                f"{100 * chim:.2f} vs {100 * b:.2f} for {best['method']}."
            )
    return "\n".join(out)


NOTES = """\
## Notes

- **Leakage.** Every split is made before any fitting.  No test window shares
  a line with a training window (chronological splits) or repeats a training
  sequence (OpenStack).  The one exception is given, not made: the released
  BGL train and dev files overlap upstream (counted above), which flatters
  every method, most of all the ones that memorize windows.
- **Model selection.** Every method runs with its package defaults
  (Chimera: `ChimeraDiagnoser()`, with `embedding="learned"` on id data), and
  no parameter was tuned on the BGL_2k, HDFS or OpenStack test sets.  BGL is
  different: Chimera's defaults `template_weight=0.1` and
  `precedence_prior=0.2` were chosen on the same BGL dev windows this page
  scores (over seven seeds; the held-back test split was never used), so
  Chimera's BGL HR@1 is a dev-set number and flatters it by an unknown
  margin.  The baselines' defaults were not tuned on it.  Tuning belongs
  inside the training split, e.g. `GridSearchCV(...,
  cv=ChronologicalSplit(...))`.
- **Chimera's BGL HR@1 depends on the seed** (see the verdict above).  Over
  fourteen dev seeds at the defaults (`python benchmarks/bgl.py --seeds
  $(seq 0 13) --threads 1 --jobs 2`) it ends between 91.42 and 96.14 (median
  94.42, mean 94.24 ± 1.45): ten seeds beat Linear's 93.13, two tie it, two
  are 1.1 and 1.7 points below.  Per-seed numbers also move with the
  machine and thread count, so this page's seeds and that run's differ.
  In session 4's seven seeds, without the precedence prior the same
  models end between 90.56 and 95.71 (mean 93.26), and with the paper's loss
  (`template_weight=0`, no prior) between 83.91 and 95.71 (mean 91.08;
  `docs/bgl_benchmark.md`, "Current defaults").  On BGL an alert line is
  almost always a template that occurs only in alerts: template counts
  detect it and the template's coefficient points at it, so Linear uses the
  same evidence for both tasks, and DeepLog's surprise score flags the same
  rare templates.  Chimera's localizer gets no line labels: it learns from
  the MIL ranking loss between normal and anomalous windows.  Its top-1
  errors are mostly lines right after the culprit, whose bidirectional
  encoder states carry the culprit and whose templates also occur in normal
  windows, and culprits whose template is common in normal windows
  (`docs/bgl_benchmark.md` has the failure analysis and the remedies
  measured).  One window is 0.21 points of HR@1; the per-seed rows are in
  `compare_benchmark_runs.csv`.  Where some line labels exist,
  `root_cause_weight > 0` uses them.  The ablation (`compare_ablation.md`)
  measures each interaction level; it was run before the precedence prior
  existed (raw localizer scores).
- **Chimera on BGL_2k (70 training windows).**  On data this small
  `ChimeraDiagnoser` shrinks its batches (to 8 windows per class at least) so
  that every epoch still has 50 optimizer steps.  The test split holds only
  30 windows (13 anomalous), so one window changes F1 by several points and
  HR@1 by 7.7.  Linear's HR@1 of 0 means that in every window it alarms, the
  line with the largest template coefficient is not an alert line.
- **DeepLog** is unsupervised.  With the paper's `g = 9` and BGL's ~1,800
  templates, many normal next events fall outside the top 9, so precision is
  low.  The ICSE'22 study also reports a low F1 for DeepLog on BGL with a
  chronological split (0.43).  Its surprise score localizes well.
- **LogRobust**'s attention is trained for detection only.  A BiLSTM state
  carries the culprit to every position, so the attention need not point at
  the culprit: it detects well and localizes poorly.
- **HDFS and OpenStack** have no line labels, so HR/MRR are "–".  The HDFS
  excerpt cannot be detected from its templates (see its section).  On
  OpenStack every test sequence is new (13 distinct ones), so the scores
  measure generalization to unseen behaviour, not recall of memorized
  sequences, and P/R can only take a few values.
- Times are wall-clock on a machine shared with other jobs, with
  `torch.set_num_threads` as stated in the header.  Throughput is `predict`
  on the test windows.  For the raw-log datasets it runs the whole pipeline,
  parsing and embedding included.
"""


def plot(aggs, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(a["dataset"] for a in aggs))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    width = 0.8 / len(METHODS)
    for ax, metric, title in zip(axes, ("f1", "hr@1"), ("F1", "HR@1")):
        for j, method in enumerate(METHODS):
            xs, ms, ss = [], [], []
            for i, d in enumerate(datasets):
                a = [x for x in aggs if x["dataset"] == d and x["method"] == method]
                if a and not np.isnan(a[0][f"{metric}_mean"]):
                    xs.append(i + (j - (len(METHODS) - 1) / 2) * width)
                    ms.append(100 * a[0][f"{metric}_mean"])
                    ss.append(100 * a[0][f"{metric}_std"])
            ax.bar(xs, ms, width, yerr=ss, label=method, capsize=2)
        ax.set_xticks(range(len(datasets)), datasets)
        ax.set_ylim(0, 100)
        ax.set_title(f"{title} (%), mean ± std over seeds")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_meta(args, seeds, wall, cpu):
    return {
        "command": "python benchmarks/compare.py " + " ".join(sys.argv[1:]),
        "seeds": list(seeds),
        "wall_s": wall,
        "cpu_s": cpu,
        "threads": args.threads,
        "jobs": args.jobs,
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared)",
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
    }


def header(meta):
    cpu = meta.get("cpu_s")
    cpu = "not recorded" if cpu is None else f"{cpu / 60:.1f} min"
    return (
        f"Command: `{meta['command'].strip()}`  \n"
        f"Seeds: {', '.join(map(str, meta['seeds']))} (mean ± sample std over "
        f"seeds where more than one).  Wall time: {meta['wall_s'] / 60:.1f} min; "
        f"CPU time of the fits and predictions: {cpu} (the wall time on a "
        "machine shared with other jobs overstates what the run needs).  \n"
        f"Machine: {meta['machine']}, torch {meta['torch']} with "
        f"{meta['threads']} thread(s) per fit, {meta.get('jobs', 1)} fit(s) at "
        f"once, scikit-learn {meta['sklearn']}.  \n"
        "P/R/F1: detection, anomalous = positive.  HR@k/MRR: end-to-end "
        "localization (a missed anomalous window counts as a miss), only where "
        "line labels exist.  All metrics in %.\n"
    )


def run_compare(args, seeds, out):
    rows = []
    t_start = time.perf_counter()
    datasets = []
    for name in args.datasets:
        print(f"[{name}] loading", flush=True)
        datasets.append(LOADERS[name]())
    jobs = [
        (ds, method, seed, None)
        for ds in datasets
        for seed in seeds
        for method in args.methods
    ]
    rows = run_jobs(
        args,
        jobs,
        lambda row: (
            f"  {row['dataset']:9s} {row['method']:9s} seed {row['seed']}: "
            f"F1 {100 * row['f1']:.2f} HR@1 {100 * row['hr@1']:.2f} "
            f"fit {row['fit_s']:.1f}s {row['windows_per_s']:.0f} w/s"
        ),
    )
    wall = time.perf_counter() - t_start
    cpu = sum(row["cpu_s"] for row in rows)
    meta = run_meta(args, seeds, wall, cpu)
    write_csv(out / "compare_benchmark_runs.csv", rows)
    (out / "compare_benchmark_meta.json").write_text(json.dumps(meta, indent=1))
    render(rows, datasets, meta, out)
    print(
        f"wrote {out / 'compare_benchmark.md'}: {wall / 60:.1f} min, CPU {cpu / 60:.1f}"
    )


def render(rows, datasets, meta, out):
    """Write the aggregated CSV, the plot and the Markdown page from the rows."""
    aggs = aggregate(rows, ("dataset", "method"))
    write_csv(out / "compare_benchmark.csv", aggs)
    plot(aggs, out / "compare_benchmark.png")
    md = ["# Chimera against the baselines, on the same leakage-safe splits\n"]
    md.append(header(meta))
    md.append("![F1 and HR@1 per dataset](compare_benchmark.png)\n")
    md.append("## Verdict on BGL dev\n")
    md.append(verdict(aggs) + "\n")
    for ds in datasets:
        md.append(f"## {ds.name}\n")
        md.append(f"Split: {ds.split}.  \n{ds.info}\n")
        md.append(table([a for a in aggs if a["dataset"] == ds.name]) + "\n")
    md.append(NOTES)
    md.append(
        "Files: `compare_benchmark.csv` (this table, mean and std columns), "
        "`compare_benchmark_runs.csv` (one row per seed), "
        "`compare_benchmark_meta.json` (command, seeds, times).  Ablation of "
        "Chimera: `compare_ablation.md` (`--ablation`).\n"
    )
    (out / "compare_benchmark.md").write_text("\n".join(md), encoding="utf-8")


def rerender(out):
    """Rebuild the page from ``compare_benchmark_runs.csv`` without refitting."""
    with open(out / "compare_benchmark_runs.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for k, v in r.items():
            if k not in ("dataset", "method"):
                r[k] = int(v) if k in ("seed", "n_train", "n_test") else float(v)
    meta_path = out / "compare_benchmark_meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
    if meta is None:
        raise SystemExit(f"{meta_path} is missing: run the benchmark first.")
    names = list(dict.fromkeys(r["dataset"] for r in rows))
    render(rows, [LOADERS[n]() for n in names], meta, out)
    print(f"re-rendered {out / 'compare_benchmark.md'}")


def run_ablation(args, seeds, out):
    t_start = time.perf_counter()
    ds = load_bgl()
    jobs = [
        (ds, variant, seed, params)
        for seed in seeds
        for variant, params in ABLATIONS.items()
    ]
    rows = run_jobs(
        args,
        jobs,
        lambda row: (
            f"  {row['method']:36s} seed {row['seed']}: F1 {100 * row['f1']:.2f} "
            f"HR@1 {100 * row['hr@1']:.2f} fit {row['fit_s']:.1f}s"
        ),
    )
    wall = time.perf_counter() - t_start
    cpu = sum(row["cpu_s"] for row in rows)
    aggs = aggregate(rows, ("method",))
    for a in aggs:
        a["variant"] = a.pop("method")
    write_csv(out / "compare_ablation_runs.csv", rows)
    write_csv(out / "compare_ablation.csv", aggs)
    full = aggs[0]
    md = ["# Ablation of ChimeraDiagnoser on BGL dev (unique windows)\n"]
    md.append(header(run_meta(args, seeds, wall, cpu)))
    md.append(f"Split: {ds.split}.  \n{ds.info}\n")
    md.append(
        "Each row switches off one interaction level of the paper with the "
        "constructor switches `shared_encoder`, `alignment`, `rank_prior`, "
        "`ranking_loss`, removes the normal-template penalty "
        "(`template_weight=0`), or adds the MIL sparsity term "
        "(`sparsity_weight=0.5`); "
        "everything else is the default model.\n"
    )
    md.append(table(aggs, label="variant") + "\n")
    md.append("Change against the full model (points):\n")
    md.append("| variant | ΔF1 | ΔHR@1 | ΔMRR |\n|---|---|---|---|")
    for a in aggs[1:]:
        d = [100 * (a[f"{m}_mean"] - full[f"{m}_mean"]) for m in ("f1", "hr@1", "mrr")]
        md.append(f"| {a['variant']} | " + " | ".join(f"{x:+.2f}" for x in d) + " |")
    caveat = (
        "A Δ within the seed std means this run cannot tell."
        if len(seeds) > 1
        else "One seed only, so there is no std: a Δ of a few points can be seed "
        "noise (HR@1 varied by more than 10 points across seeds in "
        "`../shared/docs/calibration_notes.md` §3).  Run several seeds before "
        "acting on a Δ."
    )
    md.append(f"\nA negative Δ means the level helps.  {caveat}\n")
    md.append(
        "The normal-template penalty is for the seeds whose top score settles "
        "on a line that only accompanies the culprit; seeds 0-2 are not among "
        "them.  Its effect over seven dev seeds is in the notes of "
        '`compare_benchmark.md` and in `docs/bgl_benchmark.md` ("Current '
        'defaults").\n'
    )
    (out / "compare_ablation.md").write_text("\n".join(md), encoding="utf-8")
    print(
        f"wrote {out / 'compare_ablation.md'} ({wall / 60:.1f} min, CPU {cpu / 60:.1f})"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one seed (0)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument(
        "--datasets",
        default=",".join(LOADERS),
        help=f"comma-separated subset of {','.join(LOADERS)}, or 'none'",
    )
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="fits run at once, one worker process each (default: one per CPU)",
    )
    parser.add_argument("--out", default=str(REPO / "docs"))
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="rebuild the page from the saved per-seed CSV, without fitting",
    )
    args = parser.parse_args(argv)
    args.datasets = [] if args.datasets == "none" else args.datasets.split(",")
    args.methods = args.methods.split(",")
    for name in args.datasets:
        if name not in LOADERS:
            parser.error(f"unknown dataset {name!r}")
    for name in args.methods:
        if name not in METHODS:
            parser.error(f"unknown method {name!r}")
    seeds = [0] if args.quick else [int(s) for s in args.seeds.split(",")]
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.render_only:
        return rerender(out)
    if args.datasets:
        run_compare(args, seeds, out)
    if args.ablation:
        run_ablation(args, seeds, out)


if __name__ == "__main__":
    main()
