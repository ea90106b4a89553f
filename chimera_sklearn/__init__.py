"""chimera_sklearn: end-to-end log-based fault diagnosis with scikit-learn.

Chimera (He et al., ASE 2025) detects anomalous windows of log lines and
localizes the lines that caused them, with one multi-task model trained from
window labels alone.  This package provides it as scikit-learn estimators:

- :func:`make_windows` turns a log stream into windows (samples);
- :class:`DrainParser`, :class:`SequenceWindower` and :class:`TemplateEmbedder`
  turn windows of raw lines into float arrays inside a ``Pipeline``;
- :class:`ChimeraDiagnoser` is the multi-task model (``predict`` for anomalies,
  ``predict_root_cause`` for culprit lines);
- :func:`make_pipeline` builds a pipeline that forwards the root-cause methods.
"""

from ._version import __version__
from .encoding import TemplateEmbedder
from .parsing import DrainParser
from .windowing import SequenceWindower, chronological_split, make_windows

__all__ = [
    "ChimeraDiagnoser",
    "ChimeraPipeline",
    "DrainParser",
    "SequenceWindower",
    "TemplateEmbedder",
    "__version__",
    "chronological_split",
    "make_pipeline",
    "make_windows",
]

_LAZY = {
    # torch is only imported when the model is first used.
    "ChimeraDiagnoser": ".model",
    "ChimeraPipeline": ".pipeline",
    "make_pipeline": ".pipeline",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(_LAZY[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
