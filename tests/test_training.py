"""Training faults and determinism of ChimeraDiagnoser (issue 6, items 3 and 4)."""

import joblib
import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV, KFold

from chimera_sklearn.metrics import make_root_cause_scorer
from chimera_sklearn.model import ChimeraDiagnoser, _diagnoser
from chimera_sklearn.model._net import ChimeraNet

SMALL = dict(
    embedding="learned",
    hidden_size=8,
    embedding_dim=8,
    localizer_hidden=(8,),
    detector_hidden=(8,),
    batch_size=8,
    max_epochs=4,
    lr=0.02,
    random_state=0,
)


_MIN_STEPS = _diagnoser._MIN_STEPS


@pytest.fixture(autouse=True)
def _few_steps(monkeypatch):
    monkeypatch.setattr(_diagnoser, "_MIN_STEPS", 3)


def _toy(n=64, width=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randint(2, 7, size=(n, width))
    y = np.arange(n) % 2
    rc = np.zeros((n, width), int)
    for i in np.flatnonzero(y):
        j = rng.randint(width)
        X[i, j] = 9
        rc[i, j] = 1
    return X, y, rc


def _outputs(clf, X):
    return clf.predict_proba(X), clf.predict_root_cause_proba(X)


def _assert_same_outputs(a, b, X):
    for u, v in zip(_outputs(a, X), _outputs(b, X)):
        assert_array_equal(u, v)


def test_nan_loss_stops_with_a_clear_error():
    X = np.random.RandomState(0).randn(40, 5, 4).astype(np.float32)
    y = np.arange(40) % 2
    clf = ChimeraDiagnoser(
        lr=1e12, lr_schedule="constant", warmup=0, batch_size=8, random_state=0
    )
    match = r"in epoch \d+, batch \d+.*Lower `lr`"
    with pytest.raises(FloatingPointError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def _interrupt_in_epoch(monkeypatch, epoch):
    original = ChimeraNet.on_batch_begin

    def on_batch_begin(self, net, **kwargs):
        if len(self.history) == epoch and len(self.history[-1]["batches"]) == 1:
            raise RuntimeError("simulated crash")
        return original(self, net, **kwargs)

    monkeypatch.setattr(ChimeraNet, "on_batch_begin", on_batch_begin)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"lr_schedule": "paper", "warmup": 2},
        {"validation_fraction": 0.25, "n_iter_no_change": 2, "max_epochs": 8},
    ],
    ids=["cosine", "paper", "early-stopping"],
)
def test_interrupted_fit_resumes_where_it_stopped(tmp_path, monkeypatch, extra):
    X, y, _ = _toy()
    params = {**SMALL, **extra}
    reference = ChimeraDiagnoser(**params, checkpoint_dir=tmp_path / "a").fit(X, y)

    with monkeypatch.context() as m:
        _interrupt_in_epoch(m, 3)
        with pytest.raises(RuntimeError, match="simulated crash"):
            ChimeraDiagnoser(**params, checkpoint_dir=tmp_path / "b").fit(X, y)
    resumed = ChimeraDiagnoser(**params, checkpoint_dir=tmp_path / "b").fit(X, y)

    assert resumed.n_epochs_ == reference.n_epochs_
    assert resumed.history_[:, "epoch"] == reference.history_[:, "epoch"]
    # The first two epochs were loaded, not retrained.
    assert resumed.history_[1, "train_loss"] == reference.history_[1, "train_loss"]
    _assert_same_outputs(resumed, reference, X)


def test_checkpoint_of_other_data_or_finished_fit_is_not_resumed(tmp_path):
    X, y, _ = _toy()
    a = ChimeraDiagnoser(**SMALL, checkpoint_dir=tmp_path).fit(X, y)
    again = ChimeraDiagnoser(**SMALL, checkpoint_dir=tmp_path).fit(X, y)
    assert again.n_epochs_ == a.n_epochs_ == SMALL["max_epochs"]
    _assert_same_outputs(a, again, X)
    X2, y2, _ = _toy(seed=1)
    other = ChimeraDiagnoser(**SMALL, checkpoint_dir=tmp_path).fit(X2, y2)
    fresh = ChimeraDiagnoser(**SMALL).fit(X2, y2)
    _assert_same_outputs(other, fresh, X2)


def test_epochs_see_different_batches():
    X, y, _ = _toy()
    clf = ChimeraDiagnoser(**{**SMALL, "max_epochs": 2}).fit(X, y)
    first, second = (
        [b["train_rank"] for b in clf.history_[e, "batches"]] for e in (0, 1)
    )
    assert first != second


def test_same_seed_same_results_through_grid_search_jobs_and_joblib(
    tmp_path, monkeypatch
):
    # Worker processes import the package afresh: use its real step floor.
    monkeypatch.setattr(_diagnoser, "_MIN_STEPS", _MIN_STEPS)
    X, y, rc = _toy(n=48)
    cv = KFold(2, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        est = ChimeraDiagnoser(**{**SMALL, "max_epochs": 1})
        est.set_fit_request(root_cause=False)
        searches = [
            GridSearchCV(
                est,
                {"lr": [0.01, 0.02]},
                cv=cv,
                scoring=make_root_cause_scorer("hr", k=1),
                n_jobs=n_jobs,
            ).fit(X, y, root_cause=rc)
            for n_jobs in (1, 2)
        ]
    assert_array_equal(
        searches[0].cv_results_["mean_test_score"],
        searches[1].cv_results_["mean_test_score"],
    )
    best = [s.best_estimator_ for s in searches]
    _assert_same_outputs(best[0], best[1], X)
    path = tmp_path / "m.joblib"
    joblib.dump(best[1], path)
    _assert_same_outputs(joblib.load(path), best[0], X)


def test_predict_from_threads_equals_serial():
    from concurrent.futures import ThreadPoolExecutor

    X, y, _ = _toy()
    clf = ChimeraDiagnoser(**SMALL).fit(X, y)
    serial = [_outputs(clf, X[i::4]) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda i: _outputs(clf, X[i::4]), range(4)))
    for s, t in zip(serial, threaded):
        for u, v in zip(s, t):
            assert_array_equal(u, v)
