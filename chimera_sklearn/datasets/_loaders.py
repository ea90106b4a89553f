"""Loaders for the labelled public logs (loghub format, pre-windowed files).

Nothing is downloaded: the files are read from a local data folder, by default
the team's ``../shared/data`` beside the repository (see :func:`get_data_home`).
"""

import csv
import os
import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

__all__ = [
    "get_data_home",
    "iter_lines",
    "load_bgl_windows",
    "load_hdfs",
    "load_loghub",
    "load_window_file",
    "read_lines",
]

_ENV = "CHIMERA_DATA_HOME"


def get_data_home(data_home=None):
    """Return the folder that holds the labelled public logs.

    Looked up in this order: the ``data_home`` argument, the environment
    variable ``CHIMERA_DATA_HOME``, then ``shared/data`` beside the current
    directory or beside any of its parents (the team layout puts the checkout
    next to ``shared/``), then beside the package source tree.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        When no such folder exists; the message says how to point at one.

    Examples
    --------
    >>> import tempfile
    >>> from chimera_sklearn.datasets import get_data_home
    >>> folder = tempfile.mkdtemp()
    >>> str(get_data_home(folder)) == folder
    True
    """
    if data_home is not None:
        path = Path(data_home)
        if not path.is_dir():
            raise FileNotFoundError(f"data_home {str(path)!r} is not a folder.")
        return path
    if os.environ.get(_ENV):
        return get_data_home(os.environ[_ENV])
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for folder in (start, *start.parents):
            candidate = folder / "shared" / "data"
            if candidate.is_dir():
                return candidate
    raise FileNotFoundError(
        "Could not find the labelled log data (shared/data). Set the environment "
        f"variable {_ENV} or pass data_home=... pointing at the folder that holds "
        "loghub_2k/, hdfs_v1/ and bgl_chimera_windows/."
    )


def iter_lines(path, *, encoding="utf-8", errors="replace"):
    """Yield the lines of a log file lazily, without line endings (CR and LF).

    ``.gz`` files are decompressed on the fly.  Undecodable bytes are replaced
    (``errors="replace"``) so that one bad byte never stops a diagnosis.

    Examples
    --------
    >>> import os, tempfile
    >>> from chimera_sklearn.datasets import iter_lines
    >>> path = os.path.join(tempfile.mkdtemp(), "app.log")
    >>> with open(path, "wb") as fh:
    ...     _ = fh.write(b"first line\\r\\nsecond line\\n")
    >>> lines = iter_lines(path)
    >>> next(lines)
    'first line'
    """
    path = Path(path)
    if path.suffix == ".gz":
        import gzip

        opener = gzip.open(path, "rt", encoding=encoding, errors=errors, newline="")
    else:
        opener = open(path, encoding=encoding, errors=errors, newline="")
    with opener as fh:
        for line in fh:
            yield line.rstrip("\r\n")


def read_lines(path, *, encoding="utf-8", errors="replace"):
    """Read a log file as a list of lines (see :func:`iter_lines`).

    Examples
    --------
    >>> import os, tempfile
    >>> from chimera_sklearn.datasets import read_lines
    >>> path = os.path.join(tempfile.mkdtemp(), "app.log")
    >>> with open(path, "wb") as fh:
    ...     _ = fh.write(b"first line\\r\\nsecond line\\n")
    >>> read_lines(path)
    ['first line', 'second line']
    """
    return list(iter_lines(path, encoding=encoding, errors=errors))


def load_window_file(path):
    """Load a pre-windowed ``label:ids:line-labels`` file.

    Each line of the file is ``<window label>:<space-separated template ids>:
    <space-separated 0/1 line labels>``, as in the Chimera BGL release.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    X : ndarray of shape (n_windows, window_size), dtype int64
        Template ids (the ids of the file, unchanged).
    y : ndarray of shape (n_windows,), dtype int64
        Window labels.
    root_cause : ndarray of shape (n_windows, window_size), dtype int8
        Per-line root-cause labels.

    Examples
    --------
    >>> import os, tempfile
    >>> from chimera_sklearn.datasets import load_window_file
    >>> path = os.path.join(tempfile.mkdtemp(), "windows.txt")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("0:4 5 6:0 0 0\\n1:4 9 6:0 1 0\\n")
    >>> X, y, root_cause = load_window_file(path)
    >>> X
    array([[4, 5, 6],
           [4, 9, 6]])
    >>> y, root_cause[1]
    (array([0, 1]), array([0, 1, 0], dtype=int8))
    """
    ids, labels, lines = [], [], []
    with open(path, encoding="utf-8") as fh:
        for lineno, row in enumerate(fh, 1):
            row = row.strip()
            if not row:
                continue
            parts = row.split(":")
            if len(parts) != 3:
                raise ValueError(
                    f"{path}:{lineno}: expected 'label:ids:line-labels', got "
                    f"{len(parts)} field(s)."
                )
            labels.append(int(parts[0]))
            ids.append(parts[1].split())
            lines.append(parts[2].split())
    if not ids:
        raise ValueError(f"{path} holds no windows.")
    try:
        X = np.asarray(ids, dtype=np.int64)
        rc = np.asarray(lines, dtype=np.int8)
    except ValueError:
        raise ValueError(f"{path}: windows have different lengths.") from None
    if X.shape != rc.shape:
        raise ValueError(f"{path}: ids and line labels differ in length.")
    return X, np.asarray(labels, dtype=np.int64), rc


