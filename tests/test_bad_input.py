"""Bad input, stage by stage: the matrix of ``docs/user_guide/input_policy.rst``.

Every row names a stage, a kind of bad (or odd but valid) input and the
outcome: either a documented result, asserted exactly, or a ``ValueError`` /
``TypeError`` of exactly that type whose message contains the given text.  No
row may end in an ``IndexError``, ``KeyError``, ``AttributeError``, a
``RuntimeError`` from torch or drain3, or a silent wrong answer.

The table in the documentation is generated from ``MATRIX``: after changing a
row, run ``python tests/test_bad_input.py`` and paste its output into
``docs/user_guide/input_policy.rst`` (``test_policy_page_lists_the_matrix``
checks that the two agree).

Tiny data and models: the whole file runs in seconds on one thread.
"""

import functools
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pytest

from chimera_sklearn import (
    ChimeraDiagnoser,
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    make_pipeline,
    make_windows,
)
from chimera_sklearn.baselines import LinearDiagnoser
from chimera_sklearn.datasets import iter_lines
from chimera_sklearn.windowing import iter_windows, padding_mask

DOC = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "input_policy.rst"

MB = 1_000_000


# ------------------------------------------------------------------- outcomes
class Raises(NamedTuple):
    """``exc`` exactly, with ``text`` (a plain substring) in its message."""

    exc: type
    text: str


class Gives(NamedTuple):
    """A documented result: ``check(result)`` is true."""

    text: str
    check: Callable


class Case(NamedTuple):
    input: str  # the kind of bad input (the list)
    stage: str
    what: str  # the input, in words
    call: Callable
    expected: object  # Raises or Gives
    xfail: str = ""  # reason, for a known gap (then ``expected`` is the goal)


# ----------------------------------------------------------------------- data
TEXT = [
    ["connected to 10.0.0.1 in 5 ms", "disk full on /dev/sda1", ""],
    ["user alice logged in", "connected to 10.0.0.2 in 7 ms"],
]
UNSEEN = "kernel panic at 0xdeadbeef"
CTRL = "ctrl \x00\x01\x1b[31m red \x7f tab\tend"

_rng = np.random.RandomState(0)
Y = np.r_[np.zeros(8, np.int64), np.ones(8, np.int64)]
X_VEC = _rng.normal(size=(16, 5, 3)).astype(np.float32)  # precomputed vectors
X_IDS = _rng.randint(2, 6, size=(16, 5))  # template ids (0 = padding)
X_IDS[8:, 2] = 9
RC = np.zeros((16, 5), np.int64)
RC[8:, 2] = 1

TINY = dict(
    hidden_size=4,
    embedding_dim=4,
    localizer_hidden=(8,),
    detector_hidden=(8,),
    max_epochs=1,
    batch_size=8,
    random_state=0,
)


def _window(i):
    lines = [f"job {i} started", f"user u{i} logged in", f"job {i} done"]
    if i % 2:
        lines[1] = f"disk {i} failed on /dev/sda{i}"
    return lines


WINDOWS = [_window(i) for i in range(16)]  # raw lines, for the pipelines
Y_WINDOWS = np.arange(16) % 2


def _chimera(embedding, **kw):
    return ChimeraDiagnoser(embedding=embedding, **TINY, **kw)


def _pipe(kind):
    if kind == "templates":  # text path: embedded templates, precomputed model
        return make_pipeline(
            DrainParser(),
            SequenceWindower(size=4),
            TemplateEmbedder(n_components=4, random_state=0),
            _chimera("precomputed"),
        )
    if kind == "ids":  # id path: template ids, learned embedding
        return make_pipeline(
            DrainParser(output="ids"), SequenceWindower(size=4), _chimera("learned")
        )
    return make_pipeline(
        DrainParser(output="ids"), SequenceWindower(size=4), LinearDiagnoser()
    )


@functools.cache
def fitted(name):
    """Fitted objects shared by the rows (built on first use)."""
    if name == "parser":
        return DrainParser().fit(TEXT)
    if name == "parser-ids":
        return DrainParser(output="ids").fit(TEXT)
    if name == "windower":
        return SequenceWindower(size=3).fit([["a", "b"]])
    if name == "embedder":
        return TemplateEmbedder(n_components=4, random_state=0).fit(
            np.array(
                [["disk <*> failed", "user <*> logged in", ""], ["disk ok", "", ""]],
                dtype=object,
            )
        )
    if name == "chimera-vec":
        return _chimera("precomputed").fit(X_VEC, Y)
    if name == "chimera-ids":
        return _chimera("learned").fit(X_IDS, Y)
    if name == "linear-ids":
        return LinearDiagnoser().fit(X_IDS, Y)
    if name.startswith("pipe-"):
        return _pipe(name[5:]).fit(WINDOWS, Y_WINDOWS)
    raise KeyError(name)


def _with(X, index, value, dtype=float):
    X = np.array(X, dtype=dtype)
    X[index] = value
    return X


def _objects(rows):
    return np.array(rows, dtype=object)


