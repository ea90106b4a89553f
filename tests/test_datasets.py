import numpy as np
import pytest

from chimera_sklearn import make_windows
from chimera_sklearn.datasets import (
    FAULT_TYPES,
    load_bgl_windows,
    load_window_file,
    make_fault_logs,
)


def test_fault_logs_are_deterministic_and_labelled():
    a = make_fault_logs(n_lines=2000, random_state=3)
    b = make_fault_logs(n_lines=2000, random_state=3)
    c = make_fault_logs(n_lines=2000, random_state=4)
    assert a.lines == b.lines and a.lines != c.lines
    assert len(a.lines) == 2000
    assert 0 < a.labels.mean() < 0.1
    cats = {x for x in a.categories if x}
    assert cats <= set(FAULT_TYPES) and len(cats) >= 3
    # Labelled lines are exactly the lines of a fault category.
    np.testing.assert_array_equal(a.labels, [int(x != "") for x in a.categories])
    w = make_windows(a.lines, a.labels, size=20)
    assert 0.05 < w.y.mean() < 0.6


def test_fault_logs_symptoms_are_not_root_causes():
    logs = make_fault_logs(n_lines=5000, random_state=0)
    timeouts = [i for i, line in enumerate(logs.lines) if "timed out after" in line]
    assert timeouts and all(logs.labels[i] == 0 for i in timeouts)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_lines": 0}, "n_lines"),
        ({"fault_rate": 2}, "fault_rate"),
        ({"fault_types": ["volcano"]}, "fault_types"),
    ],
)
def test_fault_logs_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_fault_logs(**kwargs)


def test_bgl_windows(data_home):
    X, y, rc = load_bgl_windows("dev", data_home=data_home)
    assert X.shape == (8818, 20) and rc.shape == (8818, 20)
    assert y.sum() == 4409
    # Anomalous windows have root-cause lines, normal ones none.
    assert np.all(rc[y == 1].any(axis=1)) and not rc[y == 0].any()
    Xu, yu, _ = load_bgl_windows("dev", data_home=data_home, unique=True)
    assert yu.sum() == 466 and (yu == 0).sum() == 4409
    with pytest.raises(ValueError, match="held back"):
        load_bgl_windows("test", data_home=data_home)


def test_window_file_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1:1 2 3\n")
    with pytest.raises(ValueError, match="label:ids:line-labels"):
        load_window_file(bad)
    good = tmp_path / "good.txt"
    good.write_text("1:5 6:0 1\n0:7 8:0 0\n")
    X, y, rc = load_window_file(good)
    assert X.tolist() == [[5, 6], [7, 8]] and y.tolist() == [1, 0]
