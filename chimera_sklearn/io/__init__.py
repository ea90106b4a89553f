"""Safe persistence: share fitted models without running code on load.

``joblib.dump``/``joblib.load`` (and pickle) keep everything and are fastest,
but loading a pickle runs code chosen by whoever wrote the file: use them for
your own models only.  To share a model, or to load one from elsewhere, use
:func:`dump` and :func:`load`: the estimator tree is stored with
:mod:`skops.io`, which rebuilds only types on an explicit allow-list
(:data:`TRUSTED_TYPES`, plus scikit-learn and numpy), and the torch weights
are stored as tensors and read with ``torch.load(weights_only=True)``.  A
model trained on a GPU loads on a CPU-only machine.
"""

from ._safe import TRUSTED_TYPES, dump, get_untrusted_types, load

__all__ = ["TRUSTED_TYPES", "dump", "get_untrusted_types", "load"]
