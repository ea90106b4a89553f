"""Tests for chimera_sklearn.parsing (DrainParser, masking, log formats)."""

import csv
import logging
import os
import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags

from chimera_sklearn.parsing import (
    DEFAULT_MASKING,
    LOGHUB_FORMATS,
    DrainParser,
    compile_log_format,
)
from chimera_sklearn.parsing._masking import CachedMasker, Masker

LOGHUB_SYSTEMS = (
    "Android Apache BGL HDFS HPC Hadoop HealthApp Linux Mac OpenSSH OpenStack "
    "Proxifier Spark Thunderbird Windows Zookeeper"
).split()


# --------------------------------------------------------------------- data
def _data_home():
    try:
        from chimera_sklearn.datasets import get_data_home
    except ImportError:
        get_data_home = None
    if get_data_home is not None:
        try:
            return Path(get_data_home())
        except FileNotFoundError:
            pass
    env = os.environ.get("CHIMERA_DATA_HOME")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / "../shared/data"
    return path.resolve()


@pytest.fixture(scope="module")
def data_dir():
    path = _data_home()
    if not (path / "loghub_2k").is_dir():
        if os.environ.get("CI"):
            raise FileNotFoundError(f"no loghub data under {path}")
        pytest.skip(f"real data not available under {path}")
    return path


def _raw_lines(data_dir, system):
    path = data_dir / "loghub_2k" / system / f"{system}_2k.log"
    with open(path, encoding="utf-8", newline="") as f:
        return [line.rstrip("\r\n") for line in f]


def _structured(data_dir, system, corrected=False):
    if corrected:
        path = (
            data_dir
            / "loghub2_2k_corrected"
            / system
            / f"{system}_2k.log_structured_corrected.csv"
        )
    else:
        path = data_dir / "loghub_2k" / system / f"{system}_2k.log_structured.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _windows(lines, size=20):
    return [lines[i : i + size] for i in range(0, len(lines), size)]


@pytest.fixture(scope="module")
def bgl_lines(data_dir):
    return _raw_lines(data_dir, "BGL")


@pytest.fixture(scope="module")
def bgl_parser(bgl_lines):
    return DrainParser(output="ids", log_format=LOGHUB_FORMATS["BGL"]).fit(
        _windows(bgl_lines)
    )


def _state(parser):
    """Everything a fit leaves in the drain3 miner, cluster by cluster."""
    drain = parser.miner_.drain
    return (
        sorted((c.cluster_id, c.get_template(), c.size) for c in drain.clusters),
        drain.clusters_counter,
    )


# ------------------------------------------------------------- real data
def test_bgl_raw_lines_parse_into_sensible_templates(bgl_lines, bgl_parser):
    assert len(bgl_lines) == 2000
    parser = bgl_parser
    assert parser.n_unparsed_lines_ == 0
    # loghub lists 120 templates for BGL_2k; Drain should land in that range.
    assert 60 <= parser.n_templates_ <= 200
    vocab = parser.vocabulary_
    assert "instruction cache parity error corrected" in vocab
    assert "generating <NUM>" in vocab  # "generating core.1234"
    assert "ciod: generated <NUM> core files for program <*>" in vocab
    # The header (alert tag, node, timestamp) is not part of the content.
    for template in parser.templates_[2:]:
        assert not template.startswith(("-", "KERN", "APP", "RAS"))
        assert "R02-M1" not in template
    # The most frequent template is loghub's E80 "generating <*>" (721 lines).
    top = parser.templates_[np.argmax(parser.cluster_sizes_)]
    assert top == "generating <NUM>"
    assert parser.cluster_sizes_[vocab["generating <NUM>"]] == 721
    assert parser.cluster_sizes_.sum() == len(bgl_lines)
    assert parser.cluster_sizes_[:2].tolist() == [0, 0]


def test_bgl_alert_lines_get_their_own_templates(bgl_lines, bgl_parser):
    ids = bgl_parser.parse_lines(bgl_lines)
    alert = np.array([line.split(" ", 1)[0] != "-" for line in bgl_lines])
    assert alert.sum() == 143
    # alerts and normal lines mostly fall in different templates
    alert_ids = set(ids[alert].tolist())
    normal_ids = set(ids[~alert].tolist())
    assert len(alert_ids - normal_ids) >= 0.5 * len(alert_ids)


