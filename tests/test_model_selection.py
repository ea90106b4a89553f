"""The splitters never leak: property tests (hypothesis) and cv= integration."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from chimera_sklearn import make_windows
from chimera_sklearn.model_selection import (
    ChronologicalSplit,
    WindowGroupKFold,
    window_overlap,
    window_spans,
)

FAST = settings(max_examples=60, deadline=None)


@st.composite
def sliding_windows(draw):
    n_lines = draw(st.integers(8, 120))
    size = draw(st.integers(1, 10))
    step = draw(st.integers(1, size))
    w = make_windows([f"l{i}" for i in range(n_lines)], size=size, step=step)
    return w


@st.composite
def session_windows(draw):
    """Interleaved sessions: windows overlap in time but share no line."""
    n_lines = draw(st.integers(8, 120))
    keys = draw(st.lists(st.integers(0, 6), min_size=n_lines, max_size=n_lines))
    size = draw(st.one_of(st.none(), st.integers(1, 8)))
    return make_windows([f"l{i}" for i in range(n_lines)], groups=keys, size=size)


def _check_no_leak(spans, train, test, gap):
    assert len(train) and len(test)
    assert not set(train) & set(test)
    # Every training line lies more than ``gap`` positions before every test line.
    assert spans[train, 1].max() < spans[test, 0].min() - gap


@FAST
@given(w=sliding_windows(), n_splits=st.integers(1, 4), gap=st.integers(0, 5))
def test_chronological_split_never_leaks_sliding(w, n_splits, gap):
    spans = window_spans(w.line_index)
    cv = ChronologicalSplit(n_splits=n_splits, gap=gap)
    try:
        folds = list(cv.split(w.X, groups=spans))
    except ValueError:
        return  # too few windows for these folds: refusing is allowed
    assert len(folds) == cv.get_n_splits() == n_splits
    previous_test_start = -1
    for train, test in folds:
        _check_no_leak(spans, train, test, gap)
        # test folds move forward in time
        assert spans[test, 0].min() > previous_test_start
        previous_test_start = spans[test, 0].min()


@FAST
@given(w=session_windows(), gap=st.integers(0, 3))
def test_chronological_split_never_leaks_sessions(w, gap):
    spans = window_spans(w.line_index)
    try:
        folds = list(ChronologicalSplit(n_splits=2, gap=gap).split(w.X, groups=spans))
    except ValueError:
        return
    for train, test in folds:
        _check_no_leak(spans, train, test, gap)
        used = np.concatenate([w.line_index[i] for i in train])
        for i in test:
            assert not np.isin(w.line_index[i], used).any()


@FAST
@given(
    n=st.integers(6, 200),
    n_splits=st.integers(1, 5),
    gap=st.integers(0, 3),
    max_train=st.one_of(st.none(), st.integers(1, 50)),
)
def test_chronological_split_row_order(n, n_splits, gap, max_train):
    cv = ChronologicalSplit(n_splits=n_splits, gap=gap, max_train_size=max_train)
    try:
        folds = list(cv.split(np.zeros((n, 3))))
    except ValueError:
        return
    for train, test in folds:
        assert train.max() < test.min() - gap
        if max_train is not None:
            assert len(train) <= max_train
    # the test folds together are the last n_splits * test_size rows, in order
    tests = np.concatenate([t for _, t in folds])
    np.testing.assert_array_equal(tests, np.arange(n - len(tests), n))


@st.composite
def duplicated_windows(draw):
    n_distinct = draw(st.integers(3, 15))
    base = draw(
        st.lists(
            st.lists(st.integers(0, 4), min_size=3, max_size=3),
            min_size=n_distinct,
            max_size=n_distinct,
        )
    )
    picks = draw(st.lists(st.integers(0, n_distinct - 1), min_size=10, max_size=80))
    X = np.array([base[i] for i in picks])
    sessions = draw(st.lists(st.integers(0, 9), min_size=len(X), max_size=len(X)))
    return X, np.array(sessions)


@FAST
@given(
    data=duplicated_windows(),
    use_sessions=st.booleans(),
    shuffle=st.booleans(),
    seed=st.integers(0, 3),
)
def test_window_group_kfold_never_leaks(data, use_sessions, shuffle, seed):
    X, sessions = data
    groups = sessions if use_sessions else None
    cv = WindowGroupKFold(n_splits=2, shuffle=shuffle, random_state=seed)
    try:
        folds = list(cv.split(X, groups=groups))
    except ValueError:
        return  # fewer groups than folds
    seen_test = []
    for train, test in folds:
        assert window_overlap(X[train], X[test]).n_test_in_train == 0
        if use_sessions:
            assert not set(sessions[train]) & set(sessions[test])
        seen_test.extend(test)
    assert sorted(seen_test) == list(range(len(X)))  # each window tested once


@pytest.mark.filterwarnings("ignore:The least populated class")
@FAST
@given(data=duplicated_windows())
def test_window_group_kfold_stratified_never_leaks(data):
    X, _ = data
    y = (X.sum(axis=1) % 2).astype(int)
    try:
        folds = list(WindowGroupKFold(n_splits=2, stratify=True).split(X, y))
    except ValueError:
        return
    for train, test in folds:
        assert window_overlap(X[train], X[test]).n_test_in_train == 0


def test_plain_kfold_leaks_duplicates_but_ours_does_not():
    rng = np.random.RandomState(0)
    X = np.repeat(rng.randint(1, 50, size=(20, 5)), 5, axis=0)
    train, test = next(KFold(5, shuffle=True, random_state=0).split(X))
    assert window_overlap(X[train], X[test]).test_in_train_fraction > 0.5
    train, test = next(WindowGroupKFold(5).split(X))
    assert window_overlap(X[train], X[test]).n_test_in_train == 0


def test_float_windows_and_ragged_windows_group_by_content():
    X = np.zeros((4, 2, 3))
    X[1] = X[0]
    X[2, 0, 0] = -0.0  # same value as 0.0
    X[3, 1, 2] = 1.0
    ids = WindowGroupKFold(2).window_groups(X)
    assert ids[0] == ids[1] == ids[2] != ids[3]
    ragged = [["a", "b"], ["a"], ["a", "b"], ["c"]]
    ids = WindowGroupKFold(2).window_groups(ragged)
    assert ids[0] == ids[2] and len(set(ids)) == 3


def test_splitters_work_as_cv_in_search_and_cross_validate():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 3, size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    starts = np.arange(60) * 10
    res = cross_validate(
        LogisticRegression(), X, y, cv=ChronologicalSplit(3), groups=starts
    )
    assert len(res["test_score"]) == 3
    search = GridSearchCV(
        LogisticRegression(), {"C": [0.1, 1.0]}, cv=WindowGroupKFold(3)
    ).fit(X, y)
    assert search.n_splits_ == 3
    search = GridSearchCV(
        LogisticRegression(), {"C": [0.1, 1.0]}, cv=ChronologicalSplit(2, gap=1)
    ).fit(X, y, groups=starts)
    assert search.n_splits_ == 2


def test_chronological_split_matches_chronological_split_function():
    from chimera_sklearn import chronological_split

    w = make_windows([f"l{i}" for i in range(50)], size=6, step=3)
    spans = window_spans(w.line_index)
    train, test = next(ChronologicalSplit(1, gap=2).split(w.X, groups=spans))
    tr, te = chronological_split(w, test_size=len(test) / len(w.X), gap=2)
    assert [list(x) for x in tr.line_index] == [list(w.line_index[i]) for i in train]
    assert [list(x) for x in te.line_index] == [list(w.line_index[i]) for i in test]


def test_window_overlap_reports_shared_lines():
    w = make_windows([f"l{i}" for i in range(10)], size=4, step=2)
    r = window_overlap(
        w.X[:2], w.X[1:], train_lines=w.line_index[:2], test_lines=w.line_index[1:]
    )
    assert r.n_test == 3 and r.n_test_in_train == 1
    assert r.n_test_sharing_lines == 2  # windows 1 (itself) and 2 (lines 4, 5)
    assert r.n_shared_lines == 4


def test_window_overlap_on_bgl_train_dev(data_home):
    from chimera_sklearn.datasets import load_bgl_windows

    Xt, yt, _ = load_bgl_windows("train", data_home=data_home)
    Xd, yd, _ = load_bgl_windows("dev", data_home=data_home)
    r = window_overlap(Xt[yt == 1], Xd[yd == 1])
    assert r.n_unique_test == 466  # the README's count of unique anomalous dev
    assert 0 < r.n_test_in_train <= r.n_test


@pytest.mark.parametrize(
    "groups, match",
    [
        (np.array(["a"] * 10), "integer stream position"),
        (np.arange(9), "9 entries"),
        (np.zeros((10, 3), dtype=int), "shape"),
        (np.c_[np.arange(10), np.arange(10) - 1], "ends before it starts"),
    ],
)
def test_chronological_split_rejects_bad_groups(groups, match):
    with pytest.raises((ValueError, TypeError), match=match):
        list(ChronologicalSplit(2).split(np.zeros((10, 2)), groups=groups))


@pytest.mark.parametrize(
    "cv, match",
    [
        (ChronologicalSplit(0), "n_splits"),
        (ChronologicalSplit(2, gap=-1), "gap"),
        (ChronologicalSplit(2, test_size=0), "test_size"),
        (ChronologicalSplit(5, test_size=3), "Cannot make"),
        (WindowGroupKFold(1), "n_splits"),
        (WindowGroupKFold(2, by="rows"), "by must be"),
        (WindowGroupKFold(20), "distinct window groups"),
    ],
)
def test_splitters_reject_bad_parameters(cv, match):
    with pytest.raises(ValueError, match=match):
        list(cv.split(np.arange(20).reshape(10, 2)))


def test_chronological_split_refuses_a_gap_that_leaves_no_training_window():
    with pytest.raises(ValueError, match="no training"):
        list(ChronologicalSplit(2, gap=100).split(np.zeros((10, 2))))