def load_bgl_windows(split="train", *, data_home=None, unique=False):
    """Load the Chimera BGL windows (20 template ids, per-line labels).

    Parameters
    ----------
    split : {"train", "dev"}, default="train"
        The released split; the test split is held back for independent
        evaluation and is not available.
    data_home : path-like, default=None
        See :func:`get_data_home`.
    unique : bool, default=False
        Drop duplicated windows (the anomalous files are oversampled by
        duplication), keeping first occurrences in file order.

    Returns
    -------
    X : ndarray of shape (n_windows, 20), dtype int64
        Normal windows first, then anomalous windows, as in the files.
    y : ndarray of shape (n_windows,)
    root_cause : ndarray of shape (n_windows, 20), dtype int8

    Examples
    --------
    The data folder (``../shared/data``, see :func:`get_data_home`) is needed:

    >>> from chimera_sklearn.datasets import load_bgl_windows
    >>> X, y, root_cause = load_bgl_windows("dev", unique=True)
    >>> X.shape, int(y.sum())
    ((4875, 20), 466)
    """
    if split not in ("train", "dev"):
        raise ValueError(
            f"split must be 'train' or 'dev', got {split!r} (the test split is "
            "held back for independent evaluation)."
        )
    folder = get_data_home(data_home) / "bgl_chimera_windows"
    parts = [load_window_file(folder / f"{p}_{split}.txt") for p in ("n", "an")]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    rc = np.concatenate([p[2] for p in parts])
    if unique:
        key = np.concatenate([X, rc.astype(np.int64), y[:, None]], axis=1)
        _, first = np.unique(key, axis=0, return_index=True)
        first = np.sort(first)
        X, y, rc = X[first], y[first], rc[first]
    return X, y, rc


_LABELLED_SYSTEMS = {"BGL", "Thunderbird"}


def load_loghub(system, *, data_home=None):
    """Load a loghub 2k sample: raw lines, labels and the ground-truth templates.

    Parameters
    ----------
    system : str
        A loghub system name, e.g. ``"BGL"``, ``"HDFS"``, ``"OpenStack"``.
    data_home : path-like, default=None
        See :func:`get_data_home`.

    Returns
    -------
    Bunch
        ``lines`` (raw lines, no line endings), ``labels`` (per-line 0/1: for
        BGL and Thunderbird the first token is the alert tag, ``-`` = normal;
        all zeros for unlabelled systems), ``categories`` (the alert tag per
        line, ``""`` for normal lines), ``content`` and ``event_template``
        (from the structured CSV), ``labelled`` (bool) and ``log_format``
        (the loghub header format of the system, or ``None``).

    Examples
    --------
    The data folder (``../shared/data``, see :func:`get_data_home`) is needed:

    >>> from chimera_sklearn.datasets import load_loghub
    >>> bgl = load_loghub("BGL")
    >>> len(bgl.lines), int(bgl.labels.sum())
    (2000, 143)
    """
    home = get_data_home(data_home) / "loghub_2k"
    folder = home / system
    if not folder.is_dir():
        known = sorted(p.name for p in home.iterdir() if p.is_dir())
        raise ValueError(f"Unknown loghub system {system!r}; known: {known}.")
    lines = read_lines(folder / f"{system}_2k.log")
    content, templates = [], []
    with open(folder / f"{system}_2k.log_structured.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            content.append(row["Content"])
            templates.append(row["EventTemplate"])
    labelled = system in _LABELLED_SYSTEMS
    if labelled:
        categories = [line.split(" ", 1)[0] for line in lines]
        categories = ["" if c == "-" else c for c in categories]
    else:
        categories = [""] * len(lines)
    labels = np.array([c != "" for c in categories], dtype=np.int8)
    log_format = None
    try:
        from ..parsing import LOGHUB_FORMATS

        log_format = LOGHUB_FORMATS.get(system)
    except ImportError:  # pragma: no cover - parsing is part of the package
        pass
    return Bunch(
        lines=lines,
        labels=labels,
        categories=categories,
        content=content,
        event_template=templates,
        labelled=labelled,
        log_format=log_format,
    )


_BLOCK = re.compile(r"blk_-?\d+")


def load_hdfs(*, data_home=None):
    """Load ``HDFS_20000.log`` with its block sessions and block labels.

    Returns
    -------
    Bunch
        ``lines`` (20,000 raw lines), ``blocks`` (per line, the tuple of block
        ids it mentions, in order), ``block_labels`` (dict block id → 0/1 from
        ``anomaly_label.csv``).  Use ``make_windows(lines, groups=blocks)`` to
        get one session window per block.

    Examples
    --------
    The data folder (``../shared/data``, see :func:`get_data_home`) is needed:

    >>> from chimera_sklearn.datasets import load_hdfs
    >>> hdfs = load_hdfs()
    >>> len(hdfs.lines), hdfs.blocks[0]
    (20000, ('blk_-1608999687919862906',))
    """
    home = get_data_home(data_home) / "hdfs_v1"
    lines = read_lines(home / "HDFS_20000.log")
    blocks = [tuple(dict.fromkeys(_BLOCK.findall(line))) for line in lines]
    block_labels = {}
    with open(home / "anomaly_label.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            block_labels[row["BlockId"]] = int(row["Label"] == "Anomaly")
    return Bunch(lines=lines, blocks=blocks, block_labels=block_labels)