@pytest.mark.parametrize("max_clusters", [None, 30])
@pytest.mark.parametrize("system", ["BGL", "Mac", "OpenStack", "Thunderbird"])
def test_cached_fit_equals_uncached_fit(data_dir, system, max_clusters):
    content = [r["Content"] for r in _structured(data_dir, system, corrected=True)]
    X = _windows(content)
    fast = DrainParser(output="ids", max_clusters=max_clusters).fit(X)
    slow = DrainParser(output="ids", max_clusters=max_clusters, cache=False).fit(X)
    assert _state(fast) == _state(slow)
    assert fast.templates_.tolist() == slow.templates_.tolist()
    assert fast.cluster_sizes_.tolist() == slow.cluster_sizes_.tolist()
    a, b = fast.transform(X), slow.transform(X)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    # fit_transform takes a shortcut; it must agree with fit().transform()
    c = DrainParser(output="ids", max_clusters=max_clusters).fit_transform(X)
    assert all(np.array_equal(u, v) for u, v in zip(a, c))


def test_cached_fit_handles_repeats_that_drain_routes_elsewhere():
    # "s a b c" first joins (creates) cluster 1; after cluster 1 generalises and
    # cluster 2 "s q b c" appears, Drain sends the same message to cluster 2
    # (3/4 similar instead of 2/4).  A naive content -> cluster cache would not.
    lines = ["s a b c", "s a b c", "s a x y", "s q b c", "s a b c"]
    params = dict(masking=None, sim_th=0.5, depth=4, output="ids")
    fast = DrainParser(**params).fit([lines])
    slow = DrainParser(**params, cache=False).fit([lines])
    assert _state(slow) == ([(1, "s a <*> <*>", 3), (2, "s <*> b c", 2)], 2)
    assert _state(fast) == _state(slow)


def test_cache_covers_repeats_on_real_data(data_dir):
    # The fast path is actually taken: BGL content repeats a lot.
    content = [r["Content"] for r in _structured(data_dir, "BGL", corrected=True)]
    masker = CachedMasker(Masker(DEFAULT_MASKING))
    masked = [masker(c) for c in content]
    assert masker.use_normalised
    assert len(masker.normalised) + len(masker.exact) < 0.5 * len(content)
    assert masked == [Masker(DEFAULT_MASKING)(c) for c in content]


@pytest.mark.parametrize("system", ["HDFS", "Linux", "Mac", "OpenStack", "Zookeeper"])
def test_log_format_extraction_matches_structured_csv(data_dir, system):
    raw = _raw_lines(data_dir, system)
    rows = _structured(data_dir, system)
    regex, headers = compile_log_format(LOGHUB_FORMATS[system])
    assert headers[-1] == "Content" or "Content" in headers
    same = sum(
        (m := regex.match(line.strip())) is not None
        and m.group("Content") == row["Content"]
        for line, row in zip(raw, rows)
    )
    assert same >= 0.99 * len(rows)
    # and the parser sees exactly that content
    on_raw = DrainParser(output="ids", log_format=LOGHUB_FORMATS[system])
    on_csv = DrainParser(output="ids")
    ids_raw = on_raw.fit_transform([raw])[0]
    ids_csv = on_csv.fit_transform([[r["Content"] for r in rows]])[0]
    assert on_raw.n_unparsed_lines_ == 0
    assert on_raw.templates_.tolist() == on_csv.templates_.tolist()
    assert np.array_equal(ids_raw, ids_csv)


def test_loghub_formats_cover_all_systems(data_dir):
    assert sorted(LOGHUB_FORMATS) == sorted(LOGHUB_SYSTEMS)
    for system in LOGHUB_SYSTEMS:
        regex, headers = compile_log_format(LOGHUB_FORMATS[system])
        rows = _structured(data_dir, system)
        # field names are the structured CSV's header columns
        assert set(headers) <= set(rows[0])
        line = _raw_lines(data_dir, system)[0]
        assert regex.match(line.strip()).group("Content") == rows[0]["Content"]


# ------------------------------------------------------------- behaviour
X_SMALL = [
    ["connected to 10.0.0.1 in 5 ms", "disk full on /dev/sda1"],
    ["connected to 10.0.0.2 in 7 ms", "user alice logged in", ""],
    [],
    ["user bob logged in", "connected to 10.0.0.3 in 9 ms"],
]


