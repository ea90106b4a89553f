"""Dask implementation behind :mod:`chimera_sklearn.dask` (private).

Importing this module imports dask; :mod:`chimera_sklearn.dask` imports it
only when one of its functions is called.

Windows at partition boundaries
-------------------------------
Fixed and sliding windows are a function of the stream length ``n`` only
(:func:`chimera_sklearn.windowing._windows._spans`).  Each window is owned by
the partition that holds its *first* line; its other lines (at most
``size - 1``) may lie in the partitions that follow.  So the work is:

1. count the lines of every partition (one pass over the input), which gives
   each partition's offset in the stream and ``n``;
2. give every partition the first ``size - 1`` lines after its end (its
   *tail*, taken from as many following partitions as needed);
3. cut, in every partition, the windows whose first line it holds, from its
   lines plus its tail: every window is cut exactly once, in stream order.
"""

import numbers
import uuid

import dask
import dask.bag as db
import numpy as np
from dask import delayed

from .windowing._windows import _check_size_step

__all__ = ["diagnose_bag", "make_window_bag", "parse_bag"]


# ----------------------------------------------------------------- input
def _lines_of(part):
    """The lines of one partition as a list of str (line endings stripped)."""
    if hasattr(part, "tolist") and not isinstance(part, list):  # pandas Series
        part = part.tolist()
    out = []
    for i, line in enumerate(part):
        if not isinstance(line, str):
            raise TypeError(
                f"line {i} of a partition is {type(line).__name__}, not str; the "
                "input must hold one str log line per element."
            )
        out.append(line.rstrip("\r\n"))
    return out


def _partitions(lines):
    """Delayed partitions of a dask Bag, Series or one-column DataFrame."""
    if isinstance(lines, db.Bag):
        return lines.to_delayed()
    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - dask without the dataframe extra
        dd = None
    if dd is not None and isinstance(lines, dd.DataFrame):
        if len(lines.columns) != 1:
            raise TypeError(
                "lines is a dask DataFrame with columns "
                f"{list(lines.columns)}; pass the column that holds the log "
                "lines, e.g. df['line']."
            )
        lines = lines[lines.columns[0]]
    if dd is not None and isinstance(lines, dd.Series):
        return lines.to_delayed()
    raise TypeError(
        "lines must be a dask.bag.Bag of str lines (e.g. dask.bag.read_text(...)) "
        "or a dask.dataframe Series of str lines, got "
        f"{type(lines).__module__}.{type(lines).__name__}."
    )


def _loaded_partitions(lines):
    # Fresh keys on every call: the counting pass and the windowing pass are
    # two graphs over the same input, and the distributed scheduler must not
    # mistake the tasks of one for those of the other.
    return [delayed(_lines_of, pure=False)(part) for part in _partitions(lines)]


def _count(part):
    return len(_lines_of(part))


