"""Throughput on one machine: parsing, inference and training, side by side.

Every number is measured against its plain counterpart *in the same run*,
interleaved, so the ratios hold on a busy machine even when the absolute
rates do not:

1. parsing: ``DrainParser.transform`` against a plain drain3 ``match`` loop
   (the same fitted miner, the same header regex), on BGL_2k and HDFS_2k
   repeated to ``--lines`` lines, verbatim and with every digit redrawn;
2. inference: ``ChimeraDiagnoser.predict`` + ``predict_root_cause_proba``
   against the same network run as a plain PyTorch forward (batches of 1024,
   ``torch.inference_mode``, no sklearn or skorch around it): each estimator
   path is divided by the plain path that does the same work (the overhead,
   target close to 1.0); also the old two-full-pass path and the one-pass
   path of ``chimera diagnose``;
3. training: windows per second of each epoch;
4. where the time of ``chimera diagnose`` goes, stage by stage.

Run from the repository root::

    python benchmarks/throughput.py                       # 1,000,000 lines
    python benchmarks/throughput.py --lines 100000 --windows 4096   # quick
    python benchmarks/throughput.py --profile             # + cProfile
"""

import argparse
import time
from functools import partial

import numpy as np
from _common import REPO, best_of, environment, limit_threads, repeat_lines
from parsing import redraw_digits

from chimera_sklearn import (
    ChimeraDiagnoser,
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    make_pipeline,
    make_windows,
)
from chimera_sklearn.datasets import load_loghub, make_fault_logs
from chimera_sklearn.parsing import compile_log_format

WINDOW = 20


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


# ------------------------------------------------------------------ parsing
def plain_drain3_ids(parser, stream, strategy="fallback"):
    """The plain loop: header regex, then ``TemplateMiner.match``, line by line.

    Uses the parser's fitted miner (its masking instruction masks as
    ``transform`` does) and maps clusters to the parser's ids, so the result
    must equal ``transform``'s.
    """
    regex, _ = compile_log_format(parser.log_format)
    miner = parser.miner_
    to_id = {
        c.cluster_id: parser.vocabulary_[c.get_template()] for c in miner.drain.clusters
    }
    ids = []
    for line in stream:
        m = regex.match(line.strip())
        content = line if m is None else m.group("Content")
        cluster = miner.match(content, strategy)
        ids.append(1 if cluster is None else to_id[cluster.cluster_id])
    return ids


def parsing_rows(n_lines, repeats, systems=("BGL", "HDFS")):
    rows = []
    for system in systems:
        bunch = load_loghub(system)
        parser = DrainParser(log_format=bunch.log_format, output="ids")
        parser.fit([bunch.lines])
        for variant, make in (
            ("verbatim", repeat_lines),
            ("digits redrawn", redraw_digits),
        ):
            stream = make(bunch.lines, n_lines)[:n_lines]
            windows = [stream[i : i + WINDOW] for i in range(0, n_lines, WINDOW)]
            t_ours, t_plain = [], []
            for _ in range(repeats):  # interleaved
                dt, out = _timed(partial(parser.transform, windows))
                t_ours.append(dt)
                dt, plain = _timed(partial(plain_drain3_ids, parser, stream))
                t_plain.append(dt)
            if np.concatenate(out).tolist() != plain:
                raise AssertionError(f"{system} {variant}: ids differ from drain3")
            ours, base = n_lines / best_of(t_ours), n_lines / best_of(t_plain)
            rows.append((system, variant, base, ours))
            print(
                f"  {system:5} {variant:15} plain drain3 {base:>10,.0f} lines/s   "
                f"DrainParser {ours:>10,.0f} lines/s   {ours / base:5.2f}x",
                flush=True,
            )
    return rows


# --------------------------------------------------------------- inference
def fitted_pipeline(n_lines, epochs, seed=0):
    """The `chimera fit` pipeline, trained on synthetic fault logs."""
    logs = make_fault_logs(n_lines=n_lines, random_state=seed)
    w = make_windows(logs.lines, logs.labels, size=WINDOW)
    pipe = make_pipeline(
        DrainParser(log_format=logs.log_format),
        SequenceWindower(size=WINDOW),
        TemplateEmbedder(n_components=32, random_state=seed),
        ChimeraDiagnoser(max_epochs=epochs, random_state=seed),
    )
    pipe.fit(w.X, w.y)
    return pipe, w


def training_rows(clf, n_windows):
    """Windows per second of each epoch (from skorch's history)."""
    rows = []
    for epoch in clf.history_:
        steps = len(epoch["batches"])
        seen = steps * 2 * clf.batch_size_  # balanced: batch_size_ per class
        rows.append((epoch["epoch"], epoch["dur"], steps, seen, n_windows))
    return rows


