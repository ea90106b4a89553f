"""A small seeded mini-batch training loop shared by the torch baselines."""

import numbers

import numpy as np
import torch
from sklearn.utils import check_random_state

from ..io import _safe as safe_io
from ._base import _check_param

__all__ = ["TorchDiagnoserMixin"]


class TorchDiagnoserMixin:
    """Parameters and helpers common to the torch baselines."""

    def _validate_torch_params(self):
        for name in ("hidden_size", "num_layers", "batch_size", "max_epochs"):
            _check_param(self, name, numbers.Integral, low=1)
        _check_param(self, "predict_batch_size", numbers.Integral, low=1)
        _check_param(self, "min_steps", numbers.Integral, low=0)
        _check_param(self, "lr", numbers.Real, low=1e-12)
        if not isinstance(self.device, (str, torch.device)):
            raise TypeError(f"device must be a str; got {self.device!r}.")

    def __getstate__(self):
        state = super().__getstate__()
        if safe_io.saving() and "module_" in state:
            # chimera_sklearn.io.dump: the network's weights as tensors.
            state = dict(state)
            state["module_"] = safe_io.export_tensors(self.module_)
        return state

    def __setstate__(self, state):
        ref = state.get("module_")
        if not safe_io.is_tensor_ref(ref):
            super().__setstate__(state)
            return
        super().__setstate__({**state, "module_": None})
        self.device_ = safe_io.available_device(self.device_)
        with torch.random.fork_rng(devices=[]):
            module = self._build_module()
        module.load_state_dict(safe_io.import_tensors(ref))
        self.module_ = module.to(self.device_).eval()

    def _resolve_device(self):
        device = self.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device_ = str(device)
        return torch.device(self.device_)

    def _train(self, build_module, batch_loss, counts, weights):
        """Build and train a module with Adam, seeded by ``random_state``.

        The training set is given as distinct samples with their ``counts``;
        an epoch visits every sample as often as it occurs (the same batches
        as the data with its duplicates), in a seeded random order, and at
        least ``min_steps`` batches are run in total (more epochs on small
        data).  ``build_module()`` returns the untrained module (its
        initialization is seeded); ``batch_loss(module, idx, w)`` returns the
        loss of the distinct samples ``idx`` with per-sample weights ``w``.
        The caller's global torch RNG is left untouched
        (``torch.random.fork_rng``).
        """
        rng = check_random_state(self.random_state)
        torch_seed, order_seed = rng.randint(0, 2**31 - 1, size=2)
        order_rng = np.random.RandomState(order_seed)
        devices = [torch.device(self.device_)] if "cuda" in self.device_ else []
        weights = torch.as_tensor(weights, dtype=torch.float32)
        samples = np.repeat(np.arange(len(counts)), counts)
        n = len(samples)
        steps_per_epoch = -(-n // self.batch_size) if n else 0
        n_epochs = self.max_epochs
        if steps_per_epoch:
            n_epochs = max(n_epochs, -(-self.min_steps // steps_per_epoch))
        losses = []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(int(torch_seed))
            module = build_module().to(self.device_)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr)
            module.train()
            for _ in range(n_epochs if n else 0):
                perm = samples[order_rng.permutation(n)]
                total = 0.0
                for start in range(0, n, self.batch_size):
                    idx = perm[start : start + self.batch_size]
                    w = weights[idx].to(self.device_)
                    optimizer.zero_grad()
                    loss = batch_loss(module, idx, w)
                    loss.backward()
                    optimizer.step()
                    total += float(loss.detach()) * len(idx)
                losses.append(total / n)
        module.eval()
        self.loss_curve_ = losses
        self.n_iter_ = len(losses)
        return module

    def _batches(self, n):
        for start in range(0, n, self.predict_batch_size):
            yield slice(start, start + self.predict_batch_size)
