"""The whole Pipeline on real raw logs: fit, predict, localize, search, persist."""

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from chimera_sklearn import (
    ChimeraDiagnoser,
    ChimeraPipeline,
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    make_pipeline,
    make_windows,
)
from chimera_sklearn.metrics import hit_rate_at_k, make_root_cause_scorer
from chimera_sklearn.parsing import LOGHUB_FORMATS

SMALL = dict(hidden_size=16, embedding_dim=16, max_epochs=3, random_state=0)


@pytest.fixture(scope="module")
def bgl_windows(data_home):
    from chimera_sklearn.datasets import load_loghub

    bgl = load_loghub("BGL", data_home=data_home)
    return bgl, make_windows(bgl.lines, bgl.labels, size=20)


BGL_FORMAT = LOGHUB_FORMATS["BGL"]  # the alert tag is a header field, not content


def build(**model):
    return make_pipeline(
        DrainParser(log_format=BGL_FORMAT),
        SequenceWindower(size=20),
        TemplateEmbedder(n_components=16, random_state=0),
        ChimeraDiagnoser(**{**SMALL, **model}),
    )


def test_full_pipeline_on_bgl_raw_lines(bgl_windows, tmp_path):
    bgl, w = bgl_windows
    pipe = build()
    assert isinstance(pipe, ChimeraPipeline)
    pipe.fit(w.X, w.y)
    y_pred = pipe.predict(w.X)
    proba = pipe.predict_proba(w.X)
    scores = pipe.predict_root_cause_proba(w.X)
    top = pipe.predict_root_cause(w.X, k=3)
    assert y_pred.shape == (100,) and proba.shape == (100, 2)
    assert scores.shape == (100, 20) and top.shape == (100, 3)
    np.testing.assert_array_equal(top[y_pred == 0], -1)
    assert set(np.unique(top[y_pred == 1])) <= set(range(20))
    # Persisted and reloaded, the pipeline predicts exactly the same.
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    again = joblib.load(tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(again.predict(w.X), y_pred)
    np.testing.assert_array_equal(again.predict_root_cause_proba(w.X), scores)
    # A plain sklearn Pipeline with the same steps also works for predict.
    plain = Pipeline(pipe.steps)
    np.testing.assert_array_equal(plain.predict(w.X), y_pred)
    assert not hasattr(plain, "predict_root_cause")


def test_grid_search_selects_on_hr_with_metadata_routing(bgl_windows):
    _, w = bgl_windows
    scorer = make_root_cause_scorer("hr", k=1)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = build()
        # The paper setting: the model trains from window labels only, the line
        # labels go to the scorer alone.
        pipe[-1].set_fit_request(root_cause=False)
        search = GridSearchCV(
            pipe,
            {"chimeradiagnoser__hidden_size": [8, 16]},
            scoring={"f1": "f1", "hr@1": scorer},
            refit="hr@1",
            cv=StratifiedKFold(2, shuffle=True, random_state=0),
        )
        search.fit(w.X, w.y, root_cause=w.root_cause)
    hr = search.cv_results_["mean_test_hr@1"]
    assert hr.shape == (2,) and np.all((hr >= 0) & (hr <= 1))
    # The scorer really used the line labels: recompute one fold by hand.
    best = search.best_estimator_
    expected = hit_rate_at_k(
        w.y,
        w.root_cause,
        best.predict_root_cause_proba(w.X),
        y_pred=best.predict(w.X),
        k=1,
    )
    assert scorer(best, w.X, w.y, root_cause=w.root_cause) == pytest.approx(expected)


def test_learned_embedding_pipeline_on_ids(bgl_windows):
    _, w = bgl_windows
    pipe = make_pipeline(
        DrainParser(log_format=BGL_FORMAT, output="ids"),
        SequenceWindower(size=20),
        ChimeraDiagnoser(embedding="learned", **SMALL),
    )
    pipe.fit(w.X, w.y)
    assert pipe.predict_root_cause_proba(w.X).shape == (100, 20)
    # Lines never seen in fit map to the unknown id and still get a score.
    unseen = [["totally new line never seen before"] * 20]
    assert pipe.predict_root_cause_proba(unseen).shape == (1, 20)
