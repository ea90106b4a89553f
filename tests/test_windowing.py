import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from chimera_sklearn import SequenceWindower, chronological_split, make_windows
from chimera_sklearn.windowing import padding_mask


def test_fixed_windows_real_bgl(data_home):
    from chimera_sklearn.datasets import load_loghub

    bgl = load_loghub("BGL", data_home=data_home)
    w = make_windows(bgl.lines, bgl.labels, size=20)
    assert len(w.X) == 100
    assert all(len(x) == 20 for x in w.X)
    assert int(w.y.sum()) == 28
    # Root-cause lines are exactly the alert lines of the file.
    for x, rc, idx in zip(w.X, w.root_cause, w.line_index):
        for line, label, i in zip(x, rc, idx):
            assert line == bgl.lines[i]
            assert label == (not line.startswith("- "))


def test_session_windows_real_hdfs(data_home):
    from chimera_sklearn.datasets import load_hdfs

    hdfs = load_hdfs(data_home=data_home)
    w = make_windows(hdfs.lines, groups=hdfs.blocks, group_labels=hdfs.block_labels)
    assert len(w.X) == 1782
    assert int(w.y.sum()) == 43
    # Every window is one block: each of its lines names that block.
    blocks = [
        set.intersection(*(set(hdfs.blocks[i]) for i in idx)) for idx in w.line_index
    ]
    assert all(len(b) >= 1 for b in blocks)
    for b, label in zip(blocks, w.y):
        assert label == max(hdfs.block_labels[k] for k in b)
    # No line is lost: every line that mentions a block is in some window.
    covered = set(np.concatenate(w.line_index).tolist())
    assert covered == {i for i, b in enumerate(hdfs.blocks) if b}


def test_sliding_windows_cover_every_line_once_per_step():
    lines = [f"l{i}" for i in range(23)]
    w = make_windows(lines, size=10, step=5)
    starts = [idx[0] for idx in w.line_index]
    assert starts == [0, 5, 10, 15]
    assert w.line_index[-1][-1] == 22
    assert w.y is None and w.root_cause is None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 200),
    size=st.integers(1, 30),
    step_frac=st.floats(0.05, 1.0),
)
def test_windows_lose_no_line_and_keep_order(n, size, step_frac):
    step = max(1, int(size * step_frac))
    lines = [f"line {i}" for i in range(n)]
    labels = np.zeros(n, dtype=int)
    labels[:: max(n // 3, 1)] = 1
    w = make_windows(lines, labels, size=size, step=step)
    covered = np.concatenate(w.line_index)
    assert set(covered.tolist()) == set(range(n))
    for x, rc, idx in zip(w.X, w.root_cause, w.line_index):
        assert len(x) <= size
        assert np.all(np.diff(idx) == 1)
        assert x == [lines[i] for i in idx]
        np.testing.assert_array_equal(rc, labels[idx])
    np.testing.assert_array_equal(w.y, [int(r.any()) for r in w.root_cause])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    n=st.integers(4, 300),
    size=st.integers(1, 20),
    step=st.integers(1, 20),
    test_size=st.floats(0.05, 0.9),
    gap=st.integers(0, 5),
)
def test_chronological_split_never_shares_a_line(n, size, step, test_size, gap):
    step = min(step, size)
    w = make_windows([str(i) for i in range(n)], size=size, step=step)
    if len(w.X) < 2:
        return
    try:
        train, test = chronological_split(w, test_size=test_size, gap=gap)
    except ValueError:
        return  # too few windows before the split point: reported, not wrong
    train_lines = set(np.concatenate(train.line_index).tolist())
    test_lines = set(np.concatenate(test.line_index).tolist())
    assert not train_lines & test_lines
    assert max(train_lines) + gap < min(test_lines)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"size": 0}, "size must be a positive integer"),
        ({"size": 3, "step": 5}, "skip lines"),
        ({}, "Pass size"),
        ({"step": 2}, "step needs size"),
    ],
)
def test_make_windows_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(["a", "b", "c"], **kwargs)


def test_make_windows_bad_input():
    with pytest.raises(TypeError, match="splitlines"):
        make_windows("a\nb", size=2)
    with pytest.raises(TypeError, match="Decode bytes"):
        make_windows([b"a"], size=2)
    with pytest.raises(ValueError, match="one label per line"):
        make_windows(["a", "b"], [0], size=2)
    with pytest.raises(ValueError, match="0/1"):
        make_windows(["a", "b"], ["-", "KERNDTLB"], size=2)
    with pytest.raises(ValueError, match="empty"):
        make_windows([], size=2)
    with pytest.raises(ValueError, match="one session key"):
        make_windows(["a", "b"], groups=["x"])
    with pytest.raises(ValueError, match="no label for session"):
        make_windows(["a", "b"], groups=["x", "y"], group_labels={"x": 0})


def test_sequence_windower_pads_and_truncates():
    X = [["a", "b"], ["c", "d", "e", "f"], []]
    first = SequenceWindower(size=3).fit(X)
    out = first.transform(X)
    assert out.shape == (3, 3)
    assert out.tolist() == [["a", "b", ""], ["c", "d", "e"], ["", "", ""]]
    last = SequenceWindower(size=3, keep="last").fit(X).transform(X)
    assert last.tolist()[1] == ["d", "e", "f"]
    np.testing.assert_array_equal(padding_mask(out), [[1, 1, 0], [1, 1, 1], [0, 0, 0]])
    ids = SequenceWindower(size=None).fit_transform([np.array([3, 4]), [5]])
    assert ids.dtype == np.int64 and ids.tolist() == [[3, 4], [5, 0]]


def test_sequence_windower_contract(tmp_path):
    X = [["a", "b"], ["c"]]
    est = SequenceWindower(size=2)
    with pytest.raises(NotFittedError):
        est.transform(X)
    assert est.fit(X) is est
    assert not hasattr(clone(est), "size_")
    joblib.dump(est, tmp_path / "w.joblib")
    again = joblib.load(tmp_path / "w.joblib")
    np.testing.assert_array_equal(again.transform(X), est.transform(X))
    assert est.get_params() == {"size": 2, "keep": "first"}
    with pytest.raises(ValueError, match="keep"):
        SequenceWindower(keep="middle").fit(X)
    with pytest.raises(TypeError, match="DrainParser"):
        est.transform(["raw line one", "raw line two"])
    with pytest.raises(TypeError, match="fitted on str"):
        est.transform([[1, 2]])


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 120),
    size=st.integers(1, 15),
    step_frac=st.floats(0.05, 1.0),
    chunk=st.integers(1, 7),
)
def test_iter_windows_equals_make_windows(n, size, step_frac, chunk):
    from chimera_sklearn.windowing import iter_windows

    step = max(1, int(size * step_frac))
    lines = [f"line {i}\n" for i in range(n)]
    labels = [int(i % 7 == 3) for i in range(n)]
    whole = make_windows([x.rstrip("\n") for x in lines], labels, size=size, step=step)
    chunks = list(
        iter_windows(iter(lines), iter(labels), size=size, step=step, chunk_size=chunk)
    )
    assert all(len(c.X) <= chunk for c in chunks)
    X = [x for c in chunks for x in c.X]
    idx = [i for c in chunks for i in c.line_index]
    rc = [r for c in chunks for r in c.root_cause]
    assert X == whole.X
    assert [i.tolist() for i in idx] == [i.tolist() for i in whole.line_index]
    assert [r.tolist() for r in rc] == [r.tolist() for r in whole.root_cause]