def _precedence(s, prior):
    """The estimator's precedence prior on a batch of line scores."""
    width = s.shape[1]
    return s * (1 - prior * np.arange(width) / width)


def plain_forward(module, X, batch_size, prior):
    """The network alone: batched full forward pass, no sklearn, no skorch."""
    import torch

    module.eval()
    logits, scores = [], []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            out = module(torch.from_numpy(X[start : start + batch_size]))
            logits.append(out[0].numpy())
            scores.append(_precedence(out[1].numpy(), prior))
    return np.concatenate(logits), np.concatenate(scores)


def plain_two_heads(module, X, batch_size, prior):
    """What ``predict`` + ``predict_root_cause_proba`` compute, in plain PyTorch.

    One detector-only pass, then one localizer-only pass over all of ``X``
    (``module.predict_outputs``), batched, in ``torch.inference_mode``.
    """
    import torch

    module.eval()
    logits, scores = [], []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            xb = torch.from_numpy(X[start : start + batch_size])
            logits.append(module.predict_outputs(xb, localize=False)[0].numpy())
        for start in range(0, len(X), batch_size):
            xb = torch.from_numpy(X[start : start + batch_size])
            s = module.predict_outputs(xb, detect=False)[1].numpy()
            scores.append(_precedence(s, prior))
    return np.concatenate(logits), np.concatenate(scores)


# Each estimator path, and the plain PyTorch path that computes the same thing.
PLAIN_ONE_PASS = "plain PyTorch forward (both heads, one pass)"
PLAIN_TWO_HEADS = "plain PyTorch, detector pass + localizer pass"
SKLEARN_TWO = "predict + predict_root_cause_proba (one head each)"
MATCHING_PLAIN = {
    SKLEARN_TWO: PLAIN_TWO_HEADS,
    "one pass, all outputs (`chimera diagnose`, `diagnose_bag`)": PLAIN_ONE_PASS,
}


def inference_rows(clf, X, repeats):
    module = clf.net_.module_
    args = (clf.predict_batch_size, clf.precedence_prior)
    paths = {
        PLAIN_ONE_PASS: lambda: plain_forward(module, X, *args),
        PLAIN_TWO_HEADS: lambda: plain_two_heads(module, X, *args),
        SKLEARN_TWO: lambda: (clf.predict(X), clf.predict_root_cause_proba(X)),
        "predict + predict_root_cause_proba, before (two full passes)": lambda: (
            clf._forward(X),
            clf._forward(X),
        ),
        "predict alone": lambda: clf.predict(X),
        "one pass, all outputs (`chimera diagnose`, `diagnose_bag`)": lambda: (
            clf._diagnose(X, 3)
        ),
    }
    times = {name: [] for name in paths}
    for fn in paths.values():  # warm up (first calls allocate)
        _timed(fn)
    for _ in range(repeats):  # interleaved
        for name, fn in paths.items():
            times[name].append(_timed(fn)[0])
    # same numbers from the plain forward and the estimator
    lo, s = plain_forward(module, X[:256], *args)
    assert np.allclose(clf.predict_root_cause_proba(X[:256]), s, atol=1e-6)
    lo2, s2 = plain_two_heads(module, X[:256], *args)
    assert np.allclose(lo2, lo, atol=1e-5) and np.allclose(s2, s, atol=1e-6)
    best = {name: best_of(t) for name, t in times.items()}
    rows = []
    for name, t in best.items():
        plain = MATCHING_PLAIN.get(name)
        overhead = t / best[plain] if plain else None
        rows.append((name, len(X) / t, t / best[PLAIN_ONE_PASS], overhead))
    return rows


def stage_rows(pipe, windows):
    """Seconds of each step of `chimera diagnose` on the same raw windows."""
    rows = []
    Xt = windows
    for name, step in pipe.steps[:-1]:
        dt, Xt = _timed(lambda step=step, Xt=Xt: step.transform(Xt))
        rows.append((name, dt))
    dt, _ = _timed(lambda: pipe[-1]._diagnose(Xt, 3))
    rows.append((pipe.steps[-1][0] + " (one pass)", dt))
    return rows


