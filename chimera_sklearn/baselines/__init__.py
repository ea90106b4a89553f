"""Baseline diagnosers with the same API as ``ChimeraDiagnoser``.

Each one detects anomalous windows (``predict``, ``predict_proba``,
``decision_function``) and ranks their lines (``predict_root_cause_proba``,
``predict_root_cause``), on template ids ``(n, W)`` or line vectors
``(n, W, F)``:

- :class:`LinearDiagnoser`: template counts + logistic regression; root cause
  = coefficient of the line's template (He et al., ISSRE 2016);
- :class:`DeepLogDiagnoser`: next-event LSTM trained on normal windows; root
  cause = how unexpected the line was (Du et al., CCS 2017);
- :class:`LogRobustDiagnoser`: attention BiLSTM over semantic vectors; root
  cause = attention weight (Zhang et al., ESEC/FSE 2019).

The two torch models are imported lazily.
"""

from ._linear import LinearDiagnoser

__all__ = ["DeepLogDiagnoser", "LinearDiagnoser", "LogRobustDiagnoser"]

_LAZY = {"DeepLogDiagnoser": "._deeplog", "LogRobustDiagnoser": "._logrobust"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
