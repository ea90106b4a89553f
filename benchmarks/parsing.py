"""Benchmark DrainParser against plain drain3: grouping accuracy and throughput.

Run from the repository root::

    python benchmarks/parsing.py            # full run, writes docs/parsing_benchmark.md
    python benchmarks/parsing.py --quick    # fewer lines for the throughput part

1. Grouping accuracy (GA, loghub definition) on the 14 systems of
   ``loghub2_2k_corrected``: DrainParser with package defaults on the ``Content``
   column, plain drain3 with its default configuration on the same column, and
   DrainParser with the system's loghub ``log_format`` on the raw lines.
2. Throughput of ``DrainParser.fit_transform`` against a plain drain3
   ``add_log_message`` loop on the same lines: the 14 samples repeated to at least
   200,000 lines, every digit redrawn at random in each repetition.
"""

import argparse
import csv
import os
import platform
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chimera_sklearn.parsing import (  # noqa: E402
    DEFAULT_MASKING,
    LOGHUB_FORMATS,
    DrainParser,
)

SYSTEMS = (
    "Apache",
    "BGL",
    "HDFS",
    "HPC",
    "Hadoop",
    "HealthApp",
    "Linux",
    "Mac",
    "OpenSSH",
    "OpenStack",
    "Proxifier",
    "Spark",
    "Thunderbird",
    "Zookeeper",
)


def data_home():
    """The shared data folder (``CHIMERA_DATA_HOME`` or ``<repo>/../shared/data``)."""
    try:
        from chimera_sklearn.datasets import get_data_home
    except ImportError:
        get_data_home = None
    if get_data_home is not None:
        return Path(get_data_home())
    env = os.environ.get("CHIMERA_DATA_HOME")
    return Path(env) if env else REPO.parent / "shared" / "data"


def load_corrected(system):
    """Content and ground-truth EventId columns of the corrected 2k sample."""
    path = (
        data_home()
        / "loghub2_2k_corrected"
        / system
        / f"{system}_2k.log_structured_corrected.csv"
    )
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows]


def load_raw(system):
    """Raw lines of the loghub 2k sample (``\\r`` stripped)."""
    path = data_home() / "loghub_2k" / system / f"{system}_2k.log"
    with open(path, encoding="utf-8", newline="") as f:
        lines = [line.rstrip("\r\n") for line in f]
    return lines


def grouping_accuracy(truth, pred):
    """Loghub GA: a line is correct iff its predicted group equals its true group."""
    truth_sizes = {}
    for t in truth:
        truth_sizes[t] = truth_sizes.get(t, 0) + 1
    groups = {}
    for t, p in zip(truth, pred):
        groups.setdefault(p, []).append(t)
    correct = 0
    for members in groups.values():
        labels = set(members)
        if len(labels) == 1 and truth_sizes[members[0]] == len(members):
            correct += len(members)
    return correct / len(truth)


def plain_drain3_ids(lines):
    miner = TemplateMiner(config=TemplateMinerConfig())
    return [miner.add_log_message(line)["cluster_id"] for line in lines]


def masked_drain3_ids(lines):
    """drain3 configured like DrainParser's defaults, with drain3's own masking.

    Same masks (as ``MaskingInstruction``s, one regex pass each), same
    ``sim_th``/``depth``; no caching.  Shows what the one-pass masking and the
    caches buy on top of the configuration.
    """
    from drain3.masking import MaskingInstruction

    defaults = DrainParser().get_params()
    config = TemplateMinerConfig()
    config.drain_sim_th = defaults["sim_th"]
    config.drain_depth = defaults["depth"]
    config.masking_instructions = [
        MaskingInstruction(pattern, name) for pattern, name in DEFAULT_MASKING
    ]
    miner = TemplateMiner(config=config)
    return [miner.add_log_message(line)["cluster_id"] for line in lines]


