"""chimera_sklearn.dask: windows across partitions, parsing, diagnosis, GridSearchCV."""

import sys

import numpy as np
import pytest

db = pytest.importorskip("dask.bag")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask  # noqa: E402
import joblib  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from chimera_sklearn import (  # noqa: E402
    ChimeraDiagnoser,
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    make_pipeline,
    make_windows,
)
from chimera_sklearn._dask import _partition_spans  # noqa: E402
from chimera_sklearn.dask import diagnose_bag, make_window_bag, parse_bag  # noqa: E402
from chimera_sklearn.windowing._windows import _spans  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """Two single-threaded in-process workers: starts in about a second."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address=":0",  # any free port: no clash with other clusters
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def tiny_pipeline(log_format, size=20):
    return make_pipeline(
        DrainParser(log_format=log_format),
        SequenceWindower(size=size),
        TemplateEmbedder(n_components=8, random_state=0),
        ChimeraDiagnoser(
            hidden_size=8,
            localizer_hidden=(8,),
            detector_hidden=(8,),
            max_epochs=1,
            random_state=0,
        ),
    )


def serial_records(pipe, lines, size, step, k):
    """What diagnose_bag must return, computed on the whole stream at once."""
    w = make_windows(lines, size=size, step=step)
    proba, pred, scores, culprits = pipe[-1]._diagnose(pipe[:-1].transform(w.X), k)
    return w, proba[:, 1], pred, scores, culprits


def bag_with_empty_partitions(lines, cuts):
    """A bag whose partitions are lines[a:b] for consecutive cuts (some empty)."""
    parts = [lines[a:b] for a, b in zip(cuts, cuts[1:])]
    return db.from_delayed([dask.delayed(p) for p in parts])


# ------------------------------------------------------------------ windows
def test_partition_spans_cover_exactly_the_serial_spans():
    for n in range(1, 30):
        for size in range(1, 8):
            for step in range(1, size + 1):
                for cuts in ((0, n), (0, 1, n), (0, 2, 3, 9, n), tuple(range(n + 1))):
                    cuts = sorted({min(c, n) for c in cuts})
                    got = []
                    for a, b in zip(cuts, cuts[1:]):
                        got += _partition_spans(a, b - a, n, size, step)
                    assert got == _spans(n, size, step), (n, size, step, cuts)


@pytest.mark.parametrize("npartitions", [1, 2, 7, 40])
@pytest.mark.parametrize("size, step", [(5, None), (5, 2), (1, None), (64, None)])
def test_window_bag_equals_make_windows(client, npartitions, size, step):
    lines = [f"line {i}" for i in range(103)]
    bag = db.from_sequence(lines, npartitions=npartitions)
    got = make_window_bag(bag, size=size, step=step).compute()
    ref = make_windows(lines, size=size, step=step)
    assert [w for _, w in got] == ref.X  # none lost, none duplicated, in order
    for (index, _), ref_index in zip(got, ref.line_index):
        assert_array_equal(index, ref_index)


def test_window_bag_with_empty_and_tiny_partitions(client):
    """A window may span several partitions, some of them empty."""
    lines = [f"l{i}" for i in range(50)]
    bag = bag_with_empty_partitions(lines, [0, 0, 3, 4, 4, 5, 20, 21, 50, 50])
    for size, step in ((6, None), (6, 1), (60, None)):
        got = make_window_bag(bag, size=size, step=step).compute()
        assert [w for _, w in got] == make_windows(lines, size=size, step=step).X


def test_window_bag_from_dataframe_strips_line_endings(client):
    lines = [f"l{i}\r\n" for i in range(23)]
    df = dd.from_pandas(pd.DataFrame({"line": lines}), npartitions=4)
    expected = make_windows([x.rstrip("\r\n") for x in lines], size=4, step=3).X
    got = make_window_bag(df["line"], size=4, step=3).compute()
    assert [w for _, w in got] == expected
    # a one-column DataFrame works too
    assert [w for _, w in make_window_bag(df, size=4, step=3).compute()] == expected


def test_window_bag_from_text_files(client, tmp_path):
    """dask.bag.read_text over several files: one stream, files in order."""
    lines = [f"event {i}" for i in range(30)]
    for k in range(3):
        chunk = lines[10 * k : 10 * (k + 1)]
        (tmp_path / f"part{k}.log").write_text("\n".join(chunk) + "\n")
    bag = db.read_text(str(tmp_path / "part*.log"))
    got = make_window_bag(bag, size=7).compute()
    assert [w for _, w in got] == make_windows(lines, size=7).X


# ---------------------------------------------------------------- parsing
def test_parse_bag_equals_serial_parse_on_bgl(client, data_home):
    from chimera_sklearn.datasets import load_loghub

    bgl = load_loghub("BGL", data_home=data_home)
    parser = DrainParser(log_format=bgl.log_format).fit([bgl.lines[:1000]])
    bag = db.from_sequence(bgl.lines, npartitions=5)
    assert parse_bag(parser, bag).compute() == parser.parse_lines(bgl.lines).tolist()


# -------------------------------------------------------------- diagnosis
@pytest.fixture(scope="module")
def fitted(fault_logs):
    w = make_windows(fault_logs.lines, fault_logs.labels, size=20)
    return tiny_pipeline(fault_logs.log_format).fit(w.X, w.y)


@pytest.mark.parametrize("step", [None, 7])
def test_diagnose_bag_equals_serial_diagnosis(client, fitted, fault_logs, step):
    lines = fault_logs.lines
    bag = db.from_sequence(lines, npartitions=6)
    records = diagnose_bag(fitted, bag, size=20, step=step, k=3).compute()
    w, score, pred, scores, culprits = serial_records(fitted, lines, 20, step, 3)
    assert len(records) == len(w.X)
    assert [r["start"] for r in records] == [int(i[0]) for i in w.line_index]
    assert [r["stop"] for r in records] == [int(i[-1]) + 1 for i in w.line_index]
    assert_array_equal([r["prediction"] for r in records], pred)
    assert_allclose([r["anomaly_score"] for r in records], score, rtol=1e-6)
    for r, index, c, s in zip(records, w.line_index, culprits, scores):
        positions = [p for p in c if p >= 0]
        assert r["culprits"] == [int(index[p]) for p in positions]
        assert_allclose(r["culprit_scores"], s[positions], rtol=1e-6)
    assert any(r["culprits"] for r in records)  # some window was alarmed


def test_diagnose_bag_on_a_process_worker(fitted, fault_logs):
    """The fitted Pipeline pickles to a worker process and predicts the same."""
    lines = fault_logs.lines[:600]
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: no clash with other clusters
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as proc_client,
    ):
        bag = db.from_sequence(lines, npartitions=3)
        records = proc_client.compute(diagnose_bag(fitted, bag, size=20, k=2))
        records = records.result()
        ids = proc_client.compute(parse_bag(fitted, bag)).result()
    w, score, pred, _, _ = serial_records(fitted, lines, 20, None, 2)
    assert [r["start"] for r in records] == list(range(0, 600, 20))
    assert_array_equal([r["prediction"] for r in records], pred)
    assert_allclose([r["anomaly_score"] for r in records], score, rtol=1e-6)
    assert ids == fitted[0].parse_lines(lines).tolist()


def test_diagnose_real_bgl_dataframe_against_serial(client, data_home):
    """Real BGL_2k lines, as a dask DataFrame column, 3 partitions."""
    from chimera_sklearn.datasets import load_loghub

    bgl = load_loghub("BGL", data_home=data_home)
    text = [line.partition(" ")[2] for line in bgl.lines]  # hide the label
    fmt = bgl.log_format.replace("<Label> ", "")
    w = make_windows(text, bgl.labels, size=20)
    pipe = tiny_pipeline(fmt).fit(w.X, w.y)
    df = dd.from_pandas(pd.DataFrame({"line": text}), npartitions=3)
    records = diagnose_bag(pipe, df["line"], size=20, k=2).compute()
    _, score, pred, _, _ = serial_records(pipe, text, 20, None, 2)
    assert len(records) == 100
    assert_array_equal([r["prediction"] for r in records], pred)
    assert_allclose([r["anomaly_score"] for r in records], score, rtol=1e-6)
    frame = diagnose_bag(pipe, df["line"], size=20).to_dataframe().compute()
    assert list(frame["start"]) == list(range(0, 2000, 20))


def test_diagnose_bag_with_a_baseline_classifier(client, fault_logs):
    """Any classifier works as the last step; culprits only where it has them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer

    lines = fault_logs.lines[:1000]
    w = make_windows(lines, fault_logs.labels[:1000], size=20)
    pipe = make_pipeline(
        DrainParser(log_format=fault_logs.log_format),
        SequenceWindower(size=20),
        TemplateEmbedder(n_components=4, random_state=0),
        FunctionTransformer(_flatten),
        LogisticRegression(),
    ).fit(w.X, w.y)
    bag = db.from_sequence(lines, npartitions=3)
    records = diagnose_bag(pipe, bag, size=20).compute()
    assert_array_equal([r["prediction"] for r in records], pipe.predict(w.X))
    assert all(r["culprits"] == [] for r in records)