def test_ids_are_dense_and_reserve_pad_and_unknown():
    parser = DrainParser(output="ids").fit(X_SMALL)
    assert parser.templates_[0] == "<PAD>" and parser.templates_[1] == "<UNK>"
    assert parser.templates_.dtype == object
    assert parser.n_templates_ == len(parser.templates_) - 2
    assert parser.vocabulary_ == {
        t: i for i, t in enumerate(parser.templates_.tolist()) if i >= 2
    }
    # ids in order of first appearance: 2, 3, ...
    assert parser.templates_[2] == "connected to <IP> in <NUM> ms"
    assert parser.templates_[3] == "disk full on <PATH>"
    Xt = parser.transform(X_SMALL)
    flat = np.concatenate([w for w in Xt])
    assert flat.dtype == np.int64
    assert 0 not in flat and 1 not in flat
    assert sorted(set(flat.tolist())) == list(range(2, 2 + parser.n_templates_))
    assert Xt[0].tolist() == [2, 3]


def test_unseen_lines_have_documented_result():
    X_new = [["connected to 10.9.9.9 in 1 ms", "kernel panic at 0xdeadbeef code 7"]]
    ids = DrainParser(output="ids").fit(X_SMALL).transform(X_new)[0]
    assert ids.tolist() == [2, 1]
    templates = DrainParser().fit(X_SMALL).transform(X_new)[0]
    # unseen: the masked content, so that an embedder still gets the words
    assert templates.tolist() == [
        "connected to <IP> in <NUM> ms",
        "kernel panic at <HEX> code <NUM>",
    ]


def test_empty_windows_and_empty_lines():
    parser = DrainParser(output="ids").fit(X_SMALL)
    Xt = parser.transform([[], ["", "   "], []])
    assert len(Xt) == 3
    assert Xt[0].shape == (0,) and Xt[0].dtype == np.int64
    # empty and blank lines share the template '' learned from X_SMALL
    assert Xt[1][0] == Xt[1][1] == parser.vocabulary_[""]
    Xt = DrainParser().fit(X_SMALL).transform([[]])
    assert Xt[0].shape == (0,) and Xt[0].dtype == object
    # a parser that never saw an empty line reports it as unseen
    parser = DrainParser(output="ids").fit([["a b c"]])
    assert parser.transform([[""]])[0].tolist() == [1]


def test_n_samples_and_window_lengths_are_preserved():
    for output in ("templates", "ids"):
        Xt = DrainParser(output=output).fit_transform(X_SMALL)
        assert isinstance(Xt, np.ndarray) and Xt.dtype == object
        assert Xt.shape == (len(X_SMALL),)
        assert [len(w) for w in Xt] == [len(w) for w in X_SMALL]


def test_transform_does_not_mutate_the_miner(bgl_lines, bgl_parser):
    before = _state(bgl_parser)
    templates = bgl_parser.templates_.copy()
    new = [line.replace("error", "trouble") for line in bgl_lines[:200]]
    new += ["something never seen before 42", "", "RAS KERNEL INFO"]
    bgl_parser.transform(_windows(new))
    bgl_parser.parse_lines(new)
    bgl_parser.miner_.match("instruction cache parity error corrected", "always")
    assert _state(bgl_parser) == before
    assert bgl_parser.templates_.tolist() == templates.tolist()


def test_refit_replaces_previous_state():
    parser = DrainParser(output="ids").fit(X_SMALL)
    parser.fit([["only one line here"]])
    assert parser.templates_.tolist() == ["<PAD>", "<UNK>", "only one line here"]


def test_clone_pickle_and_joblib_round_trip(tmp_path, bgl_lines, bgl_parser):
    X = _windows(bgl_lines[:400])
    expected = bgl_parser.transform(X)
    cloned = clone(bgl_parser)
    assert cloned.get_params() == bgl_parser.get_params()
    assert not hasattr(cloned, "miner_")
    refit = cloned.fit(_windows(bgl_lines)).transform(X)
    restored = pickle.loads(pickle.dumps(bgl_parser)).transform(X)
    joblib.dump(bgl_parser, tmp_path / "parser.joblib")
    loaded = joblib.load(tmp_path / "parser.joblib")
    for other in (refit, restored, loaded.transform(X)):
        assert all(np.array_equal(u, v) for u, v in zip(expected, other))
    # the miner inside still masks like the parser
    assert loaded.miner_.match("instruction cache parity error corrected") is not None


