"""DeepLog (Du et al., CCS 2017): next-event prediction with an LSTM."""

import numbers

import numpy as np
import torch
from torch import nn

from ._base import PAD, UNKNOWN, BaseDiagnoser, _check_param, dedupe
from ._torch import TorchDiagnoserMixin

__all__ = ["DeepLogDiagnoser"]


class _NextEventLSTM(nn.Module):
    """Embedding → LSTM → logits of the next event, for every prefix."""

    def __init__(self, n_codes, embedding_dim, hidden_size, num_layers):
        super().__init__()
        self.bos = n_codes  # extra "begin of window" input token
        self.embedding = nn.Embedding(n_codes + 1, embedding_dim, padding_idx=PAD)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, n_codes)

    def forward(self, codes):
        # Position t is predicted from lines 0..t-1 of the window (BOS first).
        bos = torch.full_like(codes[:, :1], self.bos)
        inputs = torch.cat([bos, codes[:, :-1]], dim=1)
        hidden, _ = self.lstm(self.embedding(inputs))
        return self.out(hidden)


class DeepLogDiagnoser(TorchDiagnoserMixin, BaseDiagnoser):
    """DeepLog: an LSTM learns which event comes next in normal windows.

    Du, Li, Zheng and Srikumar, *DeepLog: Anomaly Detection and Diagnosis
    from System Logs through Deep Learning*, ACM CCS 2017.  The "log key"
    model: an LSTM is trained, on **normal windows only**, to predict each
    event from the events before it.  A window is anomalous when one of its
    events is not among the ``top_g`` most likely next events (or was never
    seen in ``fit``).  The root-cause score of a line is how unexpected its
    event was, ``1 - P(event | previous lines)`` (1 for an unseen event), so
    the most surprising line ranks first.

    Differences from the paper, to work on windows with the
    ``ChimeraDiagnoser`` API: the history of a line is every earlier line of
    its window (the paper slides a fixed history of ``h`` keys over a
    session); the first line is predicted from a begin-of-window token (see
    ``min_history``); events are embedded (equivalent to the paper's one-hot
    input followed by a linear layer).  ``y`` only selects the normal
    windows.

    Input is that of ``ChimeraDiagnoser``: integer template ids ``(n, W)``
    (0 = padding) or float vectors ``(n, W, F)`` / ``(n, W)``; DeepLog needs
    discrete events, so **each distinct vector seen in** ``fit`` **is one
    event** (for ``TemplateEmbedder`` output: one event per template).

    Parameters
    ----------
    top_g : int, default=9
        An event is normal when it is among the ``top_g`` predictions (the
        paper's ``g``; 9 on HDFS).
    min_history : int, default=1
        Lines with fewer earlier lines in their window cannot raise the alarm
        (an unseen event still does): the paper only predicts a key once it
        has a history, and a window's first line has none (on BGL, judging it
        too quadruples the false alarms).  Every line is still ranked for
        the root cause.
    embedding_dim : int, default=32
        Size of the event embedding.
    hidden_size : int, default=64
        LSTM hidden size (the paper: 64).
    num_layers : int, default=2
        LSTM layers (the paper: 2).
    batch_size : int, default=128
        Normal windows per training batch.
    max_epochs : int, default=5
        Passes over the normal training windows (duplicates included).
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
        ``classes_[0]`` is the normal class the LSTM is trained on.
    n_features_in_, window_size_ : int
        Window size ``W``.
    n_line_features_ : int
        0 for template ids, else features per line.
    vocabulary_ : ndarray
        Template ids (or distinct vectors) seen in ``fit``: the events.
    module_ : torch.nn.Module
        The trained next-event LSTM.
    loss_curve_ : list of float
        Mean training loss per epoch.
    n_iter_ : int
        Epochs trained.
    device_ : str
        Device used in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from chimera_sklearn.baselines import DeepLogDiagnoser
    >>> normal = np.tile([1, 2, 3, 4], (30, 2))          # 1 2 3 4 1 2 3 4
    >>> odd = normal[:4].copy(); odd[:, 5] = 7          # an unusual event
    >>> X, y = np.r_[normal, odd], np.r_[np.zeros(30, int), np.ones(4, int)]
    >>> clf = DeepLogDiagnoser(top_g=1, hidden_size=16, lr=1e-2,
    ...                        random_state=0).fit(X, y)
    >>> clf.predict(X[[0, -1]])
    array([0, 1])
    >>> clf.predict_root_cause(X[[-1]], k=1)
    array([[5]])
    """

    def __init__(
        self,
        *,
        top_g=9,
        min_history=1,
        embedding_dim=32,
        hidden_size=64,
        num_layers=2,
        batch_size=128,
        max_epochs=5,
        min_steps=200,
        lr=1e-3,
        predict_batch_size=512,
        device="auto",
        random_state=None,
    ):
        self.top_g = top_g
        self.min_history = min_history
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.min_steps = min_steps
        self.lr = lr
        self.predict_batch_size = predict_batch_size
        self.device = device
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Unsupervised on normal windows: no accuracy promise on arbitrary data.
        tags.classifier_tags.poor_score = True
        return tags

    def _validate_params(self):
        self._validate_torch_params()
        _check_param(self, "top_g", numbers.Integral, low=1)
        _check_param(self, "min_history", numbers.Integral, low=0)
        _check_param(self, "embedding_dim", numbers.Integral, low=1)

    def _fit_codes(self, X, codes, y):
        device = self._resolve_device()
        first, counts = dedupe(codes[y == 0], y[y == 0])
        train = torch.as_tensor(codes[y == 0][first], device=device)
        n_codes = self._n_codes

        def batch_loss(module, idx, w):
            target = train[idx]
            logits = module(target)
            ce = nn.functional.cross_entropy(
                logits.reshape(-1, n_codes), target.reshape(-1), reduction="none"
            ).reshape(target.shape)
            real = (target != PAD).float()
            return (ce * real).sum() / real.sum().clamp_min(1e-12)

        self.module_ = self._train(
            self._build_module, batch_loss, counts, np.ones(len(first))
        )

    def _build_module(self):
        """The untrained network for the fitted vocabulary."""
        return _NextEventLSTM(
            self._n_codes, self.embedding_dim, self.hidden_size, self.num_layers
        )

    def _diagnose(self, X, codes):
        n, width = codes.shape
        ranks = np.zeros((n, width), dtype=np.int64)
        proba = np.zeros((n, width))
        module = self.module_
        with torch.inference_mode():
            for b in self._batches(n):
                c = torch.as_tensor(codes[b], device=self.device_)
                logits = module(c).double()
                logits[:, :, :2] = -torch.inf  # padding / unseen are never predicted
                target = c.clamp_min(2).unsqueeze(-1)
                own = logits.gather(-1, target)
                ranks[b] = (logits > own).sum(-1).cpu().numpy()
                proba[b] = torch.softmax(logits, -1).gather(-1, target)[..., 0].cpu()
        unseen = codes == UNKNOWN
        ranks[unseen] = self._n_codes + self.top_g  # always outside the top g
        proba[unseen] = 0.0
        real = codes != PAD
        judged = real.copy()
        judged[:, : self.min_history] = False
        judged |= unseen
        worst = np.where(judged, ranks, -1).max(axis=1, initial=-1)
        worst = np.maximum(worst, 0)
        decision = worst - self.top_g + 0.5
        scores = np.where(real, 1.0 - proba, 0.0)
        return decision.astype(np.float64), scores
