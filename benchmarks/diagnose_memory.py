"""Peak memory of `chimera diagnose` as the log grows (it streams in chunks).

Trains a model on BGL_2k (or takes one with --model), writes BGL_2k repeated to
100,000 and 1,000,000 lines, runs `chimera diagnose` on each in a fresh process
and prints the peak resident memory of each run side by side, with the ratio.
Target: the 1M-line run needs at most 2x the memory of the 100k-line run.

    python benchmarks/diagnose_memory.py            # 100k and 1M lines
    python benchmarks/diagnose_memory.py --quick    # 10k and 100k lines
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chimera_sklearn.datasets import get_data_home, read_lines

_MEASURE = """
import resource, sys
from chimera_sklearn.cli import main
code = main(sys.argv[1:], out=open("/dev/null", "w"))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
sys.exit(0 if code in (0, 1) else code)
"""


def diagnose_peak_rss(model, logfile):
    start = time.perf_counter()
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURE,
            "diagnose",
            str(model),
            str(logfile),
            "--show",
            "0",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(res.stdout.strip().splitlines()[-1]) / 1024, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file from `chimera fit` (else trained)")
    parser.add_argument("--quick", action="store_true", help="10k and 100k lines")
    args = parser.parse_args()

    source = get_data_home() / "loghub_2k" / "BGL" / "BGL_2k.log"
    lines = read_lines(source)
    sizes = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = args.model
        if model is None:
            model = tmp / "bgl.model"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "chimera_sklearn",
                    "fit",
                    str(source),
                    "--labels",
                    "first-token",
                    "--format",
                    "BGL",
                    "-o",
                    str(model),
                    "--no-progress",
                ],
                check=True,
                capture_output=True,
            )
        results = []
        for n in sizes:
            path = tmp / f"bgl_{n}.log"
            with open(path, "w", encoding="utf-8") as fh:
                for i in range(n):
                    fh.write(lines[i % len(lines)] + "\n")
            peak, seconds = diagnose_peak_rss(model, path)
            results.append((n, peak, seconds))
            print(
                f"{n:>10,} lines: peak RSS {peak:8.1f} MiB, {seconds:6.1f} s "
                f"({n / seconds:,.0f} lines/s end to end)"
            )
    (n0, m0, _), (n1, m1, _) = results
    ratio = m1 / m0
    print(
        f"\npeak memory ratio {n1:,} / {n0:,} lines: {ratio:.2f}x "
        f"(target <= 2.0x) -> {'OK' if ratio <= 2 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
