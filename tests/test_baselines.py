"""Baseline diagnosers: sklearn contract, ChimeraDiagnoser's API, real BGL windows."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from chimera_sklearn.baselines import (
    DeepLogDiagnoser,
    LinearDiagnoser,
    LogRobustDiagnoser,
)
from chimera_sklearn.metrics import diagnosis_report
from chimera_sklearn.model_selection import WindowGroupKFold

torch.set_num_threads(1)  # the test machine is shared


def _small(cls, **kwargs):
    """Small, fast, seeded instances for the contract tests."""
    if cls is LinearDiagnoser:
        return LinearDiagnoser(**kwargs)
    params = dict(hidden_size=8, embedding_dim=8, max_epochs=10, min_steps=0, lr=1e-2)
    if cls is DeepLogDiagnoser:
        params.update(num_layers=1)
    params.update(random_state=0)
    params.update(kwargs)
    return cls(**params)


ALL = [LinearDiagnoser, DeepLogDiagnoser, LogRobustDiagnoser]
TORCH = [DeepLogDiagnoser, LogRobustDiagnoser]


# ----------------------------------------------------------- sklearn checks
@parametrize_with_checks(
    [_small(cls) for cls in ALL],
    # Nothing is expected to fail: all applicable common checks pass.
    expected_failed_checks=lambda est: {},
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------- toy windows
def _toy_ids(n=80, width=6, seed=0):
    """Normal windows of ids 2..5 with trailing padding; anomalies hold id 9."""
    rng = np.random.RandomState(seed)
    X = rng.randint(2, 6, size=(n, width))
    y = np.r_[np.zeros(n // 2, int), np.ones(n - n // 2, int)]
    culprit = rng.randint(0, width - 2, size=n)
    rc = np.zeros((n, width), np.int8)
    for i in range(n // 2, n):
        X[i, culprit[i]] = 9
        rc[i, culprit[i]] = 1
    X[::3, -2:] = 0  # padding at the end of every third window
    return X, y, rc


def _toy_vectors(n=80, width=6, dim=4, seed=0):
    """The same windows as float vectors: one random unit vector per id."""
    X, y, rc = _toy_ids(n, width, seed)
    table = np.random.RandomState(seed + 1).normal(size=(10, dim))
    table[0] = 0.0  # padding
    return table[X].astype(np.float32), y, rc


@pytest.fixture(params=["ids", "vectors"])
def toy(request):
    return _toy_ids() if request.param == "ids" else _toy_vectors()


@pytest.mark.parametrize("cls", ALL)
def test_diagnosis_api_matches_chimera(cls, toy):
    X, y, rc = toy
    extra = {} if cls is LinearDiagnoser else {"max_epochs": 30}
    if cls is DeepLogDiagnoser:
        extra["top_g"] = 4  # the 4 normal ids are all expected, id 9 is not
        extra["min_history"] = 0  # the toy culprit may be the first line
    clf = _small(cls, **extra)
    assert clf.fit(X, y, root_cause=rc) is clf  # root_cause accepted, ignored
    n, width = X.shape[:2]
    decision = clf.decision_function(X)
    proba = clf.predict_proba(X)
    pred = clf.predict(X)
    assert decision.shape == (n,) and proba.shape == (n, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(pred, clf.classes_[(decision > 0).astype(int)])
    np.testing.assert_array_equal(pred == 1, proba[:, 1] > 0.5)

    scores = clf.predict_root_cause_proba(X)
    assert scores.shape == (n, width)
    assert np.all((scores >= 0) & (scores <= 1))
    pad = ~np.any(X != 0, axis=2) if X.ndim == 3 else X == 0
    assert np.all(scores[pad] == 0)

    top = clf.predict_root_cause(X, k=3)
    assert top.shape == (n, 3) and top.dtype.kind == "i"
    assert np.all(top[pred == 0] == -1)
    for i in np.flatnonzero(pred == 1):
        real = top[i][top[i] >= 0]
        assert not pad[i, real].any()  # padding is never named
        assert list(real) == sorted(real, key=lambda j: -scores[i, j])
    # k larger than the window: the missing ranks are -1
    wide = clf.predict_root_cause(X[:5], k=width + 2)
    assert wide.shape == (5, width + 2) and np.all(wide[:, width:] == -1)

    # It detects the toy anomalies; the count and surprise models also point
    # at the culprit.  LogRobust's attention need not: a BiLSTM state carries
    # the culprit to every position, so attention is free to look elsewhere.
    report = diagnosis_report(y, pred, rc, scores)
    assert report["f1"] >= 0.9
    if cls is not LogRobustDiagnoser:
        assert report["hr@1"] >= 0.8


@pytest.mark.parametrize("cls", ALL)
def test_string_labels_and_classes(cls):
    X, y, _ = _toy_ids()
    labels = np.array(["normal", "zz-anomaly"])[y]
    clf = _small(cls).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["normal", "zz-anomaly"])
    assert set(clf.predict(X)) <= set(labels)


@pytest.mark.parametrize("cls", ALL)
def test_unseen_lines_are_handled(cls):
    X, y, _ = _toy_ids()
    clf = _small(cls).fit(X, y)
    X_new = X.copy()
    X_new[:, 0] = 1234  # an id never seen in fit
    assert clf.predict_root_cause_proba(X_new).shape == X.shape
    if cls is DeepLogDiagnoser:
        # DeepLog: an unseen event is always an anomaly and the top culprit.
        assert np.all(clf.predict(X_new) == 1)
        assert np.all(clf.predict_root_cause(X_new)[:, 0] == 0)
    Xv, yv, _ = _toy_vectors()
    clf = _small(cls).fit(Xv, yv)
    Xv_new = Xv.copy()
    Xv_new[:, 0] = 7.5  # a vector never seen in fit
    assert clf.predict(Xv_new).shape == (len(Xv),)


@pytest.mark.parametrize("cls", ALL)
def test_not_fitted(cls):
    clf = cls()
    X, _, _ = _toy_ids()
    for method in (
        clf.predict,
        clf.predict_proba,
        clf.decision_function,
        clf.predict_root_cause_proba,
        clf.predict_root_cause,
    ):
        with pytest.raises(NotFittedError):
            method(X)


@pytest.mark.parametrize("cls", ALL)
def test_bad_input_raises_clear_errors(cls):
    X, y, _ = _toy_ids()
    clf = _small(cls)
    with pytest.raises(ValueError, match="two classes"):
        clf.fit(X, np.zeros(len(X), int))
    with pytest.raises(ValueError, match="binary"):
        clf.fit(X, np.arange(len(X)) % 3)
    with pytest.raises(ValueError, match="requires y"):
        clf.fit(X, None)
    with pytest.raises(ValueError, match="windows but y has"):
        clf.fit(X, y[:-1])
    with pytest.raises(ValueError, match=">= 0"):
        clf.fit(X - 3, y)
    with pytest.raises(ValueError, match="4-D"):
        clf.fit(np.zeros((4, 3, 2, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError):
        clf.fit(np.array([["a", "b"], ["c", "d"]]), [0, 1])
    clf.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :4])  # another window size
    with pytest.raises(TypeError, match="integer template ids"):
        clf.predict(np.zeros((2, X.shape[1], 4)))
    with pytest.raises(ValueError, match="k must be"):
        clf.predict_root_cause(X, k=0)
    Xv, yv, _ = _toy_vectors()
    clf.fit(Xv, yv)
    with pytest.raises(ValueError, match="features per line"):
        clf.predict(Xv[:, :, :2])


@pytest.mark.parametrize(
    "cls, params",
    [
        (LinearDiagnoser, {"C": 0}),
        (LinearDiagnoser, {"class_weight": "auto"}),
        (DeepLogDiagnoser, {"top_g": 0}),
        (DeepLogDiagnoser, {"hidden_size": 1.5}),
        (LogRobustDiagnoser, {"class_weight": "auto"}),
        (LogRobustDiagnoser, {"max_epochs": 0}),
        (LogRobustDiagnoser, {"device": 3}),
    ],
)
def test_bad_parameters(cls, params):
    X, y, _ = _toy_ids()
    with pytest.raises((ValueError, TypeError)):
        cls(**params).fit(X, y)


@pytest.mark.parametrize("cls", TORCH)
def test_reproducible_with_a_seed_and_global_rng_untouched(cls):
    X, y, _ = _toy_vectors()
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = _small(cls, random_state=7).fit(X, y)
    assert torch.equal(before, torch.random.get_rng_state())
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    np.testing.assert_array_equal(
        a.predict_root_cause_proba(X), b.predict_root_cause_proba(X)
    )
    assert a.loss_curve_ == b.loss_curve_
    c = _small(cls, random_state=8).fit(X, y)
    assert a.loss_curve_ != c.loss_curve_
    # A pickled model predicts the same.
    d = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.decision_function(X), d.decision_function(X))


def test_linear_is_deterministic_and_coefficients_rank_lines():
    X, y, _ = _toy_ids()
    a = LinearDiagnoser().fit(X, y)
    b = LinearDiagnoser().fit(X, y)
    np.testing.assert_array_equal(a.template_coef_, b.template_coef_)
    assert a.vocabulary_[np.argmax(a.template_coef_)] == 9


def test_grid_search_with_window_groups_and_root_cause():
    X, y, rc = _toy_ids()
    X = np.r_[X, X]  # duplicated windows must not straddle folds
    y, rc = np.r_[y, y], np.r_[rc, rc]
    search = GridSearchCV(
        LinearDiagnoser(),
        {"C": [0.1, 1.0]},
        cv=WindowGroupKFold(3, stratify=True),
        scoring="f1",
    ).fit(X, y, root_cause=rc)
    assert search.best_score_ > 0.9


# --------------------------------------------------------- real BGL windows
@pytest.fixture(scope="module")
def bgl(data_home):
    """A stratified subsample of the BGL train windows and of unique dev."""
    from chimera_sklearn.datasets import load_bgl_windows

    rng = np.random.RandomState(0)
    Xt, yt, _ = load_bgl_windows("train", data_home=data_home, unique=True)
    Xd, yd, rcd = load_bgl_windows("dev", data_home=data_home, unique=True)
    tr = np.r_[
        rng.choice(np.flatnonzero(yt == 0), 3000, replace=False),
        rng.choice(np.flatnonzero(yt == 1), 1000, replace=False),
    ]
    de = np.r_[
        rng.choice(np.flatnonzero(yd == 0), 1000, replace=False),
        np.flatnonzero(yd == 1),
    ]
    return Xt[tr], yt[tr], Xd[de], yd[de], rcd[de]


@pytest.mark.parametrize(
    "estimator, min_f1, min_hr1",
    [
        (LinearDiagnoser(), 0.9, 0.85),
        (
            DeepLogDiagnoser(
                top_g=20,
                hidden_size=32,
                num_layers=1,
                max_epochs=3,
                min_steps=0,
                random_state=0,
            ),
            0.3,
            0.7,
        ),
        (
            LogRobustDiagnoser(
                hidden_size=32, max_epochs=3, min_steps=0, random_state=0
            ),
            0.8,
            0.45,
        ),
    ],
    ids=["linear", "deeplog", "logrobust"],
)
def test_fits_and_localizes_on_real_bgl_windows(bgl, estimator, min_f1, min_hr1):
    Xt, yt, Xd, yd, rcd = bgl
    clf = clone(estimator).fit(Xt, yt)
    report = diagnosis_report(
        yd, clf.predict(Xd), rcd, clf.predict_root_cause_proba(Xd)
    )
    # Much better than chance (anomalous share of this dev sample: 32 %) and
    # than ranking the first line first.
    first_line_hr1 = rcd[yd == 1, 0].mean()
    assert report["f1"] >= min_f1, report
    assert report["hr@1"] >= min_hr1 > first_line_hr1, report


def test_routing_root_cause_scorer_and_chronological_cv():
    import sklearn

    from chimera_sklearn.metrics import make_root_cause_scorer
    from chimera_sklearn.model_selection import ChronologicalSplit

    X, y, rc = _toy_ids(n=90)
    order = np.random.RandomState(0).permutation(len(X))  # mix the classes in time
    X, y, rc = X[order], y[order], rc[order]
    with sklearn.config_context(enable_metadata_routing=True):
        est = LinearDiagnoser().set_fit_request(root_cause=True)
        search = GridSearchCV(
            est,
            {"C": [0.1, 1.0]},
            scoring=make_root_cause_scorer("hr", k=1),
            cv=ChronologicalSplit(2, gap=1),
        ).fit(X, y, root_cause=rc, groups=np.arange(len(X)) * 6)
    assert search.best_score_ > 0.8


def test_baselines_inside_the_text_pipeline(data_home):
    """BGL_2k raw lines → Drain → windows → TemplateEmbedder → baseline."""
    from chimera_sklearn import (
        DrainParser,
        SequenceWindower,
        TemplateEmbedder,
        chronological_split,
        make_pipeline,
        make_windows,
    )
    from chimera_sklearn.datasets import load_loghub

    bgl = load_loghub("BGL", data_home=data_home)
    train, test = chronological_split(
        make_windows(bgl.lines, bgl.labels, size=20), test_size=0.3
    )
    pipe = make_pipeline(
        DrainParser(log_format=bgl.log_format),
        SequenceWindower(size=20),
        TemplateEmbedder(n_components=16, random_state=0),
        _small(DeepLogDiagnoser, max_epochs=2),
    ).fit(train.X, train.y)
    assert pipe.predict(test.X).shape == (len(test.X),)
    assert pipe.predict_root_cause_proba(test.X).shape == (len(test.X), 20)
    assert pipe.predict_root_cause(test.X, k=2).shape == (len(test.X), 2)
