"""Private skorch plumbing for :class:`ChimeraDiagnoser`.

- :class:`BalancedBatchIterator` draws batches of ``B`` normal and ``B``
  anomalous windows by *index*: duplicated windows are stored once with a count,
  and the minority class is cycled through fresh permutations instead of being
  copied.
- :class:`ChimeraNet` is a :class:`skorch.NeuralNet` whose ``get_loss`` adds
  the Chimera losses (classification, MIL ranking, difference, alignment,
  normal-template penalty and the optional sparsity / root-cause terms) and
  logs each one in ``history``.
- :class:`WarmupSchedule` is the picklable learning-rate multiplier used by the
  ``LRScheduler`` callback.

The internal target is a 2-D int64 array ``y[:, 0]`` = window label (0/1),
``y[:, 1]`` = multiplicity of the (deduplicated) window, ``y[:, 2:]`` =
root-cause labels per line (-1 = unknown).
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.utils import to_tensor

from ._network import masked_softmax

__all__ = ["BalancedBatchIterator", "ChimeraNet", "WarmupSchedule"]


def epoch_seed(seed, epoch):
    """A 31-bit seed for ``epoch`` derived from ``seed`` (independent streams)."""
    state = np.random.SeedSequence([int(seed), int(epoch)]).generate_state(1)
    return int(state[0] >> 1)


class BalancedBatchIterator:
    """Balanced batches of paired normal / anomalous windows.

    One epoch is one pass over the larger class (counting multiplicities);
    the smaller class is drawn from successive permutations of its (expanded)
    index array, so no window data is ever duplicated in memory.  Batch ``i``
    holds ``b`` normal windows followed by ``b`` anomalous windows; normal
    window ``j`` is paired with anomalous window ``j``.

    Parameters
    ----------
    dataset : skorch Dataset
        With numpy ``X`` and ``y`` as described in the module docstring.
    batch_size : int
        Windows *per class* in a batch.
    shuffle : bool
        Draw random permutations (training) or go in order (validation).
    seed : int
        Seed of the private numpy generator (one per iterator).
    min_batches : int
        At least this many batches per epoch: on a small training set both
        classes are cycled through fresh permutations until it is reached.
    """

    def __init__(self, dataset, batch_size=256, shuffle=True, seed=0, min_batches=1):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = seed
        self.min_batches = int(min_batches)
        self._rng = np.random.RandomState(seed)
        y = np.asarray(dataset.y)
        labels, counts = y[:, 0], y[:, 1]
        self._neg = np.repeat(np.flatnonzero(labels == 0), counts[labels == 0])
        self._pos = np.repeat(np.flatnonzero(labels == 1), counts[labels == 1])
        n_major = max(len(self._neg), len(self._pos))
        self._n_batches = (
            max(math.ceil(n_major / self.batch_size), self.min_batches)
            if n_major
            else 0
        )

    def __len__(self):
        return self._n_batches

    def reseed(self, seed):
        """Restart the private generator from ``seed``."""
        self._rng = np.random.RandomState(seed)

    def _stream(self, idx, n):
        if len(idx) == 0:
            return idx
        parts, total = [], 0
        while total < n:
            parts.append(self._rng.permutation(idx) if self.shuffle else idx)
            total += len(idx)
        return np.concatenate(parts)[:n]

    def __iter__(self):
        n_major = max(len(self._neg), len(self._pos))
        n_draw = max(n_major, self._n_batches * self.batch_size)
        neg = self._stream(self._neg, n_draw)
        pos = self._stream(self._pos, n_draw)
        X, y = self.dataset.X, self.dataset.y
        b = self.batch_size
        for i in range(self._n_batches):
            nb, pb = neg[i * b : (i + 1) * b], pos[i * b : (i + 1) * b]
            if len(nb) and len(pb):
                m = min(len(nb), len(pb))
                nb, pb = nb[:m], pb[:m]
            idx = np.concatenate([nb, pb])
            yield torch.as_tensor(X[idx]), torch.as_tensor(y[idx])


class WarmupSchedule:
    """Learning-rate multiplier, called with the scheduler's step count.

    Parameters
    ----------
    kind : {"paper", "cosine", "constant"}
        ``"paper"``: the reference code's per-epoch Noam schedule
        ``min((e + 1) ** -0.5, (e + 1) * warmup ** -1.5)`` (``warmup`` in
        epochs).  ``"cosine"``: linear warm-up over ``warmup`` steps, then a
        cosine decay to ``final_ratio`` at ``total`` steps.  ``"constant"``:
        linear warm-up, then 1.
    warmup : int
        Warm-up length in scheduler steps.
    total : int
        Total number of scheduler steps (``"cosine"`` only).
    final_ratio : float
        Multiplier reached at the end of the cosine decay.
    """

    def __init__(self, kind="cosine", warmup=0, total=1, final_ratio=0.0):
        self.kind = kind
        self.warmup = warmup
        self.total = total
        self.final_ratio = final_ratio

    def __call__(self, step):
        if self.kind == "paper":
            e = step + 1
            return min(e**-0.5, e * max(self.warmup, 1) ** -1.5)
        if self.warmup and step < self.warmup:
            return (step + 1) / (self.warmup + 1)
        if self.kind == "constant":
            return 1.0
        span = max(self.total - self.warmup, 1)
        t = min(max(step - self.warmup, 0) / span, 1.0)
        return self.final_ratio + (1 - self.final_ratio) * 0.5 * (
            1 + math.cos(math.pi * t)
        )


def difference_loss(a, b):
    """DSN orthogonality loss: mean squared entry of ``â^T b̂`` (detached norms)."""
    a = a / (a.norm(dim=1, keepdim=True).detach() + 1e-6)
    b = b / (b.norm(dim=1, keepdim=True).detach() + 1e-6)
    return (a.t() @ b).pow(2).mean()


def jensen_shannon(alpha, s, mask, softmax_attention=True, temperature=1.0):
    """JSD between the attention ``alpha`` and the line scores ``s`` per window.

    ``P = softmax(alpha)`` (reference quirk, or ``alpha`` itself),
    ``Q = softmax(s / temperature)``; returns the mean over windows.
    """
    p = masked_softmax(alpha, mask) if softmax_attention else alpha
    q = masked_softmax(s / temperature, mask)
    # Padding positions get p = q = m = 1 so that they add 0 to the divergence
    # and no 0 * log(0) reaches the backward pass (NaN gradients).
    one = torch.ones_like(p)
    p, q = torch.where(mask, p, one), torch.where(mask, q, one)
    m = (p + q) / 2
    kl_pm = (torch.xlogy(p, p) - torch.xlogy(p, m)).sum(1)
    kl_qm = (torch.xlogy(q, q) - torch.xlogy(q, m)).sum(1)
    return (0.5 * kl_pm + 0.5 * kl_qm).mean()


def line_keys(X):
    """One integer key per line: its template id (learned ids) or the index of
    its distinct feature vector (precomputed inputs), shape ``(n, W)``."""
    if not X.is_floating_point():
        return X
    flat = X.reshape(-1, X.shape[-1]) if X.dim() == 3 else X.reshape(-1, 1)
    # A random projection in float64 tells distinct vectors apart (equal
    # vectors get equal keys) at a fraction of the cost of a row-wise unique.
    gen = torch.Generator().manual_seed(0)
    proj = torch.rand(flat.shape[1], 1, generator=gen, dtype=torch.float64)
    proj = (flat.double() @ proj.to(flat.device)).squeeze(1)
    return torch.unique(proj, return_inverse=True)[1].reshape(X.shape[:2])


def normal_template_penalty(keys, p, mask, labels):
    """Mean excess score of anomalous-window lines over their template's mean
    score in the batch's normal windows.

    Every line of a normal window is a non-culprit (the multiple-instance
    assumption behind the ranking loss).  This carries that evidence across
    windows: a line of an anomalous window whose template also occurs in a
    normal window of the batch is pulled down to that template's (detached)
    mean score there.  Lines of templates that no normal window of the batch
    contains are left alone.
    """
    normal = mask & (labels == 0)[:, None]
    anomalous = mask & (labels == 1)[:, None]
    size = int(keys.max()) + 1
    k_n, p_n = keys[normal], p[normal].detach()
    count = p.new_zeros(size).index_add_(0, k_n, torch.ones_like(p_n))
    mean = p.new_zeros(size).index_add_(0, k_n, p_n) / count.clamp(min=1)
    k_a, p_a = keys[anomalous], p[anomalous]
    seen = count[k_a] > 0
    if not seen.any():
        return p.new_zeros(())
    return torch.relu(p_a[seen] - mean[k_a[seen]]).mean()


class ChimeraNet(NeuralNet):
    """skorch net with the Chimera multi-task loss (private).

    Extra parameters (plain attributes, set by the estimator): ``ce_weight``,
    ``rank_weight``, ``diff_weight``, ``align_weight``, ``sparsity_weight``,
    ``template_weight``, ``root_cause_weight``, ``rank_margin``,
    ``align_softmax_attention``, ``align_temperature``.
    """

    def __init__(
        self,
        *args,
        ce_weight=1.0,
        rank_weight=2.0,
        diff_weight=0.001,
        align_weight=0.5,
        sparsity_weight=0.0,
        template_weight=0.0,
        root_cause_weight=0.0,
        rank_margin=1.0,
        align_softmax_attention=True,
        align_temperature=1.0,
        torch_seed=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.torch_seed = torch_seed
        self.ce_weight = ce_weight
        self.rank_weight = rank_weight
        self.diff_weight = diff_weight
        self.align_weight = align_weight
        self.sparsity_weight = sparsity_weight
        self.template_weight = template_weight
        self.root_cause_weight = root_cause_weight
        self.rank_margin = rank_margin
        self.align_softmax_attention = align_softmax_attention
        self.align_temperature = align_temperature

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        # Batches and dropout draws depend only on (seed, epoch): an
        # interrupted fit resumed from its checkpoint continues exactly where
        # it stopped.
        epoch = len(self.history)
        iterator = getattr(self, "_train_iterator", None)
        if iterator is not None:
            iterator.reseed(epoch_seed(iterator.seed, epoch))
        if self.torch_seed is not None:
            torch.manual_seed(epoch_seed(self.torch_seed, epoch))

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if training and isinstance(iterator, BalancedBatchIterator):
            self._train_iterator = iterator  # reseeded every epoch
        return iterator

    def on_train_end(self, net, **kwargs):
        super().on_train_end(net, **kwargs)
        self._train_iterator = None  # it holds the training data

    def get_loss(self, y_pred, y_true, X=None, training=False):
        logits, s, alpha, s_logit, h_loc, h_det, h_sh, mask = y_pred
        y = to_tensor(y_true, device=logits.device)
        labels = y[:, 0]
        neg = torch.nonzero(labels == 0).squeeze(1)
        pos = torch.nonzero(labels == 1).squeeze(1)
        zero = logits.new_zeros(())
        parts = {}

        ce = zero
        for idx, target in ((neg, 0), (pos, 1)):
            if len(idx):
                tgt = torch.full((len(idx),), target, device=logits.device)
                ce = ce + F.cross_entropy(logits[idx], tgt)
        parts["ce"] = ce

        m = min(len(neg), len(pos))
        rank = zero
        if m and self.rank_weight:
            top_a = s[pos[:m]].max(dim=1).values
            top_n = s[neg[:m]].max(dim=1).values
            rank = torch.relu(self.rank_margin - top_a + top_n).mean()
        parts["rank"] = rank

        diff = zero
        if h_sh is not None and self.diff_weight:
            for idx in (neg, pos):
                if len(idx):
                    mk = mask[idx]
                    sh = h_sh[idx][mk]
                    diff = diff + difference_loss(h_loc[idx][mk], sh)
                    diff = diff + difference_loss(h_det[idx][mk], sh)
        parts["diff"] = diff

        align = zero
        if self.align_weight:
            for idx in (neg, pos):
                if len(idx):
                    align = align + jensen_shannon(
                        alpha[idx],
                        s[idx],
                        mask[idx],
                        softmax_attention=self.align_softmax_attention,
                        temperature=self.align_temperature,
                    )
        parts["align"] = align

        sparsity = zero
        if self.sparsity_weight and len(pos):
            mk = mask[pos].to(s.dtype)
            sparsity = ((s[pos] * mk).sum(1) / mk.sum(1)).mean()
        parts["sparsity"] = sparsity

        template = zero
        if self.template_weight and X is not None:
            template = normal_template_penalty(
                line_keys(to_tensor(X, device=logits.device)),
                torch.sigmoid(s_logit),
                mask,
                labels,
            )
        parts["template"] = template

        rc_loss = zero
        if self.root_cause_weight and len(pos):
            rc = y[pos, 2:]
            known = (rc >= 0) & mask[pos]
            if known.any():
                rc_loss = F.binary_cross_entropy_with_logits(
                    s_logit[pos][known], rc[known].to(s_logit.dtype)
                )
        parts["root_cause"] = rc_loss

        total = (
            self.ce_weight * ce
            + self.rank_weight * rank
            + self.diff_weight * diff
            + self.align_weight * align
            + self.sparsity_weight * sparsity
            + self.template_weight * template
            + self.root_cause_weight * rc_loss
        )
        prefix = "train" if training else "valid"
        for name, value in parts.items():
            value = float(value.detach())
            if training and not math.isfinite(value):
                self._diverged(name, value)
            self.history.record_batch(f"{prefix}_{name}", value)
        return total

    def _diverged(self, name, value):
        epoch = len(self.history)
        batch = len(self.history[-1]["batches"])
        lr = self.optimizer_.param_groups[0]["lr"]
        raise FloatingPointError(
            f"Training diverged: the {name!r} loss is {value} in epoch {epoch}, "
            f"batch {batch} (learning rate {lr:.3g}). Lower `lr`, raise "
            "`warmup`, or check the input windows for extreme feature values; "
            "the model is left unfitted."
        )