def parser_ids(lines, **params):
    parser = DrainParser(output="ids", **params)
    return parser.fit_transform([lines])[0].tolist()


def accuracy_table():
    rows = []
    for system in SYSTEMS:
        content, truth = load_corrected(system)
        ga_plain = grouping_accuracy(truth, plain_drain3_ids(content))
        ga_ours = grouping_accuracy(truth, parser_ids(content))
        ga_raw = None
        if system in LOGHUB_FORMATS:
            raw = load_raw(system)
            assert len(raw) == len(truth), system
            ga_raw = grouping_accuracy(
                truth, parser_ids(raw, log_format=LOGHUB_FORMATS[system])
            )
        rows.append((system, ga_plain, ga_ours, ga_raw))
    return rows


SENSITIVITY = (
    {"sim_th": 0.6},
    {"sim_th": 0.65},
    {"sim_th": 0.75},
    {"depth": 4},
    {"depth": 6},
    {"masking": None},
)


def sensitivity(plain):
    """Mean GA and worst delta to plain drain3 when one default is changed."""
    data = {system: load_corrected(system) for system in SYSTEMS}
    rows = []
    for change in SENSITIVITY:
        ga = {
            system: grouping_accuracy(truth, parser_ids(content, **change))
            for system, (content, truth) in data.items()
        }
        worst = min(SYSTEMS, key=lambda s: ga[s] - plain[s])
        rows.append((change, float(np.mean(list(ga.values()))), worst, ga, plain))
    return rows


def redraw_digits(lines, n_total, seed=0):
    """Repeat ``lines`` to ``n_total`` lines, redrawing every digit each time."""
    rng = random.Random(seed)
    digits = "0123456789"

    def redraw(match):
        return "".join(rng.choice(digits) for _ in match.group())

    out = []
    number = re.compile(r"\d+")
    while len(out) < n_total:
        out.extend(number.sub(redraw, line) for line in lines)
    return out


def throughput(n_total, repeats):
    lines = []
    for system in SYSTEMS:
        lines.extend(load_corrected(system)[0])
    stream = redraw_digits(lines, n_total)
    t_plain, t_masked, t_ours = [], [], []
    for _ in range(repeats):  # interleaved, best of ``repeats``
        t0 = time.perf_counter()
        plain_drain3_ids(stream)
        t_plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        DrainParser().fit_transform([stream])
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        masked_drain3_ids(stream)
        t_masked.append(time.perf_counter() - t0)
    n = len(stream)
    return n, n / min(t_plain), n / min(t_masked), n / min(t_ours)


def fmt(x):
    return "n/a" if x is None else f"{x:.4f}"


