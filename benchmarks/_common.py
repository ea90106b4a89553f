"""Helpers shared by the benchmark scripts (not part of the package).

Import it from a script in ``benchmarks/`` (that folder is ``sys.path[0]`` when
the script runs): ``from _common import ...``.  Importing it also puts the
repository root on ``sys.path``, so the checkout is benchmarked even when the
package is not installed.
"""

import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))


def limit_threads(n_threads=1):
    """Pin torch (and OpenMP/MKL, for processes started later) to ``n_threads``.

    Call it before any heavy work: on a shared machine, a torch thread pool
    larger than the free cores spins and makes timings meaningless.
    """
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n_threads)
    import torch

    torch.set_num_threads(n_threads)
    return n_threads


def environment():
    """One line describing the machine and the library versions."""
    import sklearn
    import torch

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} CPU(s), load average {load:.1f} at start"
    )


def peak_rss_mib():
    """Peak resident memory of this process so far, in MiB (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def repeat_lines(lines, n_total):
    """``lines`` repeated verbatim, cut to exactly ``n_total`` lines."""
    reps = -(-n_total // len(lines))
    return (list(lines) * reps)[:n_total]


def write_repeated_log(path, lines, n_total):
    """Write ``lines`` repeated verbatim to ``n_total`` lines into ``path``."""
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n_total):
            fh.write(lines[i % len(lines)] + "\n")
    return path


def bgl_2k_path():
    """Path of the loghub BGL 2k sample in the shared data folder."""
    from chimera_sklearn.datasets import get_data_home

    return get_data_home() / "loghub_2k" / "BGL" / "BGL_2k.log"


def train_cli_model(path, source=None):
    """``chimera fit`` on BGL_2k (labels: first token, BGL format) into ``path``.

    The model ``chimera diagnose`` is measured with; returns ``path``.
    """
    source = bgl_2k_path() if source is None else source
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
            str(path),
            "--no-progress",
        ],
        check=True,
        capture_output=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return path


def best_of(timings):
    """The smallest of a list of timings (least disturbed by other load)."""
    return min(timings)