# ----------------------------------------------------------------- profile
def _profile(title, job, top=12):
    """cProfile one call; print the functions with the most own time."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(job)
    total = time.perf_counter() - start
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    print(f"\n### profile: {title} ({total:.2f} s under cProfile)\n")
    print("\n".join(buf.getvalue().splitlines()[4:]))


def profiles(pipe, X, n_lines):
    bunch = load_loghub("BGL")
    parser = DrainParser(log_format=bunch.log_format).fit([bunch.lines])
    stream = redraw_digits(bunch.lines, n_lines)
    windows = [stream[i : i + WINDOW] for i in range(0, n_lines, WINDOW)]
    logs = make_fault_logs(n_lines=20_000, random_state=1)
    w = make_windows(logs.lines, logs.labels, size=WINDOW)
    Xtrain = pipe[:-1].transform(w.X)
    clf = pipe[-1]
    jobs = (
        (
            "DrainParser.transform, BGL digits redrawn",
            lambda: parser.transform(windows),
        ),
        (
            "predict + predict_root_cause_proba",
            lambda: (clf.predict(X), clf.predict_root_cause_proba(X)),
        ),
        (
            "ChimeraDiagnoser.fit, 1 epoch",
            lambda: ChimeraDiagnoser(max_epochs=1, random_state=0).fit(Xtrain, w.y),
        ),
    )
    for title, job in jobs:
        _profile(title, job)


# -------------------------------------------------------------------- main
def main(argv=None):
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--lines", type=int, default=1_000_000, help="lines per stream")
    cli.add_argument(
        "--windows", type=int, default=16_384, help="windows for inference"
    )
    cli.add_argument(
        "--train-lines", type=int, default=40_000, help="synthetic training lines"
    )
    cli.add_argument("--epochs", type=int, default=2, help="training epochs")
    cli.add_argument("--repeats", type=int, default=2, help="timings, best of")
    cli.add_argument("--threads", type=int, default=1, help="torch threads")
    cli.add_argument("--profile", action="store_true", help="print cProfile summaries")
    cli.add_argument(
        "--skip", nargs="*", default=(), choices=("parsing", "model", "stages")
    )
    args = cli.parse_args(argv)
    limit_threads(args.threads)
    print(environment())
    print(f"torch threads: {args.threads}; best of {args.repeats} interleaved runs\n")

    if "parsing" not in args.skip:
        print(f"## Parsing ({args.lines:,} lines per stream, windows of {WINDOW})")
        rows = parsing_rows(args.lines, args.repeats)
        print(
            "\n| log | lines | plain drain3 `match` loop | DrainParser.transform "
            "| ratio |\n|---|---|---|---|---|"
        )
        for system, variant, base, ours in rows:
            print(
                f"| {system}_2k, {variant} | {args.lines:,} | {base:,.0f} lines/s "
                f"| {ours:,.0f} lines/s | **{ours / base:.2f}x** |"
            )
        print()

    started = time.perf_counter()
    pipe, w = fitted_pipeline(args.train_lines, args.epochs)
    clf = pipe[-1]
    print(f"(pipeline trained in {time.perf_counter() - started:.1f} s)")
    if "model" not in args.skip:
        print(f"\n## Training ({len(w.X):,} windows of {WINDOW}, 32 features)\n")
        print("| epoch | seconds | steps | windows seen | windows/s |")
        print("|---|---|---|---|---|")
        for epoch, dur, steps, seen, n in training_rows(clf, len(w.X)):
            print(f"| {epoch} | {dur:.1f} | {steps} | {seen:,} | {seen / dur:,.0f} |")

        base = pipe[:-1].transform(w.X)
        X = np.ascontiguousarray(np.resize(base, (args.windows, *base.shape[1:])))
        print(
            f"\n## Inference ({len(X):,} windows of {WINDOW} x {X.shape[2]}, "
            f"batches of {clf.predict_batch_size})\n"
        )
        print(
            "| path | windows/s | time / plain one-pass forward "
            "| overhead: time / same work in plain PyTorch |\n|---|---|---|---|"
        )
        for name, wps, ratio, overhead in inference_rows(clf, X, args.repeats):
            over = "" if overhead is None else f"**{overhead:.2f}**"
            print(f"| {name} | {wps:,.0f} | {ratio:.2f} | {over} |")

    if "stages" not in args.skip:
        logs = make_fault_logs(n_lines=args.windows * WINDOW, random_state=2)
        raw = make_windows(logs.lines, size=WINDOW).X
        rows = stage_rows(pipe, raw)
        total = sum(dt for _, dt in rows)
        print(
            f"\n## Where `chimera diagnose` spends its time ({len(raw):,} raw "
            f"windows, {len(raw) * WINDOW:,} lines)\n"
        )
        print("| step | seconds | share |\n|---|---|---|")
        for name, dt in rows:
            print(f"| {name} | {dt:.2f} | {dt / total:.0%} |")
        print(f"| total | {total:.2f} | {len(raw) / total:,.0f} windows/s |")

    if args.profile:
        base = pipe[:-1].transform(w.X)
        X = np.ascontiguousarray(np.resize(base, (4096, *base.shape[1:])))
        profiles(pipe, X, min(args.lines, 200_000))
    print(f"\n(run from {REPO})")


if __name__ == "__main__":
    main()
