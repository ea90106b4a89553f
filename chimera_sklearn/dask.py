"""Parse and diagnose logs that do not fit one machine, with Dask.

A fitted Pipeline is applied to every partition of a ``dask.bag`` (or a
``dask.dataframe`` Series) of log lines.  Fixed and sliding windows are cut
correctly at partition boundaries: every window of
:func:`~chimera_sklearn.make_windows` is produced exactly once, none is lost
or duplicated, and results come back in stream order.

- :func:`make_window_bag`: the windows of a distributed log;
- :func:`parse_bag`: the template id of every line (a fitted ``DrainParser``);
- :func:`diagnose_bag`: one record per window (anomaly score, prediction,
  culprit lines) from a fitted Pipeline.

Training still happens on one machine (on a sample or a chronological slice
of the log); only parsing and inference are distributed.  To spread a
*hyper-parameter search* over a cluster instead, use joblib's Dask backend:
every ``fit`` of ``GridSearchCV`` then runs on a Dask worker::

    import joblib
    from distributed import Client
    from sklearn.model_selection import GridSearchCV

    client = Client("scheduler-address:8786")       # or Client(LocalCluster())
    search = GridSearchCV(pipe, {"chimeradiagnoser__hidden_size": [32, 64]})
    with joblib.parallel_config(backend="dask"):
        search.fit(windows.X, windows.y)

Needs the ``dask`` extra: ``pip install chimera_sklearn[dask]`` (dask with
its bag and dataframe parts, and distributed).  Importing this module works
without it; calling a function raises an ``ImportError`` that says so.

*Two passes.*  Window boundaries depend on the position of each line in the
whole stream, so the lines of every partition are counted first (one pass
over the input), then parsed and diagnosed (a second pass).  To read the
input once, ``persist()`` the bag first when the cluster has the memory.

*Session windows* (``make_windows(groups=...)``) gather lines from the whole
log and are not supported here; group the lines by session with Dask first
(for example ``bag.groupby``), then call the Pipeline on each session.

*Workers.*  ``DrainParser.transform`` only reads the fitted miner and the
model predicts in ``torch.inference_mode``, so the thread-based and the
process-based Dask workers both work; the fitted Pipeline is sent to each
worker once per call.  Set ``OMP_NUM_THREADS`` (or
``torch.set_num_threads``) to the cores per worker divided by its threads.
"""

__all__ = ["diagnose_bag", "make_window_bag", "parse_bag"]

_INSTALL = (
    "chimera_sklearn.dask needs dask with its bag and dataframe parts and "
    "distributed: pip install chimera_sklearn[dask]"
)


def _impl():
    try:
        from . import _dask
    except ImportError as exc:
        raise ImportError(f"{_INSTALL} ({exc})") from exc
    return _dask


def make_window_bag(lines, *, size, step=None):
    """Cut a distributed log into fixed or sliding windows.

    The windows are those of :func:`chimera_sklearn.make_windows` with the same
    ``size`` and ``step``, in the same order, whatever the partitioning: a
    window that starts near the end of a partition takes its last lines from
    the partitions that follow.

    Parameters
    ----------
    lines : dask.bag.Bag or dask.dataframe.Series of str
        The log stream, one line per element, in time order (for example
        ``dask.bag.read_text("logs/*.log")``).  Line endings are stripped.
        A one-column dask DataFrame is accepted too.
    size : int
        Lines per window.
    step : int, default=None
        Lines between window starts; ``None`` means ``size``.

    Returns
    -------
    windows : dask.bag.Bag
        One element per window, ``(line_index, lines)``: the stream position
        of each line of the window (an int ndarray) and the lines (a list of
        str).  As many partitions as ``lines``; a partition holds the windows
        that start in the matching input partition.

    See Also
    --------
    chimera_sklearn.make_windows : The same windows, in memory.
    chimera_sklearn.windowing.iter_windows : The same windows, a chunk at a time.

    Notes
    -----
    The partition lengths are computed right away (one pass over ``lines``);
    the windows are computed lazily.

    Examples
    --------
    >>> import dask.bag as db
    >>> from chimera_sklearn.dask import make_window_bag
    >>> lines = db.from_sequence([f"l{i}" for i in range(7)], npartitions=3)
    >>> [w for _, w in make_window_bag(lines, size=3).compute(scheduler="threads")]
    [['l0', 'l1', 'l2'], ['l3', 'l4', 'l5'], ['l6']]
    >>> windows = make_window_bag(lines, size=4, step=2)
    >>> [idx.tolist() for idx, _ in windows.compute(scheduler="threads")]
    [[0, 1, 2, 3], [2, 3, 4, 5], [4, 5, 6]]
    """
    return _impl().make_window_bag(lines, size=size, step=step)


