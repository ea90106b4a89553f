"""The ``chimera`` command.

``chimera demo`` is the main job: it generates synthetic fault logs (the
embedded default), trains the whole Pipeline on the past, diagnoses the future
and prints, for every alarmed window, its culprit lines with their line numbers.
"""

import argparse
import sys
import time

__all__ = ["main"]


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="chimera",
        description="End-to-end log-based fault diagnosis (Chimera, ASE 2025).",
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="train and diagnose on synthetic fault logs (the embedded default)",
        description=(
            "Generate synthetic multi-component fault logs with known root-cause "
            "lines, train the Pipeline (DrainParser -> SequenceWindower -> "
            "TemplateEmbedder -> ChimeraDiagnoser) on the first part, diagnose the "
            "rest, and print the culprit lines of each alarmed window."
        ),
    )
    demo.add_argument("--lines", type=int, default=12000, help="log lines to generate")
    demo.add_argument("--window", type=int, default=20, help="lines per window")
    demo.add_argument("--top-k", type=int, default=1, help="culprit lines per alarm")
    demo.add_argument("--epochs", type=int, default=None, help="training epochs")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    demo.add_argument(
        "--show", type=int, default=5, help="alarmed windows to print (0: all)"
    )
    demo.add_argument(
        "--quiet", action="store_true", help="no training progress output"
    )
    return parser


def _positive(parser, name, value):
    if value is not None and value < 1:
        parser.error(f"--{name} must be a positive integer, got {value}")


def _demo(args, out):
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
    model_params = {"random_state": args.seed, "verbose": 0 if args.quiet else 1}
    if args.epochs is not None:
        model_params["max_epochs"] = args.epochs
    pipe = make_pipeline(
        DrainParser(log_format=logs.log_format),
        SequenceWindower(size=args.window),
        TemplateEmbedder(n_components=32, random_state=args.seed),
        ChimeraDiagnoser(**model_params),
    )
    pipe.fit(train.X, train.y)
    fitted = time.perf_counter()
    print(
        f"Trained in {fitted - started:.1f} s; {pipe[0].n_templates_} templates.",
        file=out,
    )

    y_pred = pipe.predict(test.X)
    scores = pipe.predict_root_cause_proba(test.X)
    culprits = pipe.predict_root_cause(test.X, k=args.top_k)
    report = diagnosis_report(test.y, y_pred, test.root_cause, scores)
    print(
        "Test windows: precision {precision:.3f}  recall {recall:.3f}  f1 {f1:.3f}"
        "  HR@1 {hr@1:.3f}  HR@3 {hr@3:.3f}  MRR {mrr:.3f}".format(**report),
        file=out,
    )
    alarmed = np.flatnonzero(y_pred == 1)
    print(f"\n{len(alarmed)} alarmed window(s):", file=out)
    shown = alarmed if args.show == 0 else alarmed[: args.show]
    for w in shown:
        lines = test.line_index[w]
        print(
            f"\nwindow lines {lines[0] + 1}-{lines[-1] + 1}"
            f"  (truth: {'anomalous' if test.y[w] else 'normal'})",
            file=out,
        )
        for pos in culprits[w]:
            if pos < 0:
                continue
            mark = "*" if test.root_cause[w][pos] else " "
            print(
                f"  {mark} line {lines[pos] + 1:>6}  score {scores[w, pos]:.3f}  "
                f"{logs.lines[lines[pos]]}",
                file=out,
            )
    if len(shown) < len(alarmed):
        print(f"\n... {len(alarmed) - len(shown)} more (use --show 0)", file=out)
    print("\n(* = a true root-cause line)", file=out)
    return 0


def main(argv=None, out=None):
    """Entry point of the ``chimera`` console script."""
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
    if args.command == "demo":
        for name in ("lines", "window", "top_k", "epochs", "show"):
            if name != "show":
                _positive(parser, name.replace("_", "-"), getattr(args, name))
        return _demo(args, out)
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
