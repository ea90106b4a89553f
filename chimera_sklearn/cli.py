"""The ``chimera`` command: diagnose log files from a shell.

- ``chimera demo``: the main job on the embedded default (synthetic fault logs);
- ``chimera fit LOGFILE ... -o MODEL``: train the whole Pipeline on a raw log;
- ``chimera diagnose MODEL LOGFILE``: stream a log through a trained model and
  print, for every alarmed window, the culprit lines with their line numbers.

Exit codes: 0 ok, 1 anomalies found with ``--fail-on-anomaly``, 2 usage errors.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

__all__ = ["main"]

MODEL_FORMAT = "chimera_sklearn.model/1"


class UsageError(Exception):
    """A mistake of the user: printed as ``chimera: error: ...``, exit code 2."""


# --------------------------------------------------------------------- input
def _iter_lines(path):
    """Lines of a log file (``-`` for standard input, ``.gz`` decompressed)."""
    from .datasets import iter_lines

    if str(path) == "-":
        return (line.rstrip("\r\n") for line in sys.stdin)
    if not Path(path).is_file():
        raise UsageError(f"{path}: no such file")
    return iter_lines(path)


def _progress(iterable, desc, enabled):
    from tqdm.auto import tqdm

    return tqdm(
        iterable,
        desc=desc,
        unit=" lines",
        unit_scale=True,
        disable=not enabled,
        leave=False,
        file=sys.stderr,
    )


class _Labeller:
    """Per-line labels and the text the model may see (settings of ``fit``).

    ``first-token``: the first token is the label (``-`` = normal, as in BGL
    and Thunderbird) and is removed from the text, so the model never sees the
    answer.  ``regex:PATTERN``: a line is anomalous when the pattern matches.
    """

    def __init__(self, spec):
        self.spec = spec
        self.regex = None
        if spec == "first-token":
            self.kind = "first-token"
        elif spec is not None and spec.startswith("regex:"):
            self.kind = "regex"
            try:
                self.regex = re.compile(spec[len("regex:") :])
            except re.error as exc:
                raise UsageError(f"--labels {spec!r}: invalid regex: {exc}") from None
        else:
            self.kind = None

    def text(self, line):
        if self.kind == "first-token":
            head, _, rest = line.partition(" ")
            return rest
        return line

    def label(self, line):
        if self.kind == "first-token":
            return int(line.partition(" ")[0] != "-")
        if self.kind == "regex":
            return int(self.regex.search(line) is not None)
        return None


def _resolve_format(fmt, labeller):
    from .parsing import LOGHUB_FORMATS, compile_log_format

    if fmt is None:
        return None
    fmt = LOGHUB_FORMATS.get(fmt, fmt)
    if labeller.kind == "first-token" and fmt.startswith("<Label> "):
        fmt = fmt[len("<Label> ") :]  # the label token is already removed
    try:
        compile_log_format(fmt)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"--format: {exc}") from None
    return fmt


def _check_format(lines, fmt, name):
    """Fail early, naming the line, when most lines do not match the format."""
    from .parsing import compile_log_format

    if fmt is None or not lines:
        return
    regex, headers = compile_log_format(fmt)
    sample = lines[:2000]
    misses = [i for i, line in enumerate(sample) if not regex.match(line.strip())]
    if len(misses) > len(sample) // 2:
        i = misses[0]
        raise UsageError(
            f"{name}: line {i + 1} does not match the log format {fmt!r} "
            f"(fields {', '.join(headers)}); {len(misses)} of the first "
            f"{len(sample)} lines do not. The line is: {lines[i][:200]!r}. Pass the "
            "format of this file, a loghub system name (e.g. --format BGL), or "
            "no --format."
        )


def _session_keys(lines, pattern):
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"--session {pattern!r}: invalid regex: {exc}") from None
    group = 1 if regex.groups else 0
    keys = []
    for line in lines:
        found = tuple(dict.fromkeys(m.group(group) for m in regex.finditer(line)))
        keys.append(found or None)
    return keys


def _read_session_labels(path):
    import csv

    labels = {}
    try:
        with open(path, encoding="utf-8") as fh:
            reader = csv.reader(fh)
            for row in reader:
                if len(row) < 2:
                    continue
                value = row[1].strip().lower()
                if value in ("anomaly", "abnormal", "1", "true"):
                    labels[row[0].strip()] = 1
                elif value in ("normal", "0", "false"):
                    labels[row[0].strip()] = 0
    except OSError as exc:
        raise UsageError(f"--labels {path}: {exc}") from None
    if not labels:
        raise UsageError(
            f"--labels {path}: no 'key,label' rows (label Normal/Anomaly or 0/1)."
        )
    return labels


# ----------------------------------------------------------------- commands
def _cmd_fit(args, out):
    import joblib

    from . import (
        ChimeraDiagnoser,
        DrainParser,
        SequenceWindower,
        TemplateEmbedder,
        make_pipeline,
        make_windows,
    )

    labels_path = None
    labeller = _Labeller(args.labels)
    if labeller.kind is None:
        if args.labels is None:
            raise UsageError(
                "chimera fit needs labels: --labels first-token (BGL-style tag in "
                "the first column), --labels regex:PATTERN (anomalous lines), or "
                "--labels FILE.csv with --session (per-session labels)."
            )
        labels_path = args.labels
        if args.session is None:
            raise UsageError(
                "--labels FILE.csv holds per-session labels: add --session REGEX."
            )
    fmt = _resolve_format(args.format, labeller)

    started = time.perf_counter()
    raw = list(_progress(_iter_lines(args.logfile), "reading", args.progress))
    if not raw:
        raise UsageError(f"{args.logfile}: the file is empty")
    text = [labeller.text(line) for line in raw]
    _check_format(text, fmt, args.logfile)
    line_labels = None if labeller.kind is None else [labeller.label(x) for x in raw]

    if args.session is not None:
        groups = _session_keys(text, args.session)
        group_labels = None
        if labels_path is not None:
            table = _read_session_labels(labels_path)
            missing = sorted({k for g in groups if g for k in g} - set(table))
            if missing:
                raise UsageError(
                    f"--labels {labels_path}: no label for {len(missing)} session(s) "
                    f"of the log, e.g. {missing[0]!r}; the label file does not line "
                    "up with the sessions that --session finds."
                )
            group_labels = table
        windows = make_windows(
            text,
            line_labels,
            groups=groups,
            group_labels=group_labels,
            size=args.window,
            step=args.step,
        )
    else:
        windows = make_windows(text, line_labels, size=args.window, step=args.step)
    y = windows.y
    if len(set(y.tolist())) < 2:
        raise UsageError(
            f"all {len(y)} windows are {'anomalous' if y[0] else 'normal'}; training "
            "needs both normal and anomalous windows. Check --labels."
        )
    size = args.window if args.window else None
    model_params = {
        "random_state": args.seed,
        "verbose": int(args.progress),
        "max_epochs": _default_epochs(len(y)) if args.epochs is None else args.epochs,
    }
    fit_params = {}
    if windows.root_cause is not None and args.line_supervision > 0:
        # Per-line labels name the anomalous lines: let the model learn from
        # them (root-cause supervision) instead of throwing them away.
        model_params["root_cause_weight"] = args.line_supervision
        fit_params["chimeradiagnoser__root_cause"] = windows.root_cause
    pipe = make_pipeline(
        DrainParser(log_format=fmt),
        SequenceWindower(size=size if size else 50),
        TemplateEmbedder(n_components=args.dim, random_state=args.seed),
        ChimeraDiagnoser(**model_params),
    )
    print(
        f"Training on {len(raw):,} lines: {len(y)} windows, {int(y.sum())} anomalous.",
        file=out,
    )
    pipe.fit(windows.X, y, **fit_params)
    settings = {
        "labels": args.labels if labeller.kind else "session-file",
        "format": fmt,
        "window": args.window,
        "step": args.step,
        "session": args.session,
        "line_supervision": model_params.get("root_cause_weight", 0.0),
        "trained_on": str(args.logfile),
        "n_lines": len(raw),
        "n_windows": int(len(y)),
        "n_anomalous": int(y.sum()),
    }
    from . import __version__

    joblib.dump(
        {
            "format": MODEL_FORMAT,
            "version": __version__,
            "settings": settings,
            "pipeline": pipe,
        },
        args.output,
    )
    print(
        f"Wrote {args.output} ({pipe[0].n_templates_} templates) in "
        f"{time.perf_counter() - started:.1f} s.",
        file=out,
    )
    return 0


def _default_epochs(n_windows):
    """The model's 4 epochs, or more on a small log (about 1,000 windows seen).

    On BGL_2k (100 windows) 4 epochs are a few dozen optimizer steps: 23 of the
    28 anomalous windows alarmed; 10 epochs alarm all 28.
    """
    return min(max(-(-1000 // max(n_windows, 1)), 4), 20)


def _load_model(path):
    import joblib

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such model file")
    try:
        bundle = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not a model"
        raise UsageError(
            f"{path} is not a chimera model file ({type(exc).__name__}); write one "
            "with `chimera fit LOGFILE ... -o MODEL`."
        ) from None
    if not isinstance(bundle, dict) or bundle.get("format") != MODEL_FORMAT:
        raise UsageError(
            f"{path} is not a chimera model file (it holds a "
            f"{type(bundle).__name__}); write one with `chimera fit ... -o MODEL`."
        )
    return bundle


def _diagnose_chunks(bundle, args):
    """Yield (Windows chunk, raw lines of the chunk's windows) from the log."""
    from .windowing import iter_windows

    settings = bundle["settings"]
    labeller = _Labeller(settings["labels"])
    lines = _progress(_iter_lines(args.logfile), "diagnosing", args.progress)
    if settings["session"] is not None:
        # Sessions interleave over the whole file: read it all.
        from . import make_windows

        raw = list(lines)
        if not raw:
            raise UsageError(f"{args.logfile}: the file is empty")
        text = [labeller.text(x) for x in raw]
        line_labels = (
            None if labeller.kind is None else [labeller.label(x) for x in raw]
        )
        w = make_windows(
            text,
            line_labels,
            groups=_session_keys(text, settings["session"]),
            size=settings["window"],
            step=settings["step"],
        )
        yield w, [[raw[i] for i in idx] for idx in w.line_index]
        return
    raw_lines = iter(lines)
    first = next(raw_lines, None)
    if first is None:
        raise UsageError(f"{args.logfile}: the file is empty")

    def stream():
        yield first
        yield from raw_lines

    # Keep the raw text beside the model text: iter_windows sees pairs joined
    # by a separator that no log line contains, split again per chunk.
    sep = "\x00"
    joined = (f"{labeller.text(x)}{sep}{x}" for x in stream())
    for chunk in iter_windows(
        joined,
        size=settings["window"],
        step=settings["step"],
        chunk_size=args.chunk_windows,
    ):
        pairs = [[line.split(sep, 1) for line in window] for window in chunk.X]
        model_x = [[p[0] for p in window] for window in pairs]
        raw_x = [[p[1] for p in window] for window in pairs]
        rc = None
        y = None
        if labeller.kind is not None:
            rc = [[labeller.label(x) for x in window] for window in raw_x]
            y = [int(any(r)) for r in rc]
        yield chunk._replace(X=model_x, y=y, root_cause=rc), raw_x


def _diagnose_windows(pipe, X, k):
    """Alarm score, alarm, line scores and culprits of each window.

    The text stages and the network each run once per chunk.
    """
    proba, alarms, scores, culprits = pipe[-1]._diagnose(pipe[:-1].transform(X), k)
    return proba[:, 1], alarms, scores, culprits


def _cmd_diagnose(args, out):
    import numpy as np

    bundle = _load_model(args.model)
    pipe = bundle["pipeline"]
    records, timeline = [], []
    n_windows = n_alarms = n_lines = 0
    json_fh = open(args.json, "w", encoding="utf-8") if args.json else None
    if json_fh:
        json_fh.write("[\n")
    heat = []  # (scores, root_cause) of the first alarmed windows, for the report
    try:
        for chunk, raw_x in _diagnose_chunks(bundle, args):
            proba, alarms, scores, culprits = _diagnose_windows(
                pipe, chunk.X, args.top_k
            )
            n_windows += len(chunk.X)
            n_lines = max(n_lines, int(chunk.line_index[-1].max()) + 1)
            for w in range(len(chunk.X)):
                idx = chunk.line_index[w]
                if args.html:  # one entry per window: kept only for the report
                    timeline.append(
                        (
                            int(idx[0]) + 1,
                            float(proba[w]),
                            None if chunk.y is None else int(chunk.y[w]),
                        )
                    )
                if alarms[w] != 1:
                    continue
                n_alarms += 1
                record = {
                    "first_line": int(idx[0]) + 1,
                    "last_line": int(idx[-1]) + 1,
                    "anomaly_score": round(float(proba[w]), 6),
                    "culprits": [
                        {
                            "line": int(idx[p]) + 1,
                            "score": round(float(scores[w, p]), 6),
                            "text": raw_x[w][p],
                        }
                        for p in culprits[w]
                        if p >= 0
                    ],
                }
                if chunk.y is not None:
                    record["label"] = int(chunk.y[w])
                    for c, p in zip(record["culprits"], culprits[w]):
                        c["root_cause"] = int(chunk.root_cause[w][p])
                if json_fh:
                    json_fh.write((",\n" if n_alarms > 1 else "") + json.dumps(record))
                if len(records) < args.max_report:
                    records.append(record)
                    width = scores.shape[1]
                    rc_row = (
                        np.zeros(width)
                        if chunk.root_cause is None
                        else np.resize(chunk.root_cause[w], width)
                    )
                    heat.append((scores[w], rc_row, f"{idx[0] + 1}-{idx[-1] + 1}"))
                if n_alarms <= args.show or args.show == 0:
                    _print_alarm(record, out)
    finally:
        if json_fh:
            json_fh.write("\n]\n")
            json_fh.close()
    print(
        f"\n{n_alarms} of {n_windows} windows alarmed ({n_lines:,} lines).",
        file=out,
    )
    if args.show and n_alarms > args.show:
        print(f"({n_alarms - args.show} more alarms not printed; see --json)", file=out)
    if args.html:
        from ._report import write_html_report

        write_html_report(
            args.html,
            bundle=bundle,
            logfile=str(args.logfile),
            records=records,
            timeline=timeline,
            heat=heat,
            n_windows=n_windows,
            n_alarms=n_alarms,
            n_lines=n_lines,
        )
        print(f"Wrote {args.html}", file=out)
    if args.json:
        print(f"Wrote {args.json}", file=out)
    return 1 if (args.fail_on_anomaly and n_alarms) else 0


def _print_alarm(record, out):
    truth = ""
    if "label" in record:
        truth = "  (labelled anomalous)" if record["label"] else "  (labelled normal)"
    print(
        f"\nALARM lines {record['first_line']}-{record['last_line']}  "
        f"score {record['anomaly_score']:.3f}{truth}",
        file=out,
    )
    for c in record["culprits"]:
        mark = "*" if c.get("root_cause") else " "
        print(
            f"  {mark} line {c['line']:>8}  {c['score']:.3f}  {c['text'][:160]}",
            file=out,
        )


def _cmd_demo(args, out):
    import numpy as np

    from . import (
        ChimeraDiagnoser,
        DrainParser,
        SequenceWindower,
        TemplateEmbedder,
        chronological_split,
        make_pipeline,
        make_windows,
    )
    from .datasets import make_fault_logs
    from .metrics import diagnosis_report

    started = time.perf_counter()
    logs = make_fault_logs(n_lines=args.lines, random_state=args.seed)
    windows = make_windows(logs.lines, logs.labels, size=args.window)
    train, test = chronological_split(windows, test_size=0.3)
    print(
        f"Generated {len(logs.lines):,} log lines ({int(logs.labels.sum())} "
        f"root-cause lines) -> {len(windows.X)} windows of {args.window}; "
        f"train {len(train.X)} ({int(train.y.sum())} anomalous), "
        f"test {len(test.X)} ({int(test.y.sum())} anomalous).",
        file=out,
    )
    model_params = {"random_state": args.seed, "verbose": int(args.progress)}
    if args.epochs is not None:
        model_params["max_epochs"] = args.epochs
    pipe = make_pipeline(
        DrainParser(log_format=logs.log_format),
        SequenceWindower(size=args.window),
        TemplateEmbedder(n_components=32, random_state=args.seed),
        ChimeraDiagnoser(**model_params),
    )
    pipe.fit(train.X, train.y)
    print(
        f"Trained in {time.perf_counter() - started:.1f} s; "
        f"{pipe[0].n_templates_} templates.",
        file=out,
    )
    y_pred = pipe.predict(test.X)
    scores = pipe.predict_root_cause_proba(test.X)
    culprits = pipe.predict_root_cause(test.X, k=args.top_k)
    proba = pipe.predict_proba(test.X)[:, 1]
    report = diagnosis_report(test.y, y_pred, test.root_cause, scores)
    print(
        "Test windows: precision {precision:.3f}  recall {recall:.3f}  f1 {f1:.3f}"
        "  HR@1 {hr@1:.3f}  HR@3 {hr@3:.3f}  MRR {mrr:.3f}".format(**report),
        file=out,
    )
    alarmed = np.flatnonzero(y_pred == 1)
    print(
        f"{len(alarmed)} alarmed window(s); culprit lines (* = true root cause):",
        file=out,
    )
    shown = alarmed if args.show == 0 else alarmed[: args.show]
    for w in shown:
        idx = test.line_index[w]
        _print_alarm(
            {
                "first_line": int(idx[0]) + 1,
                "last_line": int(idx[-1]) + 1,
                "anomaly_score": float(proba[w]),
                "label": int(test.y[w]),
                "culprits": [
                    {
                        "line": int(idx[p]) + 1,
                        "score": float(scores[w, p]),
                        "text": logs.lines[idx[p]],
                        "root_cause": int(test.root_cause[w][p]),
                    }
                    for p in culprits[w]
                    if p >= 0
                ],
            },
            out,
        )
    if len(shown) < len(alarmed):
        print(f"\n... {len(alarmed) - len(shown)} more (use --show 0)", file=out)
    return 0


# ------------------------------------------------------------------- parser
def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {value}")
    return value


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="chimera",
        description="End-to-end log-based fault diagnosis (Chimera, ASE 2025): "
        "find anomalous windows of a log and the lines that caused them.",
        epilog="Exit codes: 0 ok, 1 anomalies found (with --fail-on-anomaly), "
        "2 usage error.",
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def progress_flags(p):
        p.add_argument(
            "--progress",
            dest="progress",
            action="store_true",
            default=sys.stderr.isatty(),
            help="show progress bars (default: on a terminal)",
        )
        p.add_argument(
            "--no-progress",
            dest="progress",
            action="store_false",
            help="never show progress bars",
        )

    demo = sub.add_parser(
        "demo",
        help="train and diagnose on synthetic fault logs (the embedded default)",
        description="Generate synthetic multi-component fault logs with known "
        "root-cause lines, train the Pipeline (DrainParser -> SequenceWindower -> "
        "TemplateEmbedder -> ChimeraDiagnoser) on the past, diagnose the future, "
        "and print the culprit lines of the alarmed windows.",
    )
    demo.add_argument(
        "--lines",
        type=_positive_int,
        default=40000,
        help="log lines to generate (default 40000)",
    )
    demo.add_argument(
        "--window", type=_positive_int, default=20, help="lines per window (default 20)"
    )
    demo.add_argument(
        "--top-k",
        type=_positive_int,
        default=3,
        help="culprit lines per alarm (default 3)",
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="training epochs (default: the model's)",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    demo.add_argument(
        "--show",
        type=int,
        default=5,
        help="alarmed windows to print, 0 for all (default 5)",
    )
    progress_flags(demo)

    fit = sub.add_parser(
        "fit",
        help="train the whole Pipeline on a raw log file",
        description="Train DrainParser -> SequenceWindower -> TemplateEmbedder -> "
        "ChimeraDiagnoser on a raw log file and write the fitted model.",
    )
    fit.add_argument("logfile", help="raw log file ('-' for standard input, .gz ok)")
    fit.add_argument("-o", "--output", required=True, help="model file to write")
    fit.add_argument(
        "--labels",
        help="where the labels come from: 'first-token' (BGL-style tag in the first "
        "column, '-' = normal; the tag is hidden from the model), "
        "'regex:PATTERN' (lines matching PATTERN are anomalous), or a CSV file "
        "'key,label' of per-session labels (Normal/Anomaly or 0/1) with --session",
    )
    fit.add_argument(
        "--format",
        help="loghub log format of the lines, e.g. '<Date> <Time> <Level> "
        "<Component>: <Content>', or a loghub system name such as BGL or HDFS",
    )
    fit.add_argument(
        "--window",
        type=_positive_int,
        default=None,
        help="lines per window (fixed windows; default 20 without --session)",
    )
    fit.add_argument(
        "--step",
        type=_positive_int,
        default=None,
        help="lines between window starts (sliding windows)",
    )
    fit.add_argument(
        "--session",
        metavar="REGEX",
        help="session windows keyed by REGEX (its first group if it "
        "has one), e.g. 'blk_-?\\d+' for HDFS blocks",
    )
    fit.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="training epochs (default: the model's 4, raised on small logs so "
        "that training sees about 1,000 windows, at most 20 epochs)",
    )
    fit.add_argument(
        "--line-supervision",
        type=_non_negative_float,
        default=1.0,
        metavar="WEIGHT",
        help="weight of the per-line root-cause loss when the labels are per line "
        "(first-token or regex): the model then learns from the anomalous lines "
        "themselves, not only from window labels (default 1.0 with per-line "
        "labels; 0 trains from window labels alone, as in the paper)",
    )
    fit.add_argument(
        "--dim",
        type=_positive_int,
        default=32,
        help="template embedding dimension (default 32)",
    )
    fit.add_argument("--seed", type=int, default=0, help="random seed")
    progress_flags(fit)

    diag = sub.add_parser(
        "diagnose",
        help="find alarmed windows of a log and their culprit lines",
        description="Stream a log file through a model written by `chimera fit`, "
        "in chunks (memory does not grow with the file), and print every alarmed "
        "window with its line range, anomaly score and top-k culprit lines.",
    )
    diag.add_argument("model", help="model file written by `chimera fit`")
    diag.add_argument("logfile", help="log file ('-' for standard input, .gz ok)")
    diag.add_argument(
        "--top-k",
        type=_positive_int,
        default=3,
        help="culprit lines per alarm (default 3)",
    )
    diag.add_argument("--json", metavar="OUT", help="write the alarms as JSON records")
    diag.add_argument(
        "--html", metavar="OUT", help="write a self-contained HTML report"
    )
    diag.add_argument(
        "--show", type=int, default=20, help="alarms to print, 0 for all (default 20)"
    )
    diag.add_argument(
        "--fail-on-anomaly",
        action="store_true",
        help="exit with code 1 when any window is alarmed",
    )
    diag.add_argument(
        "--chunk-windows",
        type=_positive_int,
        default=2000,
        help="windows per chunk in memory (default 2000)",
    )
    diag.add_argument(
        "--max-report",
        type=_positive_int,
        default=200,
        help="alarms drawn in the HTML report (default 200)",
    )
    progress_flags(diag)
    return parser


def main(argv=None, out=None):
    """Entry point of the ``chimera`` console script; returns the exit code."""
    out = out or sys.stdout
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(__version__, file=out)
        return 0
    if args.command is None:
        parser.print_help(out)
        return 2
    if args.command == "fit" and args.window is None and args.session is None:
        args.window = 20
    if getattr(args, "step", None) is not None and args.window is None:
        parser.error("--step needs --window")
    commands = {"demo": _cmd_demo, "fit": _cmd_fit, "diagnose": _cmd_diagnose}
    try:
        return commands[args.command](args, out)
    except UsageError as exc:
        print(f"chimera {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
