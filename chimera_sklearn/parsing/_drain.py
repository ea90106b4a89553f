"""DrainParser: drain3 as a scikit-learn transformer over windows of log lines."""

import contextlib
import logging
import math
import numbers
from collections.abc import Iterable

import numpy as np
from drain3 import TemplateMiner
from drain3.drain import LogCluster, Node
from drain3.template_miner_config import TemplateMinerConfig
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..io import _safe as safe_io
from ._format import compile_log_format
from ._masking import DEFAULT_MASKING, CachedMasker, Masker

__all__ = ["DrainParser"]

PAD_ID = 0
UNK_ID = 1
PAD_TEMPLATE = "<PAD>"
UNK_TEMPLATE = "<UNK>"

_MATCH_STRATEGIES = ("never", "fallback", "always")
_OUTPUTS = ("templates", "ids")


@contextlib.contextmanager
def _quiet_drain3():
    """Silence drain3's INFO/WARNING logging for the duration of the block.

    Only the ``drain3`` logger's own level is changed (and restored); the root
    logger and its handlers are left alone.
    """
    logger = logging.getLogger("drain3")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(old)


def _validate_windows(X):
    """Check ``X`` (a sequence of windows of str lines); return a list of lists."""
    how = (
        "DrainParser expects X to be a sequence of windows, each window a "
        "sequence of str log lines, e.g. [['line 1', 'line 2'], ['line 3']]."
    )
    if X is None:
        raise TypeError(f"X is None. {how}")
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"X is a single {type(X).__name__}, not a sequence of windows. {how} "
            "For one window holding this one line use [[line]]."
        )
    if isinstance(X, dict):
        raise TypeError(f"X is a dict. {how}")
    if isinstance(X, np.ndarray):
        if X.ndim == 0:
            raise TypeError(f"X is a 0-d array. {how}")
        X = list(X)  # rows of a 2-D array are windows
    elif hasattr(X, "to_numpy") and not isinstance(X, list):  # pandas Series
        X = list(X.to_numpy())
    elif not isinstance(X, (list, tuple)):
        if not isinstance(X, Iterable):
            raise TypeError(f"X of type {type(X).__name__} is not a sequence. {how}")
        X = list(X)
    if len(X) == 0:
        raise ValueError(f"X is empty (0 windows); at least one is needed. {how}")
    if any(isinstance(w, str) for w in X):
        raise TypeError(
            "X looks like a flat list of lines (its items are str), but each sample "
            "must be a window, i.e. a sequence of lines. Wrap a single stream as "
            "[lines], or cut it into windows with chimera_sklearn.make_windows."
        )
    windows = []
    for i, window in enumerate(X):
        if window is None or (isinstance(window, float) and math.isnan(window)):
            raise ValueError(
                f"Window {i} is missing ({window!r}); every window must be a "
                "sequence of str lines (use [] for an empty window)."
            )
        if isinstance(window, (bytes, bytearray)):
            raise TypeError(
                f"Window {i} is bytes; decode it and split it into lines, e.g. "
                "data.decode('utf-8', errors='replace').splitlines()."
            )
        if isinstance(window, np.ndarray):
            window = window.tolist() if window.ndim == 1 else None
        elif not isinstance(window, (list, tuple)):
            window = (
                list(window)
                if isinstance(window, Iterable) and not isinstance(window, dict)
                else None
            )
        if window is None:
            raise TypeError(
                f"Window {i} is not a sequence of lines (got "
                f"{type(X[i]).__name__}). {how}"
            )
        for j, line in enumerate(window):
            if isinstance(line, str):
                continue
            if isinstance(line, (bytes, bytearray)):
                raise TypeError(
                    f"Line {j} of window {i} is bytes; decode the lines to str "
                    "first, e.g. line.decode('utf-8', errors='replace')."
                )
            if line is None or (
                isinstance(line, numbers.Real) and math.isnan(float(line))
            ):
                raise ValueError(
                    f"Line {j} of window {i} is missing ({line!r}); drop missing "
                    "lines or replace them with '' before parsing."
                )
            raise TypeError(
                f"Line {j} of window {i} is a {type(line).__name__} ({line!r}), "
                "not a str; log lines must be str (convert with str() if that is "
                "really intended)."
            )
        windows.append(window)
    return windows