def _flatten(X):
    """(n, W, d) -> (n, W * d)."""
    return np.asarray(X).reshape(len(X), -1)


# --------------------------------------------------------- GridSearchCV
def test_grid_search_on_the_dask_joblib_backend(client, fault_logs):
    w = make_windows(fault_logs.lines, fault_logs.labels, size=20)
    search = GridSearchCV(
        tiny_pipeline(fault_logs.log_format),
        {"chimeradiagnoser__hidden_size": [4, 8]},
        scoring="f1",
        cv=2,
        refit=False,
    )
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            search.fit(w.X, w.y)
    assert stream.data  # the fits ran as tasks on the Dask workers
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


# ------------------------------------------------------------ bad input
def test_bad_input(client, fitted):
    bag = db.from_sequence(["a", "b", "c"], npartitions=2)
    with pytest.raises(TypeError, match="dask.bag.Bag"):
        make_window_bag(["a", "b"], size=2)
    with pytest.raises(ValueError, match="step"):
        make_window_bag(bag, size=2, step=3)
    with pytest.raises(ValueError, match="size"):
        make_window_bag(bag, size=0)
    with pytest.raises(ValueError, match="empty"):
        make_window_bag(db.from_sequence([], npartitions=1), size=2)
    with pytest.raises(TypeError, match="not str"):
        make_window_bag(db.from_sequence([b"x", b"y"]), size=2).compute()
    two_cols = dd.from_pandas(pd.DataFrame({"a": ["x"], "b": ["y"]}), npartitions=1)
    with pytest.raises(TypeError, match="column"):
        make_window_bag(two_cols, size=2)
    with pytest.raises(ValueError, match="k must"):
        diagnose_bag(fitted, bag, size=2, k=0)
    with pytest.raises(TypeError, match="DrainParser"):
        parse_bag(SequenceWindower(), bag)


def test_missing_dask_says_how_to_install(monkeypatch):
    import chimera_sklearn

    monkeypatch.delitem(sys.modules, "chimera_sklearn._dask", raising=False)
    monkeypatch.delattr(chimera_sklearn, "_dask", raising=False)
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"pip install chimera_sklearn\[dask\]"):
        make_window_bag(object(), size=2)