def parse_bag(parser, lines):
    """Template id of every line of a distributed log.

    Each partition is parsed on its own with the fitted parser (``transform``
    never changes it), so the ids are those of ``parser.parse_lines`` on the
    whole stream.

    Parameters
    ----------
    parser : DrainParser or Pipeline
        A fitted :class:`~chimera_sklearn.DrainParser`, or a fitted Pipeline
        whose first step is one.
    lines : dask.bag.Bag or dask.dataframe.Series of str
        The log lines.

    Returns
    -------
    ids : dask.bag.Bag of int
        The template id of each line (1 for a line that matches no template),
        partitioned as ``lines``.

    Examples
    --------
    >>> import dask.bag as db
    >>> from chimera_sklearn import DrainParser
    >>> from chimera_sklearn.dask import parse_bag
    >>> parser = DrainParser().fit([["disk sda1 full", "user 7 logged in"]])
    >>> lines = db.from_sequence(["user 9 logged in", "disk sdb2 full", "boom"], 2)
    >>> parse_bag(parser, lines).compute(scheduler="threads")
    [3, 2, 1]
    """
    return _impl().parse_bag(parser, lines)


def diagnose_bag(pipeline, lines, *, size, step=None, k=1):
    """Diagnose every window of a distributed log with a fitted Pipeline.

    The windows are those of :func:`make_window_bag`; each partition of them
    goes through the Pipeline in one call (for a
    :class:`~chimera_sklearn.ChimeraDiagnoser`, one forward pass gives the
    prediction, the anomaly score and the culprits).

    Parameters
    ----------
    pipeline : Pipeline
        A fitted Pipeline from raw windows of lines to a classifier, such as
        ``make_pipeline(DrainParser(), SequenceWindower(),
        TemplateEmbedder(), ChimeraDiagnoser())``.  Its last step may also be
        any classifier; without ``predict_proba`` the score is NaN, without
        ``predict_root_cause`` there are no culprits.
    lines : dask.bag.Bag or dask.dataframe.Series of str
        The log stream, one line per element, in time order.  Use the lines
        exactly as the Pipeline was trained on them.
    size : int
        Lines per window (as in training).
    step : int, default=None
        Lines between window starts; ``None`` means ``size``.
    k : int, default=1
        Culprit lines per alarmed window.

    Returns
    -------
    records : dask.bag.Bag of dict
        One dict per window, in stream order: ``start`` and ``stop`` (stream
        positions, ``stop`` exclusive), ``prediction`` (the predicted class),
        ``anomaly_score`` (probability of ``classes_[1]``), ``culprits``
        (stream positions of the top-``k`` culprit lines, empty unless the
        window is alarmed) and ``culprit_scores``.  ``records.to_dataframe()``
        makes a dask DataFrame of them.

    See Also
    --------
    make_window_bag : The windows that are diagnosed.

    Examples
    --------
    >>> import dask.bag as db
    >>> from chimera_sklearn import (ChimeraDiagnoser, DrainParser,
    ...     SequenceWindower, TemplateEmbedder, make_pipeline, make_windows)
    >>> from chimera_sklearn.dask import diagnose_bag
    >>> from chimera_sklearn.datasets import make_fault_logs
    >>> logs = make_fault_logs(n_lines=2000, fault_rate=0.03, random_state=0)
    >>> train = make_windows(logs.lines, logs.labels, size=20)
    >>> pipe = make_pipeline(
    ...     DrainParser(log_format=logs.log_format), SequenceWindower(size=20),
    ...     TemplateEmbedder(n_components=8, random_state=0),
    ...     ChimeraDiagnoser(hidden_size=8, max_epochs=1, random_state=0),
    ... ).fit(train.X, train.y)
    >>> lines = db.from_sequence(logs.lines, npartitions=4)
    >>> records = diagnose_bag(pipe, lines, size=20, k=2)
    >>> records = records.compute(scheduler="threads")  # or a distributed Client
    >>> len(records) == len(train.X), records[1]["start"], records[1]["stop"]
    (True, 20, 40)
    >>> sorted(records[0])
    ['anomaly_score', 'culprit_scores', 'culprits', 'prediction', 'start', 'stop']
    """
    return _impl().diagnose_bag(pipeline, lines, size=size, step=step, k=k)