def test_not_fitted_error():
    parser = DrainParser()
    with pytest.raises(NotFittedError):
        parser.transform(X_SMALL)
    with pytest.raises(NotFittedError):
        parser.parse_lines(["a line"])


def test_drain3_ini_in_cwd_is_ignored(tmp_path, monkeypatch):
    expected = DrainParser(output="ids").fit(X_SMALL)
    (tmp_path / "drain3.ini").write_text(
        '[MASKING]\nmasking = [{"regex_pattern": "[a-z]+", "mask_with": "W"}]\n'
        "[DRAIN]\nsim_th = 0.01\ndepth = 3\nmax_children = 2\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    parser = DrainParser(output="ids").fit(X_SMALL)
    assert parser.templates_.tolist() == expected.templates_.tolist()
    assert parser.miner_.config.drain_sim_th == 0.7
    assert "<W>" not in " ".join(parser.templates_)


def test_drain3_logging_is_silenced_without_touching_root(caplog):
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    drain_logger = logging.getLogger("drain3")
    level = drain_logger.level
    with caplog.at_level(logging.DEBUG):
        DrainParser().fit(X_SMALL).transform(X_SMALL)
    assert not [r for r in caplog.records if r.name.startswith("drain3")]
    assert drain_logger.level == level
    assert root.handlers == root_handlers
    assert root.level == root_level


def test_masking_parameter():
    custom = ((r"\d+", "N"),)
    parser = DrainParser(masking=custom).fit(X_SMALL)
    assert "connected to <N>.<N>.<N>.<N> in <N> ms" in parser.vocabulary_
    raw = DrainParser(masking=None, parametrize_numeric_tokens=False).fit(
        [["job 1 done", "job 1 done"]]
    )
    assert raw.templates_[2:].tolist() == ["job 1 done"]
    assert isinstance(DEFAULT_MASKING, tuple)
    assert all(isinstance(p, str) and isinstance(n, str) for p, n in DEFAULT_MASKING)


@pytest.mark.parametrize(
    "masking",
    [
        ((r"(?<!\d)1\d*", "ONE"),),  # tells digits apart: no digit-normalised cache
        ((r"(\w)\1", "DOUBLE"), (r"\d+", "N")),  # back-reference: sequential masks
    ],
)
def test_cached_masking_is_exact_for_any_masking(masking):
    masker = Masker(masking)
    cached = CachedMasker(masker)
    assert not cached.use_normalised
    lines = ["x 12 y 22", "x 13 y 32", "aa 12", "bb 21", "x 12 y 22"]
    assert [cached(s) for s in lines] == [masker(s) for s in lines]


def test_default_masking_examples():
    masker = Masker(DEFAULT_MASKING)
    assert masker.digit_uniform
    cases = {
        "from /10.250.19.102:5070 ok": "from /<IP> ok",
        "proxy.example.com:8080 open": "<IP> open",
        "10.11.10.1,10.11.10.2 GET": "<IP> GET",
        "blk_-1608999687919862906 served": "<BLK> served",
        "at 0x00ff12 and 0xAB": "at <HEX> and <HEX>",
        "vm 544fd51c-4edc-4780-baae-ba1d80a0acfc up": "vm <UUID> up",
        "read /etc/httpd/conf/workers2.properties": "read <PATH>",
        "uid=0 euid=0 took 10ms (5)": "uid=<NUM> euid=<NUM> took <NUM> (<NUM>)",
        "app job_1445144423722_0020 v1.2.3": "app <NUM> <NUM>",
        "at 2005-06-03 15:42:50,123 then 12:01:01": "at <DATE> then <TIME>",
        "no variables here": "no variables here",
    }
    for raw, masked in cases.items():
        assert masker(raw) == masked, raw


def test_parse_lines_and_set_output_in_pipeline():
    parser = DrainParser(output="ids").fit(X_SMALL)
    ids = parser.parse_lines(["user carol logged in", "never seen"])
    assert ids.dtype == np.int64 and ids.tolist()[1] == 1
    pipe = Pipeline([("parse", DrainParser(output="ids"))])
    assert pipe.set_output(transform="pandas") is pipe
    Xt = pipe.fit_transform(X_SMALL)
    assert isinstance(Xt, np.ndarray) and len(Xt) == len(X_SMALL)


def test_log_format_unmatched_lines_are_parsed_whole():
    fmt = "<Level> <Component>: <Content>"
    X = [["INFO net: link up", "INFO net: link down", "garbage without header"]]
    parser = DrainParser(log_format=fmt).fit(X)
    assert parser.n_unparsed_lines_ == 1
    assert "garbage without header" in parser.vocabulary_
    assert parser.transform(X)[0].tolist() == [
        "link up",
        "link down",
        "garbage without header",
    ]
    assert DrainParser().fit(X).n_unparsed_lines_ == 0


def test_tags_and_sklearn_common_checks():
    tags = get_tags(DrainParser())
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert not tags.target_tags.required
    assert tags.transformer_tags.preserves_dtype == []
    from sklearn.utils import estimator_checks as ec

    names = [
        "check_no_attributes_set_in_init",
        "check_parameters_default_constructible",
        "check_get_params_invariance",
        "check_set_params",
        "check_estimator_repr",
        "check_estimator_cloneable",
        "check_estimator_tags_renamed",
        "check_valid_tag_types",
        "check_mixin_order",
    ]
    ran = 0
    for name in names:
        check = getattr(ec, name, None)
        if check is None:
            continue
        check("DrainParser", DrainParser())
        ran += 1
    assert ran >= 6


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "X, error, match",
    [
        (None, TypeError, "X is None"),
        ("a single line", TypeError, r"single str.*\[\[line\]\]"),
        (b"bytes", TypeError, "single bytes"),
        (["line one", "line two"], TypeError, "flat list of lines.*make_windows"),
        (np.array(["line one", "line two"]), TypeError, "flat list of lines"),
        ([], ValueError, "X is empty"),
        (np.array([], dtype=object), ValueError, "X is empty"),
        ([["ok"], 5], TypeError, "Window 1 is not a sequence"),
        ([["ok"], None], ValueError, "Window 1 is missing"),
        ([["ok"], float("nan")], ValueError, "Window 1 is missing"),
        ([[b"raw bytes"]], TypeError, r"Line 0 of window 0 is bytes.*decode"),
        ([b"raw bytes"], TypeError, r"Window 0 is bytes.*decode"),
        ([["ok", 3]], TypeError, "Line 1 of window 0 is a int"),
        ([["ok", float("nan")]], ValueError, "Line 1 of window 0 is missing"),
        ([["ok", None]], ValueError, "Line 1 of window 0 is missing"),
        ({"a": ["x"]}, TypeError, "X is a dict"),
        (42, TypeError, "not a sequence"),
    ],
)
def test_bad_input_gives_helpful_errors(X, error, match):
    with pytest.raises(error, match=match):
        DrainParser().fit(X)
    fitted = DrainParser().fit(X_SMALL)
    with pytest.raises(error, match=match):
        fitted.transform(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"sim_th": 1.5}, "sim_th"),
        ({"depth": 2}, "depth"),
        ({"max_children": 1}, "max_children"),
        ({"max_clusters": 0}, "max_clusters"),
        ({"masking": "none"}, "masking"),
        ({"masking": (("a",),)}, "masking"),
        ({"extra_delimiters": "=,"}, "extra_delimiters"),
        ({"match_strategy": "sometimes"}, "match_strategy"),
        ({"output": "embeddings"}, "output"),
        ({"log_format": "<Date> <Time> no content field"}, "<Content>"),
    ],
)
def test_bad_params_raise_in_fit(params, match):
    parser = DrainParser(**params)  # __init__ does not validate
    with pytest.raises(ValueError, match=match):
        parser.fit(X_SMALL)


def test_other_containers_are_accepted():
    ids = DrainParser(output="ids").fit(X_SMALL).transform
    expected = ids(X_SMALL)
    as_tuples = ids(tuple(tuple(w) for w in X_SMALL))
    as_array = np.empty(len(X_SMALL), dtype=object)
    as_array[:] = [np.array(w, dtype=object) for w in X_SMALL]
    for other in (as_tuples, ids(as_array), ids(iter(X_SMALL))):
        assert all(np.array_equal(u, v) for u, v in zip(expected, other))
