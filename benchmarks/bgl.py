"""BGL benchmark: ChimeraDiagnoser against a linear baseline, side by side.

Trains on the Chimera BGL windows' train split (files as given) and reports
on the *unique* dev windows (the test split is held out):

- detection precision, recall, F1;
- end-to-end localization HR@1/3/5 and MRR (a missed window is a miss);
- training wall time, training windows/s and inference windows/s.

The baseline is a logistic regression on template counts; the root cause of
a window is the line whose template has the largest coefficient.  It is
trained in the same run.

Usage::

    python benchmarks/bgl.py                      # 3 seeds, default parameters
    python benchmarks/bgl.py --seeds 0 --quick    # one short run (smoke test)
    python benchmarks/bgl.py --ablation --seeds 0 # interaction levels and the fix
    python benchmarks/bgl.py --seeds $(seq 0 13) --threads 1 --jobs 2  # the spread

The Markdown table goes to ``docs/bgl_benchmark.md`` (``--output``).
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression

from chimera_sklearn.datasets import load_bgl_windows
from chimera_sklearn.metrics import diagnosis_report
from chimera_sklearn.model import ChimeraDiagnoser

KEEP_MARKER = "## Current defaults"
COLUMNS = ["P", "R", "F1", "HR@1", "HR@3", "HR@5", "MRR"]
RAW = "HR@1 w/o precedence"
KEYS = COLUMNS + [RAW, "fit s", "fit CPU s", "train win/s", "predict win/s"]

# Ablations: each interaction level and the normal-template penalty removed; the
# sparsity term and the quirk.
ABLATIONS = {
    "full": ("full (default)", {}),
    "no-shared": ("no shared encoder (feature level)", {"shared_encoder": False}),
    "no-rank": ("no ranking loss (data level)", {"ranking_loss": False}),
    "no-align": ("no alignment (result level)", {"alignment": False}),
    "no-prior": ("no rank prior (result level)", {"rank_prior": False}),
    "no-template": (
        "no normal-template penalty (data level)",
        {"template_weight": 0.0},
    ),
    "sparsity": ("with the MIL sparsity term (0.5)", {"sparsity_weight": 0.5}),
    "no-quirk": (
        "no dropout after the sigmoid (reference quirk off)",
        {"sigmoid_dropout": False},
    ),
    "sparsity-no-quirk": (
        "sparsity term 0.5, no dropout after the sigmoid",
        {"sparsity_weight": 0.5, "sigmoid_dropout": False},
    ),
}


def _counts(X, n_ids):
    rows = np.repeat(np.arange(X.shape[0]), X.shape[1])
    data = (X.ravel() != 0).astype(float)  # id 0 is padding
    M = sp.csr_matrix((data, (rows, X.ravel())), shape=(X.shape[0], n_ids))
    M.eliminate_zeros()
    return M


def _row(report, fit_s, train_wps, pred_wps):
    r = {
        "P": 100 * report["precision"],
        "R": 100 * report["recall"],
        "F1": 100 * report["f1"],
        "HR@1": 100 * report["hr@1"],
        "HR@3": 100 * report["hr@3"],
        "HR@5": 100 * report["hr@5"],
        "MRR": 100 * report["mrr"],
    }
    r.update({"fit s": fit_s, "train win/s": train_wps, "predict win/s": pred_wps})
    return r


def run_baseline(X, y, Xd, yd, rcd):
    n_ids = int(max(X.max(), Xd.max())) + 1
    t, c = time.perf_counter(), time.process_time()
    lr = LogisticRegression(max_iter=2000)
    lr.fit(_counts(X, n_ids), y)
    fit_s = time.perf_counter() - t
    cpu_s = time.process_time() - c
    t = time.perf_counter()
    pred = lr.predict(_counts(Xd, n_ids))
    scores = lr.coef_[0][Xd]
    pred_s = time.perf_counter() - t
    report = diagnosis_report(yd, pred, rcd, scores)
    row = _row(report, fit_s, len(X) / fit_s, len(Xd) / pred_s)
    row["fit CPU s"] = cpu_s
    row["epochs"] = float("nan")
    row[RAW] = float("nan")
    return row


def run_chimera(X, y, Xd, yd, rcd, params, seed):
    est = ChimeraDiagnoser(embedding="learned", random_state=seed, **params)
    t, c = time.perf_counter(), time.process_time()
    est.fit(X, y)
    fit_s = time.perf_counter() - t
    cpu_s = time.process_time() - c
    windows_seen = sum(
        sum(b["train_batch_size"] for b in h["batches"]) for h in est.history_
    )
    est.predict(Xd[:256])  # warm-up
    t = time.perf_counter()
    pred = est.predict(Xd)
    scores = est.predict_root_cause_proba(Xd)
    pred_s = time.perf_counter() - t
    report = diagnosis_report(yd, pred, rcd, scores)
    # predict + predict_root_cause_proba: two passes over the dev windows
    row = _row(report, fit_s, windows_seen / fit_s, 2 * len(Xd) / pred_s)
    row["fit CPU s"] = cpu_s
    row["epochs"] = est.n_epochs_
    # The precedence prior is inference-only: the same model without it.
    raw = est.set_params(precedence_prior=0.0).predict_root_cause_proba(Xd)
    row[RAW] = 100 * diagnosis_report(yd, pred, rcd, raw)["hr@1"]
    return row


def _seed_job(X, y, Xd, yd, rcd, params, seed, threads):
    """One seed in a worker process, with its own torch thread count."""
    torch.set_num_threads(threads)
    return run_chimera(X, y, Xd, yd, rcd, params, seed)


def _spread(rows, base):
    """Mean, std and lowest of each column, and how many seeds beat the
    baseline's F1 and HR@1 (rows of the per-seed table, and one line)."""
    stats = [
        ("mean", _column(rows, np.mean)),
        ("std", _column(rows, lambda v: np.std(v, ddof=1))),
        ("lowest", _column(rows, np.min)),
    ]
    counts = []
    for key in ("F1", "HR@1"):
        v = np.round([r[key] for r in rows], 2)
        b = round(base[key], 2)
        counts.append(
            f"{key}: {int((v > b).sum())} of {len(v)} seeds above the baseline's "
            f"{b:.2f}, {int((v == b).sum())} equal, {int((v < b).sum())} below"
        )
    return stats, "; ".join(counts) + "."


