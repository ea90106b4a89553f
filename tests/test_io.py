"""Safe persistence (chimera_sklearn.io): skops tree + weights_only tensors."""

import json
import zipfile

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.preprocessing import FunctionTransformer

from chimera_sklearn import (
    ChimeraDiagnoser,
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    io,
    make_pipeline,
    make_windows,
)
from chimera_sklearn.baselines import (
    DeepLogDiagnoser,
    LinearDiagnoser,
    LogRobustDiagnoser,
)
from chimera_sklearn.parsing import LOGHUB_FORMATS

TINY = dict(hidden_size=8, embedding_dim=8, max_epochs=1, random_state=0)


def _outputs(est, X):
    return (
        est.predict(X),
        est.predict_proba(X),
        est.predict_root_cause_proba(X),
        est.predict_root_cause(X, k=3),
    )


def _assert_same(a, b, X):
    for u, v in zip(_outputs(a, X), _outputs(b, X)):
        assert_array_equal(u, v)


@pytest.fixture(scope="module")
def bgl(data_home):
    from chimera_sklearn.datasets import load_loghub

    logs = load_loghub("BGL", data_home=data_home)
    return make_windows(logs.lines, logs.labels, size=20)


@pytest.fixture(scope="module")
def bgl_pipeline(bgl):
    pipe = make_pipeline(
        DrainParser(log_format=LOGHUB_FORMATS["BGL"]),
        SequenceWindower(size=20),
        TemplateEmbedder(n_components=8, random_state=0),
        ChimeraDiagnoser(**TINY),
    )
    return pipe.fit(bgl.X, bgl.y)


def test_full_pipeline_round_trip_on_real_logs(bgl, bgl_pipeline, tmp_path):
    path = tmp_path / "bgl.chimera"
    io.dump(bgl_pipeline, path)
    loaded = io.load(path)
    _assert_same(bgl_pipeline, loaded, bgl.X)
    # Unseen lines take the same path through the rebuilt drain3 miner.
    unseen = [["totally new line 1", bgl.X[0][0], "another unseen event"]]
    parser, again = bgl_pipeline[0], loaded[0]
    assert_array_equal(parser.transform(unseen)[0], again.transform(unseen)[0])
    assert again.n_templates_ == parser.n_templates_
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert manifest["weights"] == ["weights/0.pt"]
        assert not any(name.endswith(".pkl") for name in z.namelist())


@pytest.mark.parametrize(
    "estimator",
    [
        ChimeraDiagnoser(embedding="learned", **TINY),
        LinearDiagnoser(),
        DeepLogDiagnoser(hidden_size=8, max_epochs=1, random_state=0),
        LogRobustDiagnoser(hidden_size=8, max_epochs=1, random_state=0),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_diagnoser_round_trips(estimator, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randint(2, 9, size=(40, 6))
    y = np.arange(40) % 2
    X[y == 1, 3] = 11
    estimator.fit(X, y)
    io.dump(estimator, tmp_path / "m.chimera")
    _assert_same(estimator, io.load(tmp_path / "m.chimera"), X)


def test_gpu_model_loads_on_cpu_with_a_warning(tmp_path):
    X = np.random.RandomState(0).randint(2, 9, size=(30, 5))
    y = np.arange(30) % 2
    clf = ChimeraDiagnoser(embedding="learned", **TINY).fit(X, y)
    clf.device_ = "cuda:0"  # as if fitted on a GPU (weights are saved on the CPU)
    io.dump(clf, tmp_path / "m.chimera")
    clf.device_ = "cpu"
    with pytest.warns(UserWarning, match="'cuda:0', which is not available"):
        loaded = io.load(tmp_path / "m.chimera")
    assert loaded.device_ == "cpu"
    _assert_same(clf, loaded, X)


def _shout(X):
    return X


def test_untrusted_types_are_refused_until_trusted(tmp_path):
    X = np.random.RandomState(0).randint(2, 9, size=(30, 5))
    y = np.arange(30) % 2
    pipe = make_pipeline(FunctionTransformer(_shout), LinearDiagnoser()).fit(X, y)
    path = tmp_path / "m.chimera"
    io.dump(pipe, path)
    untrusted = io.get_untrusted_types(path)
    assert untrusted == ["test_io._shout"]
    with pytest.raises(ValueError, match=r"not trusted: \['test_io._shout'\]"):
        io.load(path)
    assert_array_equal(io.load(path, trusted=untrusted).predict(X), pipe.predict(X))


def test_not_a_safe_model_file(tmp_path):
    joblib.dump(LinearDiagnoser(), tmp_path / "m.joblib")
    with pytest.raises(ValueError, match="not a chimera_sklearn safe model file"):
        io.load(tmp_path / "m.joblib")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("manifest.json", json.dumps({"format": "something else"}))
        z.writestr("model.skops", b"")
    with pytest.raises(ValueError, match="is not a chimera_sklearn.safe file"):
        io.load(tmp_path / "other.zip")
    with pytest.raises(TypeError, match="file must be a path"):
        io.load(open(tmp_path / "m.joblib", "rb"))


def test_pickle_is_unchanged_by_the_safe_format(bgl, bgl_pipeline, tmp_path):
    io.dump(bgl_pipeline, tmp_path / "a.chimera")  # must not alter the object
    joblib.dump(bgl_pipeline, tmp_path / "a.joblib")
    again = joblib.load(tmp_path / "a.joblib")
    assert type(again[0].miner_).__name__ == "TemplateMiner"
    _assert_same(bgl_pipeline, again, bgl.X[:10])
