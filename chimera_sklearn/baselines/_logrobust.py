"""LogRobust (Zhang et al., ESEC/FSE 2019): attention BiLSTM over semantics."""

import numbers

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._base import PAD, BaseDiagnoser, _check_param, dedupe
from ._torch import TorchDiagnoserMixin

__all__ = ["LogRobustDiagnoser"]


class _AttentionBiLSTM(nn.Module):
    """(Embedding →) BiLSTM → additive attention → linear classifier."""

    def __init__(self, n_codes, n_features, embedding_dim, hidden_size, num_layers):
        super().__init__()
        self.embedding = (
            nn.Embedding(n_codes, embedding_dim, padding_idx=PAD) if n_codes else None
        )
        in_dim = embedding_dim if n_codes else n_features
        self.lstm = nn.LSTM(
            in_dim, hidden_size, num_layers, batch_first=True, bidirectional=True
        )
        self.attention = nn.Linear(2 * hidden_size, 2 * hidden_size)
        self.context = nn.Linear(2 * hidden_size, 1, bias=False)
        self.out = nn.Linear(2 * hidden_size, 2)

    def forward(self, x, mask):
        if self.embedding is not None:
            x = self.embedding(x)
        width = x.shape[1]
        # Padding sits at the end of a window: pack it away so that the
        # backward direction starts at the last real line.
        positions = torch.arange(1, width + 1, device=mask.device)
        lengths = (mask * positions).amax(dim=1).clamp_min(1)
        packed = pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        hidden, _ = self.lstm(packed)
        hidden, _ = pad_packed_sequence(hidden, batch_first=True, total_length=width)
        energy = self.context(torch.tanh(self.attention(hidden))).squeeze(-1)
        valid = mask | ~mask.any(dim=1, keepdim=True)  # all-padding: attend all
        alpha = torch.softmax(energy.masked_fill(~valid, -torch.inf), dim=1)
        summary = (alpha.unsqueeze(-1) * hidden).sum(dim=1)
        return self.out(summary), alpha


