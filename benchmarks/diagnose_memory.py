"""Peak memory of diagnosing a growing log: `chimera diagnose` and the Python API.

Trains a model on BGL_2k (or takes one with --model), writes BGL_2k repeated to
100,000, 1,000,000 and 4,000,000 lines, and diagnoses each file in a fresh
process, two ways:

- ``cli``: ``chimera diagnose MODEL LOG`` (streams the file in chunks);
- ``api``: the fitted Pipeline over an iterator of windows,
  ``for chunk in iter_windows(lines, size=20, chunk_size=2000):
  pipe.predict(chunk.X); pipe.predict_root_cause_proba(chunk.X)``.

It prints the peak resident memory (RSS) of each run and the ratio of the
largest to the smallest log.  Target: at most 2x (memory flat in the log size).

    python benchmarks/diagnose_memory.py            # 100k, 1M and 4M lines
    python benchmarks/diagnose_memory.py --quick    # 10k and 100k lines
    python benchmarks/diagnose_memory.py --sizes 100000 1000000 --mode cli
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    REPO,
    bgl_2k_path,
    environment,
    limit_threads,
    train_cli_model,
    write_repeated_log,
)

from chimera_sklearn.datasets import read_lines

_CLI = """
import resource, sys
from chimera_sklearn.cli import main
code = main(sys.argv[1:], out=open("/dev/null", "w"))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
sys.exit(0 if code in (0, 1) else code)
"""

_API = """
import resource, sys
import joblib
from chimera_sklearn.datasets import iter_lines
from chimera_sklearn.windowing import iter_windows
model, logfile = sys.argv[1:3]
bundle = joblib.load(model)
pipe, settings = bundle["pipeline"], bundle["settings"]
# The model was trained with --labels first-token: it never sees that token.
text = (line.partition(" ")[2] for line in iter_lines(logfile))
n_windows = n_alarms = 0
for chunk in iter_windows(text, size=settings["window"], chunk_size=2000):
    alarms = pipe.predict(chunk.X)
    scores = pipe.predict_root_cause_proba(chunk.X)
    n_windows += len(alarms)
    n_alarms += int(alarms.sum())
print(n_windows, n_alarms, file=sys.stderr)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
"""


def diagnose_peak_rss(model, logfile, mode="cli"):
    """Peak RSS (MiB) and wall time (s) of one diagnosis in a fresh process."""
    if mode == "cli":
        argv = ["-c", _CLI, "diagnose", str(model), str(logfile)]
        argv += ["--show", "0", "--no-progress"]
    elif mode == "api":
        argv = ["-c", _API, str(model), str(logfile)]
    else:
        raise ValueError(f"mode must be 'cli' or 'api', got {mode!r}.")
    start = time.perf_counter()
    res = subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, check=True, cwd=REPO
    )
    return int(res.stdout.strip().splitlines()[-1]) / 1024, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file from `chimera fit` (else trained)")
    parser.add_argument("--quick", action="store_true", help="10k and 100k lines")
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="log sizes in lines (overrides --quick)"
    )
    parser.add_argument(
        "--mode",
        choices=("cli", "api", "both"),
        default="both",
        help="what to measure (default both)",
    )
    args = parser.parse_args(argv)
    # Subprocesses inherit OMP_NUM_THREADS=1: one torch thread, as in CI.
    limit_threads(1)
    print(environment())

    lines = read_lines(bgl_2k_path())
    if args.sizes:
        sizes = tuple(sorted(args.sizes))
    else:
        sizes = (10_000, 100_000) if args.quick else (100_000, 1_000_000, 4_000_000)
    modes = ("cli", "api") if args.mode == "both" else (args.mode,)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = args.model or train_cli_model(tmp / "bgl.model")
        results = {mode: [] for mode in modes}
        for n in sizes:
            path = write_repeated_log(tmp / f"bgl_{n}.log", lines, n)
            for mode in modes:
                peak, seconds = diagnose_peak_rss(model, path, mode)
                results[mode].append((n, peak, seconds))
                print(
                    f"{mode:>3} {n:>10,} lines: peak RSS {peak:8.1f} MiB, "
                    f"{seconds:6.1f} s ({n / seconds:,.0f} lines/s end to end)",
                    flush=True,
                )
            path.unlink()
    print()
    for mode, rows in results.items():
        (n0, m0, _), (n1, m1, _) = rows[0], rows[-1]
        ratio = m1 / m0
        print(
            f"{mode}: peak memory ratio {n1:,} / {n0:,} lines: {ratio:.2f}x "
            f"(target <= 2.0x) -> {'OK' if ratio <= 2 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