def _read_bytes(data):
    """Write ``data`` to a file and read it back with ``iter_lines``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "app.log")
        with open(path, "wb") as fh:
            fh.write(data)
        return list(iter_lines(path))


def _empty_window_result(est, Z):
    """Outputs of ``est`` on windows made only of padding."""
    return (
        est.predict_proba(Z),
        est.predict_root_cause_proba(Z),
        est.predict_root_cause(Z, k=2),
    )


def _no_culprit(out):
    proba, scores, top = out
    return (
        np.all(np.isfinite(proba))
        and np.allclose(proba.sum(axis=1), 1)
        and np.all(scores == 0)
        and np.all(top == -1)
    )


def _vocab_only_reserved(parser):
    return parser.templates_.tolist() == ["<PAD>", "<UNK>"] and parser.n_templates_ == 0


def _unseen_ids_agree(clf):
    a = _with(X_IDS[:4], (slice(None), 0), 10_000, dtype=np.int64)
    b = _with(X_IDS[:4], (slice(None), 0), 777, dtype=np.int64)
    return np.array_equal(
        clf.predict_proba(a), clf.predict_proba(b)
    ) and np.array_equal(
        clf.predict_root_cause_proba(a), clf.predict_root_cause_proba(b)
    )


def _unseen_not_counted(clf):
    X = _with(X_IDS[:4], (slice(None), 0), 1234, dtype=np.int64)
    removed = _with(X_IDS[:4], (slice(None), 0), 0, dtype=np.int64)  # as padding
    return np.allclose(
        clf.decision_function(X), clf.decision_function(removed)
    ) and np.allclose(clf.predict_root_cause_proba(X)[:, 0], 0.5)


def _embed_unseen(emb):
    out = emb.transform(_objects([["zzz qqq", "disk <*> exploded", ""]]))[0]
    return (
        np.array_equal(out[0], emb.unknown_vector_)
        and not np.allclose(out[1], emb.unknown_vector_)
        and np.isclose(np.linalg.norm(out[1]), 1)
        and np.all(out[2] == 0)
    )


def _fit_root_cause(est, root_cause):
    return est.fit(X_IDS, Y, root_cause=root_cause)


def _ragged_rc():
    return [list(r[: 3 + i % 4]) for i, r in enumerate(RC)]


# -------------------------------------------------------------------- matrix
MW, IW, DP, SW, TE = (
    "make_windows",
    "iter_windows / iter_lines",
    "DrainParser",
    "SequenceWindower",
    "TemplateEmbedder",
)
CP, CL = (
    'ChimeraDiagnoser (embedding="precomputed")',
    'ChimeraDiagnoser (embedding="learned")',
)
PIPE, LIN = "Pipeline (make_pipeline)", "LinearDiagnoser"
# fmt: off
MATRIX = [
    # ------------------------------------------------------------------ None
    Case("None", MW, "lines=None", lambda: make_windows(None, size=2),
         Raises(TypeError, "lines is None")),
    Case("None", IW, "lines=None", lambda: list(iter_windows(None, size=2)),
         Raises(TypeError, "lines is None")),
    Case("None", DP, "fit(None)", lambda: DrainParser().fit(None),
         Raises(TypeError, "X is None")),
    Case("None", DP, "transform(None)", lambda: fitted("parser").transform(None),
         Raises(TypeError, "X is None")),
    Case("None", DP, "parse_lines(None)", lambda: fitted("parser").parse_lines(None),
         Raises(TypeError, "lines is None")),
    Case("None", DP, "a None line", lambda: DrainParser().fit([["ok", None]]),
         Raises(ValueError, "Line 1 of window 0 is missing (None)")),
    Case("None", SW, "fit(None)", lambda: SequenceWindower().fit(None),
         Raises(TypeError, "got NoneType")),
    Case("None", TE, "fit(None)", lambda: TemplateEmbedder().fit(None),
         Raises(TypeError, "got NoneType")),
    Case("None", TE, "a None template", lambda: TemplateEmbedder().fit(
        _objects([["a", None]])), Raises(TypeError, "X holds a NoneType value")),
    Case("None", CP, "fit(None, y)", lambda: _chimera("precomputed").fit(None, Y),
         Raises(ValueError, "Expected 2D array, got scalar array")),
    Case("None", CL, "fit(None, y)", lambda: _chimera("learned").fit(None, Y),
         Raises(ValueError, "Expected 2D array, got scalar array")),
    Case("None", CL, "fit(X, None)", lambda: _chimera("learned").fit(X_IDS, None),
         Raises(ValueError, "requires y to be passed")),
    Case("None", CL, "predict(None)", lambda: fitted("chimera-ids").predict(None),
         Raises(ValueError, "Expected 2D array, got scalar array")),
    Case("None", PIPE, "fit(None, y)", lambda: _pipe("ids").fit(None, Y_WINDOWS),
         Raises(TypeError, "X is None")),
    Case("None", PIPE, "predict(None)", lambda: fitted("pipe-ids").predict(None),
         Raises(TypeError, "X is None")),
    Case("None", LIN, "fit(None, y)", lambda: LinearDiagnoser().fit(None, Y),
         Raises(ValueError, "Expected 2D array, got scalar array")),
    Case("None", LIN, "fit(X, None)", lambda: LinearDiagnoser().fit(X_IDS, None),
         Raises(ValueError, "requires y to be passed")),
    # ----------------------------------------------------------- empty input
    Case("empty input", MW, "no lines", lambda: make_windows([], size=2),
         Raises(ValueError, "lines is empty")),
    Case("empty input", IW, "no lines", lambda: list(iter_windows([], size=2)),
         Gives("no chunk at all", lambda out: out == [])),
    Case("empty input", DP, "no windows", lambda: DrainParser().fit([]),
         Raises(ValueError, "X is empty (0 windows)")),
    Case("empty input", DP, "no windows, transform",
         lambda: fitted("parser").transform([]),
         Raises(ValueError, "X is empty (0 windows)")),
    Case("empty input", DP, "parse_lines([])",
         lambda: fitted("parser-ids").parse_lines([]),
         Gives("an empty int64 array",
               lambda out: out.shape == (0,) and out.dtype == np.int64)),
    Case("empty input", SW, "no windows", lambda: SequenceWindower().fit([]),
         Raises(ValueError, "X is empty")),
    Case("empty input", TE, "no windows", lambda: TemplateEmbedder().fit([]),
         Raises(ValueError, "X is empty")),
    Case("empty input", TE, "an array of 0 windows",
         lambda: TemplateEmbedder().fit(np.empty((0, 3), dtype=object)),
         Raises(ValueError, "X is empty")),
    Case("empty input", CP, "0 windows", lambda: _chimera("precomputed").fit(
        X_VEC[:0], Y[:0]), Raises(ValueError, "0 sample(s)")),
    Case("empty input", CL, "0 windows", lambda: _chimera("learned").fit(
        X_IDS[:0], Y[:0]), Raises(ValueError, "0 sample(s)")),
    Case("empty input", CL, "predict on 0 windows",
         lambda: fitted("chimera-ids").predict(X_IDS[:0]),
         Raises(ValueError, "0 sample(s)")),
    Case("empty input", PIPE, "fit on no windows", lambda: _pipe("ids").fit([], []),
         Raises(ValueError, "X is empty (0 windows)")),
    Case("empty input", PIPE, "predict on no windows",
         lambda: fitted("pipe-ids").predict([]),
         Raises(ValueError, "X is empty (0 windows)")),
    Case("empty input", LIN, "0 windows", lambda: LinearDiagnoser().fit(
        X_IDS[:0], Y[:0]), Raises(ValueError, "0 sample(s)")),
    # --------------------------------------------------------- empty windows
    Case("empty windows", MW, "3 lines, size=2",
         lambda: make_windows(["a", "b", "c"], size=2).X,
         Gives("never an empty window: the last one is shorter",
               lambda X: X == [["a", "b"], ["c"]])),
    Case("empty windows", MW, "no line has a session key",
         lambda: make_windows(["a", "b"], groups=[None, None]),
         Raises(ValueError, "groups holds no session key")),
    Case("empty windows", DP, "empty windows, ``output='ids'``",
         lambda: fitted("parser-ids").transform([[], ["disk full on /dev/sdb"], []]),
         Gives("an empty int64 array per empty window; samples kept",
               lambda Xt: [w.tolist() for w in Xt] == [[], [3], []]
               and Xt[0].dtype == np.int64)),
    Case("empty windows", DP, "empty windows, ``output='templates'``",
         lambda: fitted("parser").transform([[]]),
         Gives("an empty object array",
               lambda Xt: Xt[0].shape == (0,) and Xt[0].dtype == object)),
    Case("empty windows", DP, "fit on empty windows only",
         lambda: DrainParser(output="ids").fit([[], []]),
         Gives("no learned template; every line is then unseen (id 1)",
               lambda p: _vocab_only_reserved(p)
               and p.transform([["a b"]])[0].tolist() == [1])),
    Case("empty windows", SW, "an empty window",
         lambda: SequenceWindower(size=3).fit_transform([["a"], []]),
         Gives("a row of padding (``''``)",
               lambda Xt: Xt.tolist() == [["a", "", ""], ["", "", ""]])),
    Case("empty windows", SW, "only empty windows of DrainParser ids",
         lambda: SequenceWindower(size=2).fit_transform(
             DrainParser(output="ids").fit([["a"]]).transform([[], []])),
         Gives("int64 padding (0), as for non-empty id windows",
               lambda Xt: Xt.dtype == np.int64 and Xt.tolist() == [[0, 0], [0, 0]])),
    Case("empty windows", TE, "transform an all-padding window",
         lambda: fitted("embedder").transform(_objects([["", "", ""]])),
         Gives("zero vectors (padding)",
               lambda Xt: Xt.shape == (1, 3, 4) and np.all(Xt == 0))),
    Case("empty windows", TE, "fit on padding only",
         lambda: TemplateEmbedder().fit(_objects([["", ""]])),
         Raises(ValueError, "X holds only padding")),
    Case("empty windows", CP, "predict all-zero (padding) windows",
         lambda: _empty_window_result(fitted("chimera-vec"), np.zeros((2, 5, 3))),
         Gives("finite probabilities, root-cause scores 0, no culprit (-1)",
               _no_culprit)),
    Case("empty windows", CL, "predict all-padding (id 0) windows",
         lambda: _empty_window_result(fitted("chimera-ids"), np.zeros((2, 5), int)),
         Gives("finite probabilities, root-cause scores 0, no culprit (-1)",
               _no_culprit)),
    Case("empty windows", CL, "windows of 0 positions",
         lambda: _chimera("learned").fit(X_IDS[:, :0], Y),
         Raises(ValueError, "0 feature(s)")),
    Case("empty windows", CP, "windows of 0 positions, 3-D",
         lambda: _chimera("precomputed").fit(X_VEC[:, :0], Y),
         Raises(ValueError, "0 lines")),
    Case("empty windows", CP, "lines of 0 features, 3-D",
         lambda: _chimera("precomputed").fit(X_VEC[:, :, :0], Y),
         Raises(ValueError, "0 features")),
    Case("empty windows", CL, "fit on padding only",
         lambda: _chimera("learned").fit(np.zeros((16, 5), int), Y),
         Raises(ValueError, "only padding")),
    Case("empty windows", PIPE, "predict an empty window (text path)",
         lambda: _empty_window_result(fitted("pipe-templates"), [[], WINDOWS[1]]),
         Gives("the empty window: no culprit (-1), scores 0",
               lambda out: np.all(out[1][0] == 0) and np.all(out[2][0] == -1))),
    Case("empty windows", PIPE, "predict an empty window (id path)",
         lambda: _empty_window_result(fitted("pipe-ids"), [[], WINDOWS[1]]),
         Gives("the empty window: no culprit (-1), scores 0",
               lambda out: np.all(out[1][0] == 0) and np.all(out[2][0] == -1))),
    Case("empty windows", PIPE, "fit on empty windows only (text path)",
         lambda: _pipe("templates").fit([[]] * 16, Y_WINDOWS),
         Raises(ValueError, "X holds only padding")),
    Case("empty windows", PIPE, "fit on empty windows only (LinearDiagnoser)",
         lambda: _pipe("linear").fit([[]] * 16, Y_WINDOWS),
         Raises(ValueError, "only padding")),
    Case("empty windows", LIN, "predict all-padding windows",
         lambda: _empty_window_result(fitted("linear-ids"), np.zeros((2, 5), int)),
         Gives("finite probabilities, root-cause scores 0, no culprit (-1)",
               _no_culprit)),
    Case("empty windows", LIN, "fit on padding only",
         lambda: LinearDiagnoser().fit(np.zeros((16, 5), int), Y),
         Raises(ValueError, "only padding")),
    Case("empty windows", LIN, "windows of 0 positions, 3-D",
         lambda: LinearDiagnoser().fit(X_VEC[:, :0], Y),
         Raises(ValueError, "windows of 0 lines")),
    Case("empty windows", LIN, "lines of 0 features, 3-D",
         lambda: LinearDiagnoser().fit(X_VEC[:, :, :0], Y),
         Raises(ValueError, "lines of 0 features")),
    # ----------------------------------------------------------- empty lines
    Case("empty lines", MW, "empty and blank lines",
         lambda: make_windows(["", "  ", "a"], size=3).X,
         Gives("kept as lines", lambda X: X == [["", "  ", "a"]])),
    Case("empty lines", IW, "a blank line in a file",
         lambda: _read_bytes(b"a\r\n\r\n   \nb"),
         Gives("``''`` (and ``'   '`` kept)",
               lambda out: out == ["a", "", "   ", "b"])),
    Case("empty lines", DP, "``''``, ``'   '``, ``'\\t'`` after fit saw ``''``",
         lambda: (fitted("parser-ids"),
                  fitted("parser-ids").transform([["", "   ", "\t"]])[0]),
         Gives("the id of the template ``''`` for all three",
               lambda r: r[1].tolist() == [r[0].vocabulary_[""]] * 3)),
    Case("empty lines", DP,
         "``''``, ``'   '`` after fit saw ``''``, ``output='templates'``",
         lambda: fitted("parser").transform([["", "   "]])[0],
         Gives("the template ``''``", lambda t: t.tolist() == ["", ""])),
    Case("empty lines", DP, "``''`` when fit saw no empty line, ``output='ids'``",
         lambda: DrainParser(output="ids").fit([["a b"]]).transform([["", " "]])[0],
         Gives("unseen: id 1", lambda t: t.tolist() == [1, 1])),
    Case("empty lines", DP, "``''`` when fit saw no empty line, ``output='templates'``",
         lambda: DrainParser().fit([["a b"]]).transform([["", " "]])[0],
         Gives("unseen: the line itself (``''`` and ``' '``)",
               lambda t: t.tolist() == ["", " "])),
    Case("empty lines", SW, "the template ``''``",
         lambda: padding_mask(SequenceWindower(size=3).fit_transform([["", "a"]])),
         Gives("the padding token: a padding position",
               lambda m: m.tolist() == [[False, True, False]])),
    Case("empty lines", TE, "the templates ``''`` and ``'   '``",
         lambda: (fitted("embedder"),
                  fitted("embedder").transform(_objects([["", "   "]]))[0]),
         Gives("``''``: the zero vector (padding); ``'   '``: the unknown vector",
               lambda r: np.all(r[1][0] == 0)
               and np.array_equal(r[1][1], r[0].unknown_vector_))),
    Case("empty lines", PIPE, "a window of empty lines (text path)",
         lambda: fitted("pipe-templates").predict_root_cause_proba([["", ""]]),
         Gives("padding, like an empty window: scores 0",
               lambda s: s.shape == (1, 4) and np.all(s == 0))),
    Case("empty lines", PIPE, "a window of empty lines (id path)",
         lambda: fitted("pipe-ids").predict_root_cause_proba([["", ""]]),
         Gives("real (unseen) lines: scores > 0 at positions 0-1 only",
               lambda s: np.all(s[0, :2] > 0) and np.all(s[0, 2:] == 0))),
    # ---------------------------------------------------- non-string lines
    Case("non-string lines", MW, "an int line", lambda: make_windows(["a", 3], size=2),
         Raises(TypeError, "lines[1] is int, not str")),
    Case("non-string lines", MW, "a None line",
         lambda: make_windows(["a", None], size=2),
         Raises(TypeError, "lines[1] is NoneType, not str")),
    Case("non-string lines", MW, "windows instead of a stream",
         lambda: make_windows([["a", "b"]], size=2),
         Raises(TypeError, "lines[0] is list, not str")),
    Case("non-string lines", IW, "an int line",
         lambda: list(iter_windows(["a", 3], size=2)),
         Raises(TypeError, "line 1 is int, not str")),
    Case("non-string lines", DP, "an int line", lambda: DrainParser().fit([["ok", 3]]),
         Raises(TypeError, "Line 1 of window 0 is a int")),
    Case("non-string lines", DP, "a flat list of lines",
         lambda: DrainParser().fit(["line one", "line two"]),
         Raises(TypeError, "flat list of lines")),
    Case("non-string lines", DP, "a number as a window",
         lambda: DrainParser().fit([["ok"], 5]),
         Raises(TypeError, "Window 1 is not a sequence of lines")),
    Case("non-string lines", SW, "a window mixing str and int",
         lambda: SequenceWindower().fit([["a", 1]]),
         Raises(TypeError, "X[0] mixes template strings with a int")),
    Case("non-string lines", SW, "windows of str and windows of int",
         lambda: SequenceWindower().fit([["a"], [1]]),
         Raises(TypeError, "X mixes windows of strings and windows of integer ids")),
    Case("non-string lines", SW, "float tokens",
         lambda: SequenceWindower().fit([[1.5]]),
         Raises(TypeError, "X[0] holds float64 values")),
    Case("non-string lines", SW, "raw lines, no parser",
         lambda: SequenceWindower().fit(["raw line one", "raw line two"]),
         Raises(TypeError, "Put a DrainParser before the SequenceWindower")),
    Case("non-string lines", SW, "int tokens after fit on str",
         lambda: fitted("windower").transform([[1, 2]]),
         Raises(TypeError, "fitted on str tokens but got int tokens")),
    Case("non-string lines", TE, "template ids",
         lambda: TemplateEmbedder().fit(np.array([[2, 3]])),
         Raises(TypeError, "X holds integer ids")),
    Case("non-string lines", CP, "template strings",
         lambda: _chimera("precomputed").fit(
             _objects([["a", "b"], ["c", "d"]]), [0, 1]),
         Raises(ValueError, "could not convert string to float")),
    Case("non-string lines", CP, "template ids (2-D int)",
         lambda: _chimera("precomputed").fit(X_IDS, Y).n_line_features_,
         Gives("read as one scalar feature per line (use ``embedding='learned'``)",
               lambda n: n == 1)),
    Case("non-string lines", CL, "template strings",
         lambda: _chimera("learned").fit(_objects([["a", "b"], ["c", "d"]]), [0, 1]),
         Raises(TypeError, 'embedding="learned" needs integer template ids')),
    Case("non-string lines", CL, "non-integral floats",
         lambda: _chimera("learned").fit(X_IDS + 0.5, Y),
         Raises(TypeError, 'embedding="learned" needs integer template ids')),
    Case("non-string lines", CL, "negative ids",
         lambda: _chimera("learned").fit(X_IDS - 10, Y),
         Raises(ValueError, "Template ids must be >= 0")),
    Case("non-string lines", PIPE, "an int line",
         lambda: fitted("pipe-ids").predict([[3]]),
         Raises(TypeError, "Line 0 of window 0 is a int")),
    Case("non-string lines", LIN, "template strings",
         lambda: LinearDiagnoser().fit(np.array([["a", "b"], ["c", "d"]]), [0, 1]),
         Raises(ValueError, "not compatible with arrays of bytes/strings")),
    Case("non-string lines", LIN, "negative ids",
         lambda: LinearDiagnoser().fit(X_IDS - 10, Y),
         Raises(ValueError, "Template ids must be >= 0")),
    # ----------------------------------------------------------------- bytes
    Case("bytes", MW, "the whole log as one str", lambda: make_windows("a\nb", size=2),
         Raises(TypeError, "got a single str; split it first")),
    Case("bytes", MW, "the whole log as bytes", lambda: make_windows(b"a\nb", size=2),
         Raises(TypeError, "got a single bytes; split it first")),
    Case("bytes", MW, "a bytes line", lambda: make_windows([b"a"], size=2),
         Raises(TypeError, "Decode bytes first")),
    Case("bytes", IW, "the whole log as one str",
         lambda: list(iter_windows("a\nb", size=2)),
         Raises(TypeError, "got a single str; split it first")),
    Case("bytes", IW, "the whole log as bytes",
         lambda: list(iter_windows(b"a\nb", size=2)),
         Raises(TypeError, "got a single bytes; split it first")),
    Case("bytes", DP, "X as one str", lambda: DrainParser().fit("a line"),
         Raises(TypeError, "X is a single str")),
    Case("bytes", DP, "X as bytes", lambda: DrainParser().fit(b"a"),
         Raises(TypeError, "X is a single bytes")),
    Case("bytes", DP, "a bytes window", lambda: DrainParser().fit([b"a b"]),
         Raises(TypeError, "Window 0 is bytes; decode it")),
    Case("bytes", DP, "a bytes line", lambda: DrainParser().fit([[b"a b"]]),
         Raises(TypeError, "Line 0 of window 0 is bytes; decode")),
    Case("bytes", SW, "a bytes window", lambda: SequenceWindower().fit([b"ab"]),
         Raises(TypeError, "X[0] is bytes")),
    Case("bytes", SW, "bytes tokens", lambda: SequenceWindower().fit([[b"a"]]),
         Raises(TypeError, "windows must hold template strings or integer")),
    Case("bytes", TE, "bytes templates",
         lambda: TemplateEmbedder().fit(_objects([[b"a", "b"]])),
         Raises(TypeError, "X holds a bytes value")),
    Case("bytes", CP, "bytes", lambda: _chimera("precomputed").fit(
        np.array([[b"a", b"b"], [b"c", b"d"]]), [0, 1]),
         Raises(ValueError, "could not convert string to float")),
    Case("bytes", CL, "bytes", lambda: _chimera("learned").fit(
        np.array([[b"a", b"b"], [b"c", b"d"]]), [0, 1]),
         Raises(TypeError, 'embedding="learned" needs integer template ids')),
    Case("bytes", PIPE, "a bytes line", lambda: fitted("pipe-ids").predict([[b"x"]]),
         Raises(TypeError, "Line 0 of window 0 is bytes; decode")),
    Case("bytes", LIN, "bytes", lambda: LinearDiagnoser().fit(
        np.array([[b"a", b"b"], [b"c", b"d"]]), [0, 1]),
         Raises(ValueError, "not compatible with arrays of bytes/strings")),
    # ------------------------------------------------------------- NaN, inf
    Case("NaN and inf", MW, "a NaN label",
         lambda: make_windows(["a", "b"], [0, np.nan], size=2),
         Raises(ValueError, "labels must hold 0/1")),
    Case("NaN and inf", MW, "an inf label",
         lambda: make_windows(["a", "b"], [0, np.inf], size=2),
         Raises(ValueError, "labels must hold 0/1")),
    Case("NaN and inf", MW, "size=nan", lambda: make_windows(["a"], size=np.nan),
         Raises(ValueError, "size must be a positive integer")),
    Case("NaN and inf", IW, "a NaN label",
         lambda: list(iter_windows(["a", "b"], [0, np.nan], size=2)),
         Raises(ValueError, "labels[1] is nan; labels must be 0 or 1")),
    Case("NaN and inf", DP, "a NaN line", lambda: DrainParser().fit([["ok", np.nan]]),
         Raises(ValueError, "Line 1 of window 0 is missing (nan)")),
    Case("NaN and inf", DP, "an inf line", lambda: DrainParser().fit([["ok", np.inf]]),
         Raises(TypeError, "Line 1 of window 0 is a float (inf)")),
    Case("NaN and inf", SW, "NaN tokens", lambda: SequenceWindower().fit([[np.nan]]),
         Raises(TypeError, "X[0] holds float64 values")),
    Case("NaN and inf", TE, "NaN templates",
         lambda: TemplateEmbedder().fit(_objects([["a", np.nan]])),
         Raises(TypeError, "X holds a float value (nan)")),
    Case("NaN and inf", CP, "NaN in X",
         lambda: _chimera("precomputed").fit(_with(X_VEC, (0, 0, 0), np.nan), Y),
         Raises(ValueError, "Input X contains NaN")),
    Case("NaN and inf", CP, "inf in X",
         lambda: _chimera("precomputed").fit(_with(X_VEC, (0, 0, 0), np.inf), Y),
         Raises(ValueError, "Input X contains infinity")),
    Case("NaN and inf", CP, "a float64 beyond float32",
         lambda: _chimera("precomputed").fit(_with(X_VEC, (0, 0, 0), 1e300), Y),
         Raises(ValueError, "Input X contains infinity or a value too large")),
    Case("NaN and inf", CP, "NaN in X at predict",
         lambda: fitted("chimera-vec").predict(_with(X_VEC, (0, 0, 0), np.nan)),
         Raises(ValueError, "Input X contains NaN")),
    Case("NaN and inf", CL, "NaN in X",
         lambda: _chimera("learned").fit(_with(X_IDS, (0, 0), np.nan), Y),
         Raises(ValueError, "Input X contains NaN")),
    Case("NaN and inf", CL, "inf in X",
         lambda: _chimera("learned").fit(_with(X_IDS, (0, 0), np.inf), Y),
         Raises(ValueError, "Input X contains infinity")),
    Case("NaN and inf", CL, "NaN in y",
         lambda: _chimera("learned").fit(X_IDS, _with(Y, 0, np.nan)),
         Raises(ValueError, "Input y contains NaN")),
    Case("NaN and inf", CL, "NaN in root_cause",
         lambda: _fit_root_cause(_chimera("learned", root_cause_weight=1.0),
                                 _with(RC, (8, 2), np.nan)),
         Raises(ValueError, "root_cause must hold only 0/1 line labels")),
    Case("NaN and inf", PIPE, "a NaN line",
         lambda: fitted("pipe-ids").predict([["ok", np.nan]]),
         Raises(ValueError, "Line 1 of window 0 is missing (nan)")),
    Case("NaN and inf", LIN, "NaN in X",
         lambda: LinearDiagnoser().fit(_with(X_VEC, (0, 0, 0), np.nan), Y),
         Raises(ValueError, "Input X contains NaN")),
    Case("NaN and inf", LIN, "inf in X",
         lambda: LinearDiagnoser().fit(_with(X_IDS, (0, 0), np.inf), Y),
         Raises(ValueError, "Input X contains infinity")),
    Case("NaN and inf", LIN, "NaN in y",
         lambda: LinearDiagnoser().fit(X_IDS, _with(Y, 0, np.nan)),
         Raises(ValueError, "Input y contains NaN")),
    # --------------------------------------------------------- ragged windows
    Case("ragged windows", DP, "windows of different lengths",
         lambda: fitted("parser").transform([["a"], ["b", "c", "d"], []]),
         Gives("accepted: each window keeps its length",
               lambda Xt: [len(w) for w in Xt] == [1, 3, 0])),
    Case("ragged windows", SW, "windows shorter and longer than size",
         lambda: SequenceWindower(size=2).fit_transform([["a"], ["b", "c", "d"]]),
         Gives("padded with ``''`` or truncated to the first ``size``",
               lambda Xt: Xt.tolist() == [["a", ""], ["b", "c"]])),
    Case("ragged windows", SW, "a 2-D window", lambda: SequenceWindower().fit(
        [[[1, 2], [3, 4]]]), Raises(ValueError, "X[0] must be 1-D")),
    Case("ragged windows", TE, "ragged windows",
         lambda: TemplateEmbedder().fit([["a b", "c"], ["d"]]),
         Raises(ValueError, "needs fixed-length windows")),
    Case("ragged windows", TE, "ragged windows at transform",
         lambda: fitted("embedder").transform([["a b", "c"], ["d"]]),
         Raises(ValueError, "Put a SequenceWindower before it")),
    Case("ragged windows", CP, "ragged windows",
         lambda: _chimera("precomputed").fit([[1.0, 2.0], [1.0]], [0, 1]),
         Raises(ValueError, "inhomogeneous shape")),
    Case("ragged windows", CL, "ragged windows",
         lambda: _chimera("learned").fit([[1, 2], [1]], [0, 1]),
         Raises(ValueError, "inhomogeneous shape")),
    Case("ragged windows", CL, "another window size at predict",
         lambda: fitted("chimera-ids").predict(X_IDS[:, :4]),
         Raises(ValueError, "X has 4 features, but ChimeraDiagnoser is expecting 5")),
    Case("ragged windows", CP, "other features per line at predict",
         lambda: fitted("chimera-vec").predict(X_VEC[:, :, :2]),
         Raises(ValueError, "X has 2 features per line")),
    Case("ragged windows", PIPE, "raw windows of any length",
         lambda: fitted("pipe-ids").predict_root_cause_proba(
             [WINDOWS[0][:1], WINDOWS[1] * 3]),
         Gives("fixed by the SequenceWindower: shape (2, 4)",
               lambda s: s.shape == (2, 4) and np.all(s[0, 1:] == 0))),
    Case("ragged windows", LIN, "ragged windows",
         lambda: LinearDiagnoser().fit([[1, 2], [1]], [0, 1]),
         Raises(ValueError, "inhomogeneous shape")),
    Case("ragged windows", LIN, "another window size at predict",
         lambda: fitted("linear-ids").predict(X_IDS[:, :4]),
         Raises(ValueError, "X has 4 features, but LinearDiagnoser is expecting 5")),
    # -------------------------------------------------- labels, wrong length
    Case("labels of the wrong length", MW, "fewer labels than lines",
         lambda: make_windows(["a", "b"], [0], size=2),
         Raises(ValueError, "pass exactly one label per line")),
    Case("labels of the wrong length", MW, "fewer session keys than lines",
         lambda: make_windows(["a", "b"], groups=["x"]),
         Raises(ValueError, "groups has 1 entries but there are 2 lines")),
    Case("labels of the wrong length", MW, "a session without a label",
         lambda: make_windows(["a", "b"], groups=["x", "y"], group_labels={"x": 0}),
         Raises(ValueError, "group_labels has no label for session 'y'")),
    Case("labels of the wrong length", IW, "fewer labels than lines",
         lambda: list(iter_windows(["a", "b"], [0], size=2)),
         Raises(ValueError, "labels ended after 1 entries")),
    Case("labels of the wrong length", IW, "more labels than lines",
         lambda: list(iter_windows(["a", "b"], [0, 0, None], size=2)),
         Raises(ValueError, "labels has more entries than the 2 lines")),
    *[
        Case("labels of the wrong length", stage, "y of another length",
             call, Gives("y is ignored (the final estimator checks it)", check))
        for stage, call, check in [
            (DP, lambda: DrainParser(output="ids").fit(TEXT, [0]).templates_,
             lambda t: t.tolist() == fitted("parser-ids").templates_.tolist()),
            (SW, lambda: SequenceWindower(size=2).fit([["a"]], [0, 1, 2]).size_,
             lambda size: size == 2),
            (TE, lambda: TemplateEmbedder(n_components=2).fit(
                _objects([["a b", "c"]]), [0, 1, 2]).templates_.tolist(),
             lambda t: t == ["a b", "c"]),
        ]
    ],
    Case("labels of the wrong length", CP, "one label too few",
         lambda: _chimera("precomputed").fit(X_VEC, Y[:-1]),
         Raises(ValueError, "X has 16 windows but y has 15 labels")),
    Case("labels of the wrong length", CL, "one label too many",
         lambda: _chimera("learned").fit(X_IDS, np.r_[Y, 0]),
         Raises(ValueError, "X has 16 windows but y has 17 labels")),
    Case("labels of the wrong length", CL, "2-D y",
         lambda: _chimera("learned").fit(X_IDS, np.c_[Y, Y]),
         Raises(ValueError, "y should be a 1d array")),
    Case("labels of the wrong length", PIPE, "one label too few",
         lambda: _pipe("linear").fit(WINDOWS, Y_WINDOWS[:-1]),
         Raises(ValueError, "X has 16 windows but y has 15 labels")),
    Case("labels of the wrong length", LIN, "one label too few",
         lambda: LinearDiagnoser().fit(X_IDS, Y[:-1]),
         Raises(ValueError, "X has 16 windows but y has 15 labels")),
    # ------------------------------------------------------- one class in y
    Case("a single class in y", MW, "no line labelled",
         lambda: make_windows(["a", "b", "c"], [0, 0, 0], size=2).y,
         Gives("all windows 0", lambda y: y.tolist() == [0, 0])),
    Case("a single class in y", CP, "only anomalous windows",
         lambda: _chimera("precomputed").fit(X_VEC, np.ones(16, int)),
         Raises(ValueError, "needs windows of both classes")),
    Case("a single class in y", CL, "only one string label",
         lambda: _chimera("learned").fit(X_IDS, np.array(["ok"] * 16)),
         Raises(ValueError, "y has only 1 class")),
    Case("a single class in y", PIPE, "only normal windows",
         lambda: _pipe("ids").fit(WINDOWS, np.zeros(16, int)),
         Raises(ValueError, "needs windows of both classes")),
    Case("a single class in y", LIN, "only normal windows",
         lambda: LinearDiagnoser().fit(X_IDS, np.zeros(16, int)),
         Raises(ValueError, "needs windows of exactly two classes")),
    # -------------------------------------------------- more than two classes
    Case("more than two classes", MW, "a label 2",
         lambda: make_windows(["a", "b"], [0, 2], size=2),
         Raises(ValueError, "labels must hold 0/1")),
    Case("more than two classes", MW, "category tags as labels",
         lambda: make_windows(["a", "b"], ["-", "KERNDTLB"], size=2),
         Raises(ValueError, "map category tags to 0/1 first")),
    Case("more than two classes", MW, "a session label 2",
         lambda: make_windows(["a", "b"], groups=["x", "y"],
                              group_labels={"x": 0, "y": 2}),
         Raises(ValueError, "labels must be 0 or 1")),
    Case("more than two classes", CP, "three classes",
         lambda: _chimera("precomputed").fit(X_VEC, np.arange(16) % 3),
         Raises(ValueError, "Only binary classification is supported")),
    Case("more than two classes", CL, "continuous y",
         lambda: _chimera("learned").fit(X_IDS, np.linspace(0, 1, 16)),
         Raises(ValueError, "Unknown label type: continuous")),
    Case("more than two classes", PIPE, "three classes",
         lambda: _pipe("templates").fit(WINDOWS, np.arange(16) % 3),
         Raises(ValueError, "Only binary classification is supported")),
    Case("more than two classes", LIN, "three classes",
         lambda: LinearDiagnoser().fit(X_IDS, np.arange(16) % 3),
         Raises(ValueError, "Only binary classification is supported")),
    Case("more than two classes", LIN, "class_weight for a class not in y",
         lambda: LinearDiagnoser(class_weight={5: 2.0}).fit(X_IDS, Y),
         Raises(ValueError, "class_weight has keys [5] that are not classes of y")),
    # -------------------------------------------- root cause vs the windows
    *[
        Case("root-cause labels that do not match", stage, what,
             lambda est=est, rc=rc: _fit_root_cause(est(), rc()),
             Raises(ValueError, text))
        for stage, est in [(CL, lambda: _chimera("learned")), (LIN, LinearDiagnoser)]
        for what, rc, text in [
            ("fewer rows than windows", lambda: RC[:5],
             "root_cause has 5 rows but X has 16 windows"),
            ("fewer columns than positions", lambda: RC[:, :3],
             "root_cause has 3 columns but the windows have 5 lines"),
            ("a 3-D array", lambda: RC[:, :, None], "root_cause must be 2-D"),
            ("labels other than 0/1", lambda: RC * 3,
             "root_cause must hold only 0/1 line labels"),
            ("ragged rows, too few of them", lambda: _ragged_rc()[:5],
             "root_cause has 5 rows but X has 16 windows"),
        ]
    ],
    Case("root-cause labels that do not match", CL, "ragged rows, one per window",
         lambda: _fit_root_cause(_chimera("learned", root_cause_weight=1.0),
                                 _ragged_rc()),
         Gives("accepted and used (the root-cause loss is > 0)",
               lambda clf: clf.history_[-1]["train_root_cause"] > 0)),
    Case("root-cause labels that do not match", CL, "category tags",
         lambda: _fit_root_cause(_chimera("learned"), [["-"] * 5] * 16),
         Raises(ValueError, "root_cause must hold only 0/1 line labels")),
    Case("root-cause labels that do not match", CL, "a number",
         lambda: _fit_root_cause(_chimera("learned"), 3),
         Raises(TypeError, "root_cause must hold one row")),
    Case("root-cause labels that do not match", PIPE, "rows of other windows",
         lambda: _pipe("ids").fit(WINDOWS, Y_WINDOWS,
                                  chimeradiagnoser__root_cause=[[0]] * 3),
         Raises(ValueError, "root_cause has 3 rows but X has 16 windows")),
    Case("root-cause labels that do not match", LIN, "category tags",
         lambda: _fit_root_cause(LinearDiagnoser(), [["-"] * 5] * 16),
         Raises(ValueError, "root_cause must hold only 0/1 line labels")),
    Case("root-cause labels that do not match", LIN, "a number",
         lambda: _fit_root_cause(LinearDiagnoser(), 3),
         Raises(TypeError, "root_cause must hold one row")),
    Case("root-cause labels that do not match", LIN, "ragged rows, one per window",
         lambda: _fit_root_cause(LinearDiagnoser(), _ragged_rc()).predict(X_IDS),
         Gives("accepted (checked, then ignored)",
               lambda p: np.array_equal(p, fitted("linear-ids").predict(X_IDS)))),
    # ------------------------------------------------------------ 1 MB lines
    Case("lines of 1 MB", MW, "a 1 MB line",
         lambda: make_windows(["x" * MB, "b"], size=1).X,
         Gives("kept whole", lambda X: len(X[0][0]) == MB and X[1] == ["b"])),
    Case("lines of 1 MB", IW, "a 1 MB line in a file",
         lambda: _read_bytes(b"a\n" + b"y" * MB + b"\nb"),
         Gives("read whole", lambda out: [len(s) for s in out] == [1, MB, 1])),
    Case("lines of 1 MB", DP, "one 1 MB token",
         lambda: DrainParser().fit([["x" * MB]]).transform([["x" * MB]])[0][0],
         Gives("its own template, the line itself", lambda t: t == "x" * MB)),
    Case("lines of 1 MB", DP, "200,000 words, then a short unseen line",
         lambda: DrainParser(output="ids").fit([["word " * 200_000]]).transform(
             [["word " * 200_000, "short line"]])[0],
         Gives("its own template (id 2); the short line is unseen (id 1)",
               lambda ids: ids.tolist() == [2, 1])),
    Case("lines of 1 MB", SW, "a 1 MB template",
         lambda: SequenceWindower(size=2).fit_transform([["z" * MB]]),
         Gives("kept", lambda Xt: len(Xt[0, 0]) == MB and Xt[0, 1] == "")),
    Case("lines of 1 MB", TE, "a 1 MB template",
         lambda: fitted("embedder").transform(_objects([["disk " * 200_000, ""]])),
         Gives("a unit vector, like any template",
               lambda Xt: np.isclose(np.linalg.norm(Xt[0, 0]), 1))),
    Case("lines of 1 MB", PIPE, "a window with a 1 MB line",
         lambda: fitted("pipe-templates").predict_proba([["job " * 250_000, "a"]]),
         Gives("finite probabilities",
               lambda p: p.shape == (1, 2) and np.all(np.isfinite(p)))),
    # ----------------------------------------- control chars, invalid UTF-8
    Case("control characters, invalid UTF-8", IW, "invalid UTF-8 bytes",
         lambda: _read_bytes(b"ok\r\nbad \xff\xfe bytes\nlast"),
         Gives("replaced by U+FFFD", lambda out: out == [
             "ok", "bad \ufffd\ufffd bytes", "last"])),
    Case("control characters, invalid UTF-8", IW, "NUL, ESC, DEL, form feed",
         lambda: _read_bytes(b"a\x00b \x1b[31m \x7f \x0c end\n"),
         Gives("kept verbatim", lambda out: out == ["a\x00b \x1b[31m \x7f \x0c end"])),
    Case("control characters, invalid UTF-8", MW, "control characters",
         lambda: make_windows([CTRL, "\ufffd"], size=2).X,
         Gives("kept verbatim", lambda X: X == [[CTRL, "\ufffd"]])),
    Case("control characters, invalid UTF-8", DP,
         "control characters, U+FFFD (``masking=None``)",
         lambda: DrainParser(masking=None).fit([[CTRL, "bad \ufffd x"]]).transform(
             [[CTRL, "bad \ufffd x"]])[0],
         Gives("kept in the template (tabs become spaces)",
               lambda t: t.tolist() == [" ".join(CTRL.split()), "bad \ufffd x"])),
    Case("control characters, invalid UTF-8", DP, "control characters",
         lambda: DrainParser().fit([[CTRL]]).transform([[CTRL]])[0][0],
         Gives("kept in the template",
               lambda t: "\x00\x01\x1b[" in t and " \x7f " in t)),
    Case("control characters, invalid UTF-8", DP, "a lone surrogate",
         lambda: DrainParser().fit([["bad \udcff x"]]).transform([["bad \udcff x"]])[0],
         Gives("kept", lambda t: t.tolist() == ["bad \udcff x"])),
    Case("control characters, invalid UTF-8", SW, "control characters",
         lambda: SequenceWindower(size=2).fit_transform([["\x00\x1b"]]),
         Gives("kept (not padding)", lambda Xt: Xt.tolist() == [["\x00\x1b", ""]])),
    Case("control characters, invalid UTF-8", TE, "a template of control characters",
         lambda: (fitted("embedder"),
                  fitted("embedder").transform(_objects([["\x00\x1b", "\ufffd"]]))[0]),
         Gives("no word: the unknown vector",
               lambda r: np.array_equal(r[1][0], r[0].unknown_vector_)
               and np.array_equal(r[1][1], r[0].unknown_vector_))),
    Case("control characters, invalid UTF-8", PIPE, "a file with invalid UTF-8",
         lambda: fitted("pipe-ids").predict_proba(make_windows(
             _read_bytes(b"job 1 \xff started\njob 1 done\x00\n"), size=2).X),
         Gives("finite probabilities",
               lambda p: p.shape == (1, 2) and np.all(np.isfinite(p)))),
    # ---------------------------------------------------- unseen templates
    Case("a template never seen in fit", DP, "an unseen line, ``output='ids'``",
         lambda: fitted("parser-ids").transform([[UNSEEN]])[0],
         Gives("id 1 (``'<UNK>'``)", lambda ids: ids.tolist() == [1])),
    Case("a template never seen in fit", DP, "an unseen line, ``output='templates'``",
         lambda: fitted("parser").transform([[UNSEEN]])[0],
         Gives("its masked content",
               lambda t: t.tolist() == ["kernel panic at <HEX>"])),
    Case("a template never seen in fit", SW, "a token never seen in fit",
         lambda: fitted("windower").transform([["new"]]),
         Gives("kept (the windower has no vocabulary)",
               lambda Xt: Xt.tolist() == [["new", "", ""]])),
    Case("a template never seen in fit", TE, "unseen templates",
         lambda: fitted("embedder"),
         Gives("no known word: the unknown vector; known words: their vector",
               _embed_unseen)),
    Case("a template never seen in fit", CL, "two different unseen ids",
         lambda: fitted("chimera-ids"),
         Gives("the same outputs (one unknown id)", _unseen_ids_agree)),
    Case("a template never seen in fit", PIPE, "two different unseen lines",
         lambda: [fitted("pipe-ids").predict_root_cause_proba([[line, "job 3 done"]])
                  for line in ("kernel panic", "fan speed low")],
         Gives("the same outputs (id 1)", lambda s: np.array_equal(*s))),
    Case("a template never seen in fit", LIN, "an unseen id",
         lambda: fitted("linear-ids"),
         Gives("not counted, root-cause score 0.5 (coefficient 0)",
               _unseen_not_counted)),
]
# fmt: on


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _case_id(case):
    return f"{_slug(case.input)}:{_slug(case.stage)}:{_slug(case.what)}"


def _param(case):
    marks = ()
    if case.xfail:
        marks = pytest.mark.xfail(strict=True, reason=case.xfail)
    return pytest.param(case, id=_case_id(case), marks=marks)


DEEP_LIBRARIES = ("torch", "drain3", "skorch")


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("case", [_param(c) for c in MATRIX])
def test_bad_input(case):
    expected = case.expected
    if isinstance(expected, Gives):
        result = case.call()
        assert expected.check(result), f"{case.what}: got {result!r}"[:2000]
        return
    with pytest.raises((ValueError, TypeError), match=re.escape(expected.text)) as info:
        case.call()
    # exactly the documented type: not a subclass raised from deep inside
    assert type(info.value) is expected.exc
    deepest = Path(str(info.traceback[-1].path)).parts
    assert not any(lib in deepest for lib in DEEP_LIBRARIES), deepest


def test_matrix_covers_every_stage_and_every_kind_of_input():
    stages = {c.stage for c in MATRIX}
    assert stages == {MW, IW, DP, SW, TE, CP, CL, PIPE, LIN}
    kinds = list(dict.fromkeys(c.input for c in MATRIX))
    assert kinds == [
        "None",
        "empty input",
        "empty windows",
        "empty lines",
        "non-string lines",
        "bytes",
        "NaN and inf",
        "ragged windows",
        "labels of the wrong length",
        "a single class in y",
        "more than two classes",
        "root-cause labels that do not match",
        "lines of 1 MB",
        "control characters, invalid UTF-8",
        "a template never seen in fit",
    ]
    ids = [_case_id(c) for c in MATRIX]
    assert len(ids) == len(set(ids))


# ------------------------------------------------------------- the doc table
def _outcome(case):
    e = case.expected
    if isinstance(e, Gives):
        return e.text
    return f"``{e.exc.__name__}``: ``{e.text}``"


def policy_table():
    """The rst tables of ``input_policy.rst``: the matrix, and its known gaps."""
    lines = []
    for kind in dict.fromkeys(c.input for c in MATRIX):
        lines += [
            f".. rubric:: {kind[0].upper()}{kind[1:]}",
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 25 30 45",
            "",
            "   * - Stage",
            "     - Case",
            "     - Outcome",
        ]
        for c in MATRIX:
            if c.input == kind and not c.xfail:
                lines += [f"   * - {c.stage}", f"     - {c.what}"]
                lines += [f"     - {_outcome(c)}"]
        lines.append("")
    gaps = [c for c in MATRIX if c.xfail]
    if not gaps:
        return "\n".join(lines) + "\n"
    lines += [
        ".. rubric:: Known gaps",
        "",
        "The tests mark these rows ``xfail(strict=True)``; the goal is the outcome",
        "they assert.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 20 20 30 30",
        "",
        "   * - Stage",
        "     - Case",
        "     - Today",
        "     - Goal",
    ]
    for c in gaps:
        lines += [f"   * - {c.stage}", f"     - {c.what}"]
        lines += [f"     - {c.xfail}", f"     - {_outcome(c)}"]
    return "\n".join(lines) + "\n"


def test_policy_page_lists_the_matrix():
    text = DOC.read_text(encoding="utf-8")
    assert policy_table() in text, (
        "docs/user_guide/input_policy.rst is out of date: paste the output of "
        "`python tests/test_bad_input.py` into it"
    )


if __name__ == "__main__":
    print(policy_table(), end="")
