"""Torch modules of the Chimera network (private).

The layout follows ``docs/chimera_method.md`` §3 (the authors' reference code):
three 2-layer bidirectional GRU encoders (private localization, private
detection, shared), fusion by averaging, a per-line MLP localizer with a
sigmoid, and an additive-attention detector with a learned guide vector and a
rank prior.  The losses live in :mod:`._net`; the module only computes the
forward pass and returns every tensor the losses need.
"""

import math

import torch
from torch import nn

__all__ = ["ChimeraModule"]


def _mlp(in_features, hidden_sizes, out_features, dropout):
    layers = []
    size = in_features
    for h in hidden_sizes:
        layers += [nn.Linear(size, h), nn.ReLU(), nn.Dropout(dropout)]
        size = h
    layers.append(nn.Linear(size, out_features))
    return nn.Sequential(*layers)


def masked_softmax(logits, mask):
    """Softmax over the last axis restricted to ``mask`` (True = real line)."""
    logits = logits.masked_fill(~mask, float("-inf"))
    return torch.softmax(logits, dim=-1)


class ChimeraModule(nn.Module):
    """Chimera network.

    Parameters
    ----------
    input_mode : {"precomputed", "learned"}
        ``"precomputed"``: the input is float ``(n, W, n_features)``.
        ``"learned"``: the input is int64 ``(n, W)`` of compact template ids
        (0 = padding, 1 = unknown) fed to an ``nn.Embedding``.
    n_features : int
        Feature size of precomputed inputs (ignored for ``"learned"``).
    vocab_size : int
        Number of embedding rows for ``"learned"`` (padding and unknown included).
    embedding_dim : int
        Embedding size for ``"learned"``.
    hidden_size : int
        GRU hidden size per direction (representations are ``2 * hidden_size``).
    num_layers, gru_dropout : int, float
        GRU depth and inter-layer dropout.
    localizer_hidden, detector_hidden : tuple of int
        Hidden sizes of the localizer and classifier MLPs.
    head_dropout : float
        Dropout after every ReLU of both heads.
    sigmoid_dropout : bool
        Reference-code quirk: dropout (rate ``head_dropout``) on the localizer's
        sigmoid output during training.
    shared_encoder : bool
        Feature-level interaction.  If False there is no shared encoder and the
        private representations are used directly.
    rank_prior : bool
        Multiply the attention by the fixed rank prior ``1 / (1 + rank / c)``.
    rank_prior_scale : float
        The ``c`` of the rank prior (3 in the paper).
    renormalize_rank_prior : bool
        Renormalize the re-weighted attention to sum to one (the reference code
        does not).
    padding_mask : bool
        Treat all-zero feature vectors (precomputed) as padding.  Learned ids
        always treat id 0 as padding.
    """

    def __init__(
        self,
        input_mode="precomputed",
        n_features=1,
        vocab_size=2,
        embedding_dim=128,
        hidden_size=128,
        num_layers=2,
        gru_dropout=0.1,
        localizer_hidden=(128, 32),
        detector_hidden=(128, 32),
        head_dropout=0.6,
        sigmoid_dropout=True,
        shared_encoder=True,
        rank_prior=True,
        rank_prior_scale=3.0,
        renormalize_rank_prior=False,
        padding_mask=True,
    ):
        super().__init__()
        self.input_mode = input_mode
        self.shared = bool(shared_encoder)
        self.use_rank_prior = bool(rank_prior)
        self.rank_prior_scale = float(rank_prior_scale)
        self.renormalize_rank_prior = bool(renormalize_rank_prior)
        self.padding_mask = bool(padding_mask)
        self.sigmoid_dropout = bool(sigmoid_dropout)

        if input_mode == "learned":
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
            in_size = embedding_dim
        else:
            self.embedding = None
            in_size = n_features
        rep = 2 * hidden_size

        def gru():
            return nn.GRU(
                in_size,
                hidden_size,
                num_layers=num_layers,
                bidirectional=True,
                batch_first=True,
                dropout=gru_dropout if num_layers > 1 else 0.0,
            )

        self.enc_loc = gru()
        self.enc_det = gru()
        self.enc_shared = gru() if self.shared else None

        self.localizer = _mlp(rep, localizer_hidden, 1, head_dropout)
        self.out_dropout = nn.Dropout(head_dropout)
        for m in self.localizer:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

        self.guide = nn.Parameter(torch.randn(rep))
        self.attn = nn.Linear(2 * rep, 1)
        bound = math.sqrt(6.0 / (2 * rep + 1))
        nn.init.uniform_(self.attn.weight, -bound, bound)
        nn.init.zeros_(self.attn.bias)
        self.classifier = _mlp(rep, detector_hidden, 2, head_dropout)

    def _embed(self, X):
        """``(x, real)``: the line vectors and the mask of real (non-padding) lines."""
        if self.embedding is not None:
            mask = X != 0
            x = self.embedding(X)
        else:
            x = X
            if self.padding_mask:
                mask = (x != 0).any(dim=-1)
            else:
                mask = torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
        return x, mask

    @staticmethod
    def _keep_empty(real):
        """The mask for the heads: a window made only of padding keeps all its
        positions, so that softmax and max stay defined (its scores are
        meaningless anyway)."""
        return real | ~real.any(dim=1, keepdim=True)

    def _rank_weights(self, alpha, mask):
        # rank 0 = largest attention weight; padding (alpha = 0) ranks last.
        order = torch.argsort(alpha.masked_fill(~mask, -1.0), dim=1, descending=True)
        ranks = torch.argsort(order, dim=1).to(alpha.dtype)
        return 1.0 / (1.0 + ranks / self.rank_prior_scale)

    def _fuse(self, h, h_sh):
        """Feature-level fusion: the average with the shared representation."""
        return h if h_sh is None else (h + h_sh) / 2

    def _localize(self, f_loc, mask):
        """Localizer head: ``(s, s_logit)``, padding scores 0."""
        s_logit = self.localizer(f_loc).squeeze(-1)
        s = torch.sigmoid(s_logit)
        if self.sigmoid_dropout and self.training:
            s = self.out_dropout(s)
        return s * mask, s_logit

    def _detect(self, f_det, mask):
        """Detector head: ``(logits, alpha)``."""
        g = self.guide.expand(f_det.shape[0], f_det.shape[1], -1)
        e = torch.tanh(self.attn(torch.cat([g, f_det], dim=-1)).squeeze(-1))
        alpha = masked_softmax(e, mask)
        weights = alpha
        if self.use_rank_prior:
            weights = alpha * self._rank_weights(alpha.detach(), mask)
            if self.renormalize_rank_prior:
                weights = weights / weights.sum(dim=1, keepdim=True)
        z = torch.bmm(weights.unsqueeze(1), f_det).squeeze(1)
        return self.classifier(z), alpha

    def forward(self, X):
        """Return ``(logits, s, alpha, s_logit, h_loc, h_det, h_sh, mask)``.

        ``logits`` (n, 2), ``s`` (n, W) root-cause probabilities (with the
        quirk dropout in training if enabled), ``alpha`` (n, W) raw attention,
        ``s_logit`` (n, W) the localizer logits, ``h_*`` (n, W, 2H) encoder
        outputs (``h_sh`` is None without a shared encoder), ``mask`` (n, W).
        """
        x, real = self._embed(X)
        mask = self._keep_empty(real)
        h_loc, _ = self.enc_loc(x)
        h_det, _ = self.enc_det(x)
        h_sh = self.enc_shared(x)[0] if self.shared else None
        s, s_logit = self._localize(self._fuse(h_loc, h_sh), mask)
        logits, alpha = self._detect(self._fuse(h_det, h_sh), mask)
        return logits, s, alpha, s_logit, h_loc, h_det, h_sh, mask

    def predict_outputs(self, X, detect=True, localize=True):
        """Return ``(logits, s, mask)`` for inference (padding scores are 0).

        A head that is not asked for (``detect=False``: no ``logits``;
        ``localize=False``: no ``s``) is returned as None, and its private
        encoder does not run: one head costs two GRU encoders, not three.

        ``mask`` is True at real lines only: a window made only of padding
        (an empty window) runs through the heads with all its positions, but
        gets the scores 0 and an all-False mask, so that no padding position is
        ever named as its culprit.
        """
        x, real = self._embed(X)
        mask = self._keep_empty(real)
        h_sh = self.enc_shared(x)[0] if self.shared else None
        logits = s = None
        if localize:
            s, _ = self._localize(self._fuse(self.enc_loc(x)[0], h_sh), mask)
            s = s * real
        if detect:
            logits, _ = self._detect(self._fuse(self.enc_det(x)[0], h_sh), mask)
        return logits, s, real