class LogRobustDiagnoser(TorchDiagnoserMixin, BaseDiagnoser):
    """LogRobust: a supervised attention BiLSTM over semantic line vectors.

    Zhang et al., *Robust Log-Based Anomaly Detection on Unstable Log Data*,
    ESEC/FSE 2019.  Each line is a semantic vector of its template (the paper
    uses TF-IDF-weighted FastText word vectors; here, whatever
    ``TemplateEmbedder`` produces), a bidirectional LSTM reads the window,
    additive attention weighs the lines and a linear layer classifies the
    weighted sum; trained with cross-entropy on window labels.  Because the
    input is the template's meaning, not its id, unseen but similar
    templates are handled gracefully.  The root-cause score of a line is its
    **attention weight** (the weights of a window sum to 1 over its real
    lines).

    Input is that of ``ChimeraDiagnoser``: float vectors ``(n, W, F)`` (the
    natural input; all-zero vectors are padding) or ``(n, W)`` (one scalar
    per line), or integer template ids ``(n, W)`` (0 = padding), for which a
    template embedding is learned instead (no semantics).

    Parameters
    ----------
    hidden_size : int, default=64
        LSTM hidden size per direction (the paper: 128; 64 is faster on CPU).
    num_layers : int, default=1
        BiLSTM layers.
    embedding_dim : int, default=32
        Size of the learned embedding, for integer ids only.
    class_weight : "balanced", dict or None, default="balanced"
        ``"balanced"`` weighs the cross-entropy so that both classes count
        equally (anomalies are rare in real logs); a dict maps each class
        label to a weight; ``None`` uses the windows as they come.
    batch_size : int, default=128
        Windows per training batch.
    max_epochs : int, default=5
        Passes over the training windows (duplicates included).
    min_steps : int, default=200
        Train at least this many batches: small data gets more epochs.
    lr : float, default=1e-3
        Adam learning rate.
    predict_batch_size : int, default=512
        Windows per batch at inference.
    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available (resolved in
        ``fit``).
    random_state : int, RandomState instance or None, default=None
        Seeds initialization and batch order; a fixed value makes CPU runs
        repeatable.  The caller's global torch RNG is left untouched.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        ``classes_[1]`` is the anomalous class.
    n_features_in_, window_size_ : int
        Window size ``W``.
    n_line_features_ : int
        Features per line, 0 for integer ids.
    vocabulary_ : ndarray
        Template ids (or distinct vectors) seen in ``fit``.
    module_ : torch.nn.Module
        The trained network.
    loss_curve_ : list of float
        Mean training loss per epoch.
    n_iter_ : int
        Epochs trained.
    device_ : str
        Device used in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from chimera_sklearn.baselines import LogRobustDiagnoser
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 6, 4)).astype(np.float32)
    >>> y = np.r_[np.zeros(30, int), np.ones(30, int)]
    >>> X[30:, 2] = 3.0                          # the culprit line
    >>> clf = LogRobustDiagnoser(hidden_size=8, lr=1e-2,
    ...                          random_state=0).fit(X, y)
    >>> float(clf.score(X, y))
    1.0
    >>> clf.predict_root_cause(X[30:33], k=1).ravel()
    array([2, 2, 2])
    >>> clf.predict_root_cause_proba(X[:2]).sum(axis=1).round(6)
    array([1., 1.])
    """

    def __init__(
        self,
        *,
        hidden_size=64,
        num_layers=1,
        embedding_dim=32,
        class_weight="balanced",
        batch_size=128,
        max_epochs=5,
        min_steps=200,
        lr=1e-3,
        predict_batch_size=512,
        device="auto",
        random_state=None,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.embedding_dim = embedding_dim
        self.class_weight = class_weight
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.min_steps = min_steps
        self.lr = lr
        self.predict_batch_size = predict_batch_size
        self.device = device
        self.random_state = random_state

    def _validate_params(self):
        self._validate_torch_params()
        _check_param(self, "embedding_dim", numbers.Integral, low=1)
        cw = self.class_weight
        if not (cw is None or cw == "balanced" or isinstance(cw, dict)):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict; got {cw!r}."
            )

    def _net_input(self, X, codes):
        if self.n_line_features_ == 0:
            return torch.as_tensor(codes, device=self.device_)
        return torch.as_tensor(X, dtype=torch.float32, device=self.device_)

    def _fit_codes(self, X, codes, y):
        device = self._resolve_device()
        first, counts = dedupe(codes, y)
        yu = y[first]
        weights = np.ones(len(first))
        if self.class_weight == "balanced":
            per_class = np.bincount(yu, weights=counts, minlength=2)
            weights = (per_class.sum() / (2 * per_class))[yu]
        elif isinstance(self.class_weight, dict):
            factor = np.array([self.class_weight.get(c, 1.0) for c in self.classes_])
            weights = factor[yu]
        inputs = self._net_input(X[first], codes[first])
        mask = torch.as_tensor(self._mask(X[first]), device=device)
        target = torch.as_tensor(yu, device=device)

        def batch_loss(module, idx, w):
            logits, _ = module(inputs[idx], mask[idx])
            ce = nn.functional.cross_entropy(logits, target[idx], reduction="none")
            return (ce * w).sum() / w.sum()

        self.module_ = self._train(self._build_module, batch_loss, counts, weights)

    def _build_module(self):
        """The untrained network for the fitted vocabulary or feature size."""
        return _AttentionBiLSTM(
            self._n_codes if self.n_line_features_ == 0 else 0,
            max(self.n_line_features_, 1),
            self.embedding_dim,
            self.hidden_size,
            self.num_layers,
        )

    def _diagnose(self, X, codes):
        n, width = codes.shape
        decision = np.zeros(n)
        alpha = np.zeros((n, width))
        mask = self._mask(X)
        with torch.inference_mode():
            for b in self._batches(n):
                logits, a = self.module_(
                    self._net_input(X[b], codes[b]),
                    torch.as_tensor(mask[b], device=self.device_),
                )
                logits = logits.double().cpu().numpy()
                decision[b] = logits[:, 1] - logits[:, 0]
                alpha[b] = a.double().cpu().numpy()
        return decision, np.where(mask, alpha, 0.0)