def _resolve_masking(masking):
    if masking is None:
        return ()
    if isinstance(masking, str):
        if masking == "default":
            return DEFAULT_MASKING
        raise ValueError(
            f"masking={masking!r} is not supported; use 'default', None or a tuple "
            "of (regex, name) pairs."
        )
    try:
        pairs = tuple(tuple(p) for p in masking)
    except TypeError:
        pairs = None
    if pairs is None or not all(
        len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], str) for p in pairs
    ):
        raise ValueError(
            "masking must be 'default', None or a tuple of (regex, name) pairs of "
            f"str, e.g. ((r'\\d+', 'NUM'),); got {masking!r}."
        )
    return pairs


class DrainParser(TransformerMixin, BaseEstimator):
    """Parse windows of raw log lines into Drain templates (drain3).

    Each sample is a window (a sequence of ``str`` lines); the number of samples
    never changes.  ``fit`` mines templates with drain3 over all lines in their
    original order; ``transform`` maps every line to a learned template without
    changing the miner.

    Parameters
    ----------
    sim_th : float, default=0.7
        Drain similarity threshold: a line joins the most similar cluster of the
        same length if at least this fraction of its tokens equals the template.
        Higher than drain3's 0.4 because masked tokens (``<NUM>``...) count as
        equal; chosen by grouping accuracy on the loghub samples (see
        ``docs/parsing_benchmark.md``).
    depth : int, default=5
        Depth of the Drain prefix tree (at least 3): lines are routed by their
        length and first ``depth - 2`` tokens (drain3's default is 4).
    max_children : int, default=100
        Maximum number of children of an internal tree node.
    max_clusters : int or None, default=None
        Maximum number of clusters kept (LRU eviction); None for no limit.
    masking : 'default', None or tuple of (str, str), default='default'
        ``(regex, name)`` pairs; each match is replaced by ``<name>`` before
        Drain sees the line.  ``'default'`` is :data:`DEFAULT_MASKING`, None
        disables masking.  All patterns run in one combined regex pass: at each
        position the first pattern (in order) that matches wins, so list the
        specific patterns first.  (Patterns with back-references or named
        groups are applied one after the other instead, as drain3 does.)
    extra_delimiters : tuple of str, default=()
        Extra token delimiters, in addition to whitespace.
    parametrize_numeric_tokens : bool, default=True
        drain3 option: tokens holding a digit take the wildcard branch of the
        prefix tree.
    log_format : str or None, default=None
        Loghub-style format such as ``"<Date> <Time> <Level> <Component>:
        <Content>"`` (see :data:`LOGHUB_FORMATS`).  Only the ``<Content>`` part
        of each line is parsed.  A line that does not match the format is
        parsed whole (as if it were all content) and counted in
        ``n_unparsed_lines_``.  None parses whole lines.
    match_strategy : {'never', 'fallback', 'always'}, default='fallback'
        ``full_search_strategy`` of drain3's ``match`` used by ``transform``.
    output : {'templates', 'ids'}, default='templates'
        What ``transform`` returns per window: an object array of template
        strings, or an int64 array of template ids.
    cache : bool, default=True
        Memoise masking and Drain look-ups of repeated (masked) content.  Exact:
        the learned templates and ids are the same as with ``cache=False``,
        only faster.

    Attributes
    ----------
    miner_ : drain3.TemplateMiner
        The fitted miner.  Its configuration holds this parser's masking as a
        single drain3 masking instruction, so ``miner_.match(content)`` masks
        exactly as ``transform`` does (``miner_.extract_parameters`` does not
        know the individual mask names).
    templates_ : ndarray of str, dtype=object
        Template of each id: ``templates_[0] == '<PAD>'`` (padding, never
        produced by ``transform``), ``templates_[1] == '<UNK>'`` (unseen), and
        learned templates from id 2 on, in order of first appearance.
    vocabulary_ : dict of str to int
        Template string to id (the inverse of ``templates_``).
    n_templates_ : int
        Number of learned templates (``len(templates_) - 2``).
    cluster_sizes_ : ndarray of int64
        Number of fitted lines per id (0 for the two reserved ids).
    n_unparsed_lines_ : int
        Lines seen in ``fit`` that did not match ``log_format`` (0 when
        ``log_format`` is None).

    See Also
    --------
    chimera_sklearn.parsing.DEFAULT_MASKING : Default masking set.
    chimera_sklearn.parsing.LOGHUB_FORMATS : Log formats of the loghub systems.

    Notes
    -----
    *Templates and ids.*  drain3 clusters whose templates are the same string
    share one id.  Masks show as ``<NAME>``, Drain's own wildcards as ``<*>``.

    *Unseen lines.*  A line that matches no learned template gets id 1
    (``'<UNK>'``) with ``output='ids'``.  With ``output='templates'`` it is
    returned as its masked content (variables already replaced by ``<NAME>``),
    so that a downstream semantic embedder still receives its words.  An empty
    or blank line belongs to the template ``''`` if ``fit`` saw one, else it is
    unseen.  Empty windows give empty arrays.

    *Fit versus transform.*  ``fit`` assigns lines to clusters as Drain does
    while it learns; ``transform`` (and ``fit_transform``, which equals
    ``fit(X).transform(X)``) matches every line against the final templates
    with drain3's ``match``, so a fitted line can map to a more general
    template than the one it helped create.

    *Speed.*  Log content repeats: masking runs once per distinct content (and,
    since the default patterns never distinguish one digit from another, once
    per distinct content up to its digits), and a repeat of masked content
    skips the Drain tree as long as nothing changed among the clusters of its
    length (the result is then provably the same).  ``transform`` matches each
    distinct content once.  ``cache=False`` runs the plain drain3 loop,
    ``TemplateMiner.add_log_message`` line by line.

    *Threads.*  ``transform`` only reads the fitted miner and is safe to call
    from several threads; ``fit`` mutates drain3 structures that have no locks,
    so never fit one instance from several threads at once.  Pickling
    (``joblib``) is the way to persist a fitted parser; no drain3 persistence
    handler is used and no ``drain3.ini`` file is read.

    ``set_output`` is accepted and ignored: the output is ragged (one array per
    window) and cannot become a DataFrame.

    Examples
    --------
    >>> from chimera_sklearn.parsing import DrainParser
    >>> X = [["connected to 10.0.0.1 in 5 ms", "connected to 10.0.0.2 in 7 ms"],
    ...      ["disk full on /dev/sda1"]]
    >>> parser = DrainParser(output="ids").fit(X)
    >>> parser.templates_.tolist()
    ['<PAD>', '<UNK>', 'connected to <IP> in <NUM> ms', 'disk full on <PATH>']
    >>> parser.transform([["connected to 10.1.1.1 in 9 ms", "a new line"]])[0]
    array([2, 1])
    >>> DrainParser().fit(X).transform([["a new line"]])[0]
    array(['a new line'], dtype=object)
    """

    def __init__(
        self,
        *,
        sim_th=0.7,
        depth=5,
        max_children=100,
        max_clusters=None,
        masking="default",
        extra_delimiters=(),
        parametrize_numeric_tokens=True,
        log_format=None,
        match_strategy="fallback",
        output="templates",
        cache=True,
    ):
        self.sim_th = sim_th
        self.depth = depth
        self.max_children = max_children
        self.max_clusters = max_clusters
        self.masking = masking
        self.extra_delimiters = extra_delimiters
        self.parametrize_numeric_tokens = parametrize_numeric_tokens
        self.log_format = log_format
        self.match_strategy = match_strategy
        self.output = output
        self.cache = cache

    # ------------------------------------------------------------------ params
    def _check_params(self):
        if not isinstance(self.sim_th, numbers.Real) or not 0 <= self.sim_th <= 1:
            raise ValueError(f"sim_th must be a float in [0, 1], got {self.sim_th!r}.")
        for name, low in (("depth", 3), ("max_children", 2)):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
        if self.max_clusters is not None and (
            not isinstance(self.max_clusters, numbers.Integral) or self.max_clusters < 1
        ):
            raise ValueError(
                f"max_clusters must be None or an int >= 1, got {self.max_clusters!r}."
            )
        if isinstance(self.extra_delimiters, str) or not all(
            isinstance(d, str) and d for d in self.extra_delimiters
        ):
            raise ValueError(
                "extra_delimiters must be a tuple of non-empty str, e.g. ('=', ','); "
                f"got {self.extra_delimiters!r}."
            )
        if self.match_strategy not in _MATCH_STRATEGIES:
            raise ValueError(
                f"match_strategy must be one of {_MATCH_STRATEGIES}, got "
                f"{self.match_strategy!r}."
            )
        if self.output not in _OUTPUTS:
            raise ValueError(f"output must be one of {_OUTPUTS}, got {self.output!r}.")
        return _resolve_masking(self.masking)

    def _make_config(self, masker):
        config = TemplateMinerConfig()
        config.drain_sim_th = float(self.sim_th)
        config.drain_depth = int(self.depth)
        config.drain_max_children = int(self.max_children)
        config.drain_max_clusters = (
            None if self.max_clusters is None else int(self.max_clusters)
        )
        config.drain_extra_delimiters = list(self.extra_delimiters)
        config.parametrize_numeric_tokens = bool(self.parametrize_numeric_tokens)
        config.masking_instructions = [masker] if masker.masking else []
        config.mask_prefix = "<"
        config.mask_suffix = ">"
        config.profiling_enabled = False
        config.snapshot_interval_minutes = 0
        return config

    # --------------------------------------------------------------- content
    def _contents(self, lines, regex):
        """Message part of each line; also the number of unmatched lines."""
        if regex is None:
            return lines, 0
        contents = []
        append = contents.append
        match = regex.match
        n_unparsed = 0
        for line in lines:
            m = match(line.strip())
            if m is None:
                n_unparsed += 1
                append(line)
            else:
                append(m.group("Content"))
        return contents, n_unparsed

    # ------------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Mine templates from all lines of all windows, in order.

        Parameters
        ----------
        X : sequence of sequences of str
            Windows of raw log lines.
        y : None
            Ignored.

        Returns
        -------
        self : DrainParser
            The fitted parser.
        """
        self._fit(_validate_windows(X))
        return self

    def fit_transform(self, X, y=None):
        """Fit, then transform ``X``; same result as ``fit(X).transform(X)``.

        Faster than the two calls: ``X`` is validated and masked only once.

        Parameters
        ----------
        X : sequence of sequences of str
            Windows of raw log lines.
        y : None
            Ignored.

        Returns
        -------
        Xt : ndarray of shape (n_windows,), dtype=object
            See :meth:`transform`.
        """
        windows = _validate_windows(X)
        masked = self._fit(windows)
        return self._format(windows, self._match(masked), masked)

    def _fit(self, windows):
        """Fit on validated windows; return the masked content of every line."""
        masking = self._check_params()
        lines = [line for window in windows for line in window]
        regex = None
        if self.log_format is not None:
            regex, _ = compile_log_format(self.log_format)
        masker = Masker(masking)
        with _quiet_drain3():
            miner = TemplateMiner(
                persistence_handler=None, config=self._make_config(masker)
            )
        contents, n_unparsed = self._contents(lines, regex)
        if self.cache:
            masked = self._fit_cached(miner, contents, CachedMasker(masker))
        else:
            add = miner.add_log_message
            with _quiet_drain3():
                for content in contents:
                    add(content)
            masked = [masker(content) for content in contents]

        self.miner_ = miner
        self.n_unparsed_lines_ = int(n_unparsed)
        self._log_regex = regex
        self._build_vocabulary()
        return masked

    def _fit_cached(self, miner, contents, mask):
        """``miner.add_log_message`` over ``contents``, skipping exact repeats.

        ``Drain.add_log_message`` is a function of the masked content and of the
        clusters with the same number of tokens (sizes aside).  A repeat of
        masked content whose last insertion changed nothing ("none"), with no
        cluster of that length created or changed since (and, with
        ``max_clusters``, no cluster created at all, as it may evict), would go
        to the same cluster and change nothing again: only its size grows.
        """
        drain = miner.drain
        add = drain.add_log_message
        lru = drain.max_clusters is not None
        epochs = {}  # number of tokens -> count of structural changes
        n_created = 0
        seen = {}  # masked content -> (cluster, n_tokens, epoch, n_created)
        all_masked = []
        append = all_masked.append
        for content in contents:
            masked = mask(content)
            append(masked)
            entry = seen.get(masked)
            if entry is not None:
                cluster, n_tokens, epoch, created = entry
                if epochs[n_tokens] == epoch and (not lru or created == n_created):
                    cluster.size += 1
                    if lru:  # touch, as Drain.add_log_message does
                        drain.id_to_cluster[cluster.cluster_id]
                    continue
            cluster, change = add(masked)
            n_tokens = len(cluster.log_template_tokens)
            if change == "none":
                seen[masked] = (cluster, n_tokens, epochs[n_tokens], n_created)
            else:
                epochs[n_tokens] = epochs.get(n_tokens, 0) + 1
                if change == "cluster_created":
                    n_created += 1
        return all_masked

    def _build_vocabulary(self):
        templates = [PAD_TEMPLATE, UNK_TEMPLATE]
        vocabulary = {}
        sizes = [0, 0]
        cluster_to_id = {}
        clusters = sorted(self.miner_.drain.clusters, key=lambda c: c.cluster_id)
        for cluster in clusters:
            template = cluster.get_template()
            idx = vocabulary.get(template)
            if idx is None:
                idx = vocabulary[template] = len(templates)
                templates.append(template)
                sizes.append(0)
            sizes[idx] += cluster.size
            cluster_to_id[cluster.cluster_id] = idx
        self.templates_ = np.array(templates, dtype=object)
        self.vocabulary_ = vocabulary
        self.n_templates_ = len(templates) - 2
        self.cluster_sizes_ = np.asarray(sizes, dtype=np.int64)
        self._cluster_to_id = cluster_to_id

    # ------------------------------------------------------------- transform
    def _mask_lines(self, lines):
        """Masked content of each line, as the fitted miner sees it."""
        contents, _ = self._contents(lines, self._log_regex)
        instructions = self.miner_.config.masking_instructions
        masker = instructions[0] if instructions else Masker(())
        mask = CachedMasker(masker) if self.cache else masker
        return [mask(content) for content in contents]

    def _match(self, masked_contents):
        """Template id of each masked content; only reads the miner."""
        match = self.miner_.drain.match
        strategy = self.match_strategy
        cluster_to_id = self._cluster_to_id
        memo = {}
        ids = []
        append = ids.append
        for masked in masked_contents:
            idx = memo.get(masked)
            if idx is None:
                cluster = match(masked, strategy)
                idx = UNK_ID if cluster is None else cluster_to_id[cluster.cluster_id]
                if self.cache:
                    memo[masked] = idx
            append(idx)
        return ids

    def _format(self, windows, ids, masked):
        if self.output == "ids":
            flat = np.asarray(ids, dtype=np.int64)
        else:
            templates = self.templates_
            flat = np.empty(len(ids), dtype=object)
            flat[:] = [templates[i] if i != UNK_ID else m for i, m in zip(ids, masked)]
        out = np.empty(len(windows), dtype=object)
        start = 0
        for k, window in enumerate(windows):
            stop = start + len(window)
            out[k] = flat[start:stop].copy()
            start = stop
        return out

    def transform(self, X):
        """Map every line of every window to its template (or template id).

        Parameters
        ----------
        X : sequence of sequences of str
            Windows of raw log lines.

        Returns
        -------
        Xt : ndarray of shape (n_windows,), dtype=object
            One 1-D array per window, as long as the window: template strings
            (``output='templates'``; an unseen line gives its masked content)
            or int64 template ids (``output='ids'``; unseen lines give 1).
        """
        check_is_fitted(self)
        windows = _validate_windows(X)
        masked = self._mask_lines([line for window in windows for line in window])
        return self._format(windows, self._match(masked), masked)

    def parse_lines(self, lines):
        """Template ids of a flat sequence of lines (one stream, no windows).

        Parameters
        ----------
        lines : sequence of str
            Raw log lines.

        Returns
        -------
        ids : ndarray of shape (n_lines,), dtype=int64
            Template id per line (1 for unseen lines), whatever ``output`` is.
        """
        check_is_fitted(self)
        if lines is None:
            raise TypeError("lines is None; pass a sequence of str lines.")
        if isinstance(lines, (str, bytes)):
            raise TypeError(
                "lines must be a sequence of str lines, not a single "
                f"{type(lines).__name__}; use [line]."
            )
        (window,) = _validate_windows([lines])
        return np.asarray(self._match(self._mask_lines(window)), dtype=np.int64)

    def set_output(self, *, transform=None):
        """Accept and ignore an output container setting.

        The output is ragged (one array per window), so it cannot be a pandas
        or polars DataFrame; the method exists so that ``set_output`` on a
        whole ``Pipeline`` works.

        Parameters
        ----------
        transform : {'default', 'pandas', 'polars'} or None, default=None
            Ignored.

        Returns
        -------
        self : DrainParser
            This parser, unchanged.
        """
        return self

    # ---------------------------------------------------------- persistence
    def __getstate__(self):
        state = super().__getstate__()
        if safe_io.saving() and "miner_" in state:
            # chimera_sklearn.io.dump: the miner as plain lists and dicts,
            # rebuilt from them and this parser's parameters on load.
            state = dict(state)
            state["miner_"] = _miner_to_plain(self.miner_.drain)
            state.pop("_log_regex", None)
        return state

    def __setstate__(self, state):
        plain = state.get("miner_")
        if not (isinstance(plain, dict) and plain.get("format") == _PLAIN_MINER):
            super().__setstate__(state)
            return
        super().__setstate__({**state, "miner_": None})
        with _quiet_drain3():
            miner = TemplateMiner(
                persistence_handler=None,
                config=self._make_config(Masker(self._check_params())),
            )
        _plain_to_miner(plain, miner.drain)
        self.miner_ = miner
        self._log_regex = (
            None if self.log_format is None else compile_log_format(self.log_format)[0]
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = []
        return tags


_PLAIN_MINER = "drain3.Drain/1"


def _miner_to_plain(drain):
    """The state ``Drain.match`` reads, as nested lists and dicts."""

    def node(n):
        children = {key: node(child) for key, child in n.key_to_child_node.items()}
        return [children, list(n.cluster_ids)]

    return {
        "format": _PLAIN_MINER,
        "tree": node(drain.root_node),
        "clusters": [
            [c.cluster_id, list(c.log_template_tokens), c.size]
            for c in drain.id_to_cluster.values()
        ],
        "clusters_counter": drain.clusters_counter,
    }


def _plain_to_miner(plain, drain):
    """Fill a fresh ``Drain`` from :func:`_miner_to_plain`'s output."""

    def node(data):
        children, cluster_ids = data
        n = Node()
        n.key_to_child_node = {key: node(child) for key, child in children.items()}
        n.cluster_ids = list(cluster_ids)
        return n

    drain.root_node = node(plain["tree"])
    for cluster_id, tokens, size in plain["clusters"]:
        cluster = LogCluster(list(tokens), cluster_id)
        cluster.size = size
        drain.id_to_cluster[cluster_id] = cluster
    drain.clusters_counter = plain["clusters_counter"]