# ---------------------------------------------------------------- windows
def _partition_spans(offset, length, n, size, step):
    """``(start, stop)`` of the windows whose first line is in the partition.

    The same spans as ``_spans(n, size, step)`` restricted to starts in
    ``[offset, offset + length)``, computed without listing all of them.
    """
    if length == 0:
        return []
    end = offset + length
    if n < size:  # one short window holding everything
        return [(0, n)] if offset == 0 else []
    last = (n - size) // step  # index of the last full window
    first_k = -(-offset // step)
    last_k = min(last, (end - 1) // step)
    spans = [(k * step, k * step + size) for k in range(first_k, last_k + 1)]
    start = (last + 1) * step
    if last * step + size < n and offset <= start < end:
        spans.append((start, n))
    return spans


def _head(lines, count):
    return lines[:count]


def _cut(lines, offset, tail, n, size, step):
    """Windows ``(line_index, lines)`` owned by one partition."""
    stream = lines + tail if tail else lines
    out = []
    for start, stop in _partition_spans(offset, len(lines), n, size, step):
        a, b = start - offset, stop - offset
        out.append((np.arange(start, stop), stream[a:b]))
    return out


def _window_tasks(lines, size, step):
    """One delayed list of windows per partition, plus the loaded partitions."""
    size, step = _check_size_step(size, step)
    counts = [delayed(_count, pure=False)(part) for part in _partitions(lines)]
    lengths = [int(x) for x in dask.compute(*counts)]
    parts = _loaded_partitions(lines)
    n = sum(lengths)
    if n == 0:
        raise ValueError("lines is empty: there is nothing to cut into windows.")
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int).tolist()
    tasks = []
    for i, part in enumerate(parts):
        need = min(size - 1, n - offsets[i] - lengths[i])
        heads = []
        for j in range(i + 1, len(parts)):
            if need <= 0:
                break
            take = min(need, lengths[j])
            if take:
                heads.append(delayed(_head, pure=True)(parts[j], take))
            need -= take
        tail = delayed(sum, pure=True)(heads, []) if heads else []
        tasks.append(delayed(_cut, pure=True)(part, offsets[i], tail, n, size, step))
    return tasks


def make_window_bag(lines, *, size, step=None):
    """Cut a distributed log into fixed or sliding windows; see the public doc."""
    return db.from_delayed(_window_tasks(lines, size, step))


# ---------------------------------------------------------------- parsing
def _first_parser(estimator):
    steps = getattr(estimator, "steps", None)
    parser = steps[0][1] if steps else estimator
    if not hasattr(parser, "parse_lines"):
        raise TypeError(
            "parser must be a fitted DrainParser, or a Pipeline whose first step "
            f"is one; got {type(parser).__name__}."
        )
    return parser


def _parse(parser, lines):
    if not lines:
        return []
    return parser.parse_lines(lines).tolist()


def parse_bag(parser, lines):
    """Template id of every line; see the public doc."""
    parser = _first_parser(parser)
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(parser)
    parser_d = delayed(
        parser, name=f"chimera-parser-{uuid.uuid4().hex}", traverse=False
    )
    return db.from_delayed(
        [delayed(_parse, pure=True)(parser_d, p) for p in _loaded_partitions(lines)]
    )


# -------------------------------------------------------------- diagnosis
def _outputs(pipeline, X, k):
    """Anomaly score, prediction and top-k culprit positions of each window."""
    from .model import ChimeraDiagnoser

    final = pipeline[-1] if hasattr(pipeline, "steps") else pipeline
    Xt = pipeline[:-1].transform(X) if hasattr(pipeline, "steps") else X
    if isinstance(final, ChimeraDiagnoser):
        proba, pred, scores, culprits = final._diagnose(Xt, k)  # one forward pass
        return proba[:, 1], pred, scores, culprits
    pred = final.predict(Xt)
    score = (
        final.predict_proba(Xt)[:, 1]
        if hasattr(final, "predict_proba")
        else np.full(len(pred), np.nan)
    )
    if hasattr(final, "predict_root_cause"):
        culprits = final.predict_root_cause(Xt, k=k)
        scores = final.predict_root_cause_proba(Xt)
    else:
        culprits = np.full((len(pred), k), -1)
        scores = None
    return score, pred, scores, culprits


def _diagnose_part(pipeline, windows, k):
    if not windows:
        return []
    X = [w[1] for w in windows]
    score, pred, scores, culprits = _outputs(pipeline, X, k)
    records = []
    for w, (index, _) in enumerate(windows):
        positions = [int(p) for p in culprits[w] if 0 <= p < len(index)]
        pred_w = pred[w]
        records.append(
            {
                "start": int(index[0]),
                "stop": int(index[-1]) + 1,
                "prediction": pred_w.item() if hasattr(pred_w, "item") else pred_w,
                "anomaly_score": float(score[w]),
                "culprits": [int(index[p]) for p in positions],
                "culprit_scores": (
                    [float(scores[w, p]) for p in positions]
                    if scores is not None
                    else []
                ),
            }
        )
    return records


def diagnose_bag(pipeline, lines, *, size, step=None, k=1):
    """Diagnose every window of a distributed log; see the public doc."""
    from sklearn.utils.validation import check_is_fitted

    if not hasattr(pipeline, "predict"):
        raise TypeError(
            "pipeline must be a fitted Pipeline (or estimator) with predict, got "
            f"{type(pipeline).__name__}."
        )
    check_is_fitted(pipeline)
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    # One graph key for the model, shared by every partition's task.
    pipe_d = delayed(
        pipeline, name=f"chimera-pipeline-{uuid.uuid4().hex}", traverse=False
    )
    tasks = [
        delayed(_diagnose_part, pure=True)(pipe_d, t, int(k))
        for t in _window_tasks(lines, size, step)
    ]
    return db.from_delayed(tasks)