def _fmt(v):
    if v != v:  # nan
        return "–"
    return f"{v:.2f}" if abs(v) < 1000 else f"{v:,.0f}"


def _table(rows, keys):
    head = "| run | " + " | ".join(keys) + " |"
    sep = "|---|" + "---|" * len(keys)
    lines = [head, sep]
    for name, r in rows:
        lines.append(f"| {name} | " + " | ".join(_fmt(r[k]) for k in keys) + " |")
    return "\n".join(lines)


def _column(rows, fn):
    """``fn`` of each column over the rows (dicts with the same keys)."""
    return {k: float(fn([r[k] for r in rows])) for k in rows[0]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--quick", action="store_true", help="2 epochs (smoke test)")
    ap.add_argument("--ablation", action="store_true")
    ap.add_argument("--threads", type=int, default=2, help="torch threads per seed")
    ap.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="seeds trained at a time, each in its own process (with --threads "
        "1, one per CPU); the numbers equal those of a serial run",
    )
    ap.add_argument("--params", default="{}", help="JSON of extra parameters")
    ap.add_argument("--output", default="docs/bgl_benchmark.md")
    ap.add_argument(
        "--only",
        nargs="+",
        choices=list(ABLATIONS),
        help="with --ablation: run only these ablations",
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    params = json.loads(args.params)
    if args.quick:
        params.setdefault("max_epochs", 2)

    X, y, _ = load_bgl_windows("train")
    Xd, yd, rcd = load_bgl_windows("dev", unique=True)
    print(
        f"train {len(X)} windows (as given), dev {len(Xd)} unique windows "
        f"({int(yd.sum())} anomalous)",
        flush=True,
    )
    base = run_baseline(X, y, Xd, yd, rcd)
    print("baseline", json.dumps({k: round(v, 2) for k, v in base.items()}))

    if args.ablation:
        keys = args.only or list(ABLATIONS)
        configs = dict(ABLATIONS[k] for k in keys)
    else:
        configs = {"ChimeraDiagnoser": {}}
    sections = []
    summary = [("LogisticRegression (baseline)", base)]
    for cname, extra in configs.items():
        results = Parallel(n_jobs=args.jobs, return_as="generator")(
            delayed(_seed_job)(
                X, y, Xd, yd, rcd, {**params, **extra}, seed, args.threads
            )
            for seed in args.seeds
        )
        rows = []
        for seed, r in zip(args.seeds, results):
            rows.append((f"seed {seed}", r))
            print(cname, seed, json.dumps({k: round(v, 2) for k, v in r.items()}))
            sys.stdout.flush()
        seeds = [r for _, r in rows]
        med = _column(seeds, np.median)
        ratio = {k: med[k] / base[k] for k in med}
        spread, counts = _spread(seeds, base) if len(seeds) > 1 else ([], "")
        rows += [("median", med), ("median / baseline", ratio), *spread]
        summary.append((f"{cname} (median of {len(args.seeds)})", med))
        sections.append(
            f"### {cname} {json.dumps(extra)}\n\n"
            + _table(rows, KEYS)
            + "\n\n"
            + counts
        )
        print(_table(rows, KEYS), counts, sep="\n", flush=True)

    cmd = "python benchmarks/bgl.py " + " ".join(sys.argv[1:] if argv is None else argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    md = [
        "# BGL benchmark: ChimeraDiagnoser vs. a linear baseline",
        "",
        f"Command: `{cmd.strip()}`  ",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"{platform.processor() or platform.machine()}, torch threads "
        f"{args.threads} per seed, {args.jobs} seed(s) at a time, "
        f"torch {torch.__version__}, 1-min load average at the end "
        f"{load:.1f} on {os.cpu_count()} CPUs.  ",
        "Train: BGL Chimera windows, train files as given; evaluation: the 4,875 "
        "unique dev windows (466 anomalous). HR@k and MRR are end-to-end (a "
        "window the detector misses counts as a miss). Percentages; `fit s` is "
        "the training wall time; the test split is held out.",
        "",
        "## Summary",
        "",
        _table(summary, KEYS),
        "",
        "## Per seed",
        "",
        *[s + "\n" for s in sections],
    ]
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(md)
    if out.exists():  # keep the hand-written analysis at the end of the file
        old = out.read_text()
        if KEEP_MARKER in old:
            text += "\n" + old[old.index(KEEP_MARKER) :]
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