def main(argv=None):
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument(
        "--quick", action="store_true", help="50,000 lines, one timing run"
    )
    cli.add_argument(
        "--no-write", action="store_true", help="do not write docs/parsing_benchmark.md"
    )
    args = cli.parse_args(argv)
    command = "python benchmarks/parsing.py" + (" --quick" if args.quick else "")

    rows = accuracy_table()
    lines = [
        "| system | plain drain3 (defaults, Content) | DrainParser (defaults, Content)"
        " | delta | DrainParser (log_format, raw lines) |",
        "|---|---|---|---|---|",
    ]
    for system, plain, ours, raw in rows:
        lines.append(
            f"| {system} | {fmt(plain)} | {fmt(ours)} | {ours - plain:+.4f} "
            f"| {fmt(raw)} |"
        )
    plain_mean = float(np.mean([r[1] for r in rows]))
    ours_mean = float(np.mean([r[2] for r in rows]))
    raw_vals = [r[3] for r in rows if r[3] is not None]
    raw_mean = float(np.mean(raw_vals)) if raw_vals else None
    min_delta = min(r[2] - r[1] for r in rows)
    worst_system = min(rows, key=lambda r: r[2] - r[1])[0]
    lines.append(
        f"| **mean** | **{plain_mean:.4f}** | **{ours_mean:.4f}** | "
        f"{ours_mean - plain_mean:+.4f} | **{fmt(raw_mean)}** |"
    )
    ga_table = "\n".join(lines)
    print(ga_table)
    print(f"\nmin per-system delta (ours - plain): {min_delta:+.4f}")

    plain = {r[0]: r[1] for r in rows}
    sens_lines = [
        "| change to the defaults | mean GA | worst system (delta to plain) |",
        "|---|---|---|",
        f"| none | {ours_mean:.4f} | {worst_system} ({min_delta:+.4f}) |",
    ]
    for change, mean, worst, ga, _ in sensitivity(plain):
        text = ", ".join(f"{k}={v!r}" for k, v in change.items())
        sens_lines.append(
            f"| {text} | {mean:.4f} | {worst} ({ga[worst] - plain[worst]:+.4f}) |"
        )
    sens_table = "\n".join(sens_lines)
    print("\nsensitivity (one default changed):")
    print(sens_table)

    n_total = 50_000 if args.quick else 200_000
    repeats = 1 if args.quick else 2
    n, plain_lps, masked_lps, ours_lps = throughput(n_total, repeats)
    ratio = ours_lps / plain_lps
    tp_table = "\n".join(
        [
            "| parser | lines/s |",
            "|---|---|",
            f"| plain drain3 `add_log_message` loop (defaults) | {plain_lps:,.0f} |",
            "| drain3 `add_log_message` loop, DrainParser's masks (as drain3 "
            f"`MaskingInstruction`s), `sim_th` and `depth` | {masked_lps:,.0f} |",
            f"| `DrainParser().fit_transform` (defaults) | {ours_lps:,.0f} |",
            f"| **ratio** DrainParser / plain drain3 | **{ratio:.2f}x** |",
            "| ratio DrainParser / drain3 with the same masks | "
            f"{ours_lps / masked_lps:.2f}x |",
        ]
    )
    print(f"\nthroughput on {n:,} lines (best of {repeats}):")
    print(tp_table)

    if not args.no_write:
        doc = f"""# DrainParser benchmark

Command (from the repository root): `{command}`

Environment: Python {platform.python_version()}, drain3 {_version("drain3")},
scikit-learn {sklearn.__version__}, {platform.machine()}, {os.cpu_count()} CPU(s)
(shared machine: throughput numbers are indicative).

## Grouping accuracy (loghub2_2k_corrected, 14 systems)

GA as defined by loghub: a line counts as correct iff the set of lines in its
predicted group is exactly the set of lines in its ground-truth group.  Plain
drain3 is `TemplateMiner(config=TemplateMinerConfig())` (no masking) with
`add_log_message` on the `Content` column, grouped by cluster id.  DrainParser uses
package defaults and groups by the ids of `fit_transform(..., output="ids")`
(the template ids `transform` assigns, i.e. drain3 `match` after fit).  The last
column parses the raw `loghub_2k/<Sys>/<Sys>_2k.log` lines with
`log_format=LOGHUB_FORMATS[<Sys>]`.

{ga_table}

Minimum per-system delta (DrainParser - plain drain3): {min_delta:+.4f}.

### Sensitivity of the defaults

Mean GA (on `Content`) with one default changed.  Note the cliff above
`sim_th=0.7`: Linux's `authentication failure; ... rhost=<*> user=<*>` lines
then split (their hosts and users are not masked).

{sens_table}

## Throughput

The `Content` lines of the 14 samples repeated to {n:,} lines, every digit redrawn
at random in each repetition; best of {repeats} interleaved run(s).

{tp_table}
"""
        out = REPO / "docs" / "parsing_benchmark.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(doc, encoding="utf-8")
        print(f"\nwrote {out.relative_to(REPO)}")


def _version(name):
    return getattr(sys.modules.get(name), "__version__", None) or _dist_version(name)


def _dist_version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
