"""Resumable training for :class:`ChimeraDiagnoser` (private).

- :class:`TrainingCheckpoint` is skorch's ``Checkpoint`` saving the weights,
  the optimizer state and the history after *every* epoch, plus a small JSON
  manifest with a fingerprint of the data and parameters and whether the fit
  completed.  A later ``fit`` with the same fingerprint resumes an incomplete
  run; anything else starts afresh and overwrites it.
- :class:`ResumableEarlyStopping` is skorch's ``EarlyStopping`` that, on a
  resumed run, replays the saved history to recover its patience counter and
  best score, and keeps the best weights on disk next to the checkpoint.

Together with per-epoch seeds (``_net.epoch_seed``) and a learning-rate
schedule restarted at the right step, a resumed fit ends with the same weights
as an uninterrupted one.
"""

import hashlib
import json
import os

import numpy as np
import torch
from skorch.callbacks import Checkpoint, EarlyStopping

__all__ = ["ResumableEarlyStopping", "TrainingCheckpoint", "fingerprint"]

_MANIFEST = "chimera_checkpoint.json"
_BEST = "best_params.pt"


def fingerprint(params, *arrays):
    """Hex digest of estimator parameters and training arrays."""
    h = hashlib.sha256(repr(sorted(params.items())).encode())
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.view(np.uint8).reshape(-1).data)
    return h.hexdigest()


class TrainingCheckpoint(Checkpoint):
    """Checkpoint every epoch into ``dirname``; resume incomplete runs."""

    def __init__(self, dirname, fingerprint):
        super().__init__(
            monitor=None,
            dirname=str(dirname),
            f_params="params.pt",
            f_optimizer="optimizer.pt",
            f_criterion=None,
            f_history="history.json",
            f_pickle=None,
        )
        self.fingerprint = fingerprint

    def _manifest_path(self):
        return os.path.join(self.dirname, _MANIFEST)

    def _write_manifest(self, complete):
        os.makedirs(self.dirname, exist_ok=True)
        with open(self._manifest_path(), "w", encoding="utf-8") as f:
            json.dump({"fingerprint": self.fingerprint, "complete": complete}, f)

    def completed_epochs(self):
        """Epochs saved by an interrupted fit with this fingerprint (else 0)."""
        try:
            with open(self._manifest_path(), encoding="utf-8") as f:
                manifest = json.load(f)
            if manifest["fingerprint"] != self.fingerprint or manifest["complete"]:
                return 0
            path = os.path.join(self.dirname, "history.json")
            with open(path, encoding="utf-8") as f:
                history = json.load(f)
            for name in ("params.pt", "optimizer.pt"):
                if not os.path.exists(os.path.join(self.dirname, name)):
                    return 0
        except (OSError, ValueError, KeyError, TypeError):
            return 0
        return len(history)

    def load_into(self, net):
        """Load weights, optimizer state and history into an initialized net."""
        net.load_params(
            f_params=os.path.join(self.dirname, "params.pt"),
            f_optimizer=os.path.join(self.dirname, "optimizer.pt"),
            f_history=os.path.join(self.dirname, "history.json"),
        )

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        if not net.history:
            self._write_manifest(complete=False)

    def on_train_end(self, net, **kwargs):
        super().on_train_end(net, **kwargs)
        self._write_manifest(complete=True)


class ResumableEarlyStopping(EarlyStopping):
    """``EarlyStopping`` that survives an interruption (see module docstring)."""

    def __init__(self, *args, dirname=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dirname = dirname

    def _best_path(self):
        return None if self.dirname is None else os.path.join(self.dirname, _BEST)

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        if not net.history:
            return
        for row in net.history:  # replay the epochs of the interrupted fit
            score = row[self.monitor]
            if self._is_score_improved(score):
                self.misses_ = 0
                self.dynamic_threshold_ = self._calc_new_threshold(score)
                self.best_epoch_ = row["epoch"]
            else:
                self.misses_ += 1
        path = self._best_path()
        if self.load_best and path is not None and os.path.exists(path):
            self.best_model_weights_ = torch.load(
                path, map_location=net.device, weights_only=True
            )

    def on_epoch_end(self, net, **kwargs):
        best_before = self.best_epoch_
        try:
            super().on_epoch_end(net, **kwargs)
        finally:
            path = self._best_path()
            if (
                self.load_best
                and path is not None
                and self.best_epoch_ != best_before
                and self.best_model_weights_ is not None
            ):
                os.makedirs(self.dirname, exist_ok=True)
                torch.save(self.best_model_weights_, path)
