"""A Pipeline that also forwards the root-cause methods of its last step."""

from sklearn.pipeline import Pipeline
from sklearn.pipeline import make_pipeline as _sk_make_pipeline
from sklearn.utils.metaestimators import available_if

__all__ = ["ChimeraPipeline", "make_pipeline"]


def _final_estimator_has(attr):
    def check(self):
        getattr(self._final_estimator, attr)  # AttributeError hides the method
        return True

    return check


class ChimeraPipeline(Pipeline):
    """scikit-learn's ``Pipeline`` plus ``predict_root_cause(_proba)``.

    A plain :class:`sklearn.pipeline.Pipeline` forwards only the methods it
    knows (``predict``, ``predict_proba``, …).  This subclass also forwards
    :meth:`predict_root_cause` and :meth:`predict_root_cause_proba` through the
    transformers to the final step; everything else is exactly sklearn's.  A
    plain ``Pipeline`` still works for ``predict``, ``GridSearchCV`` and
    ``joblib``.

    See :class:`sklearn.pipeline.Pipeline` for the parameters.

    Examples
    --------
    >>> from chimera_sklearn import DrainParser, SequenceWindower, make_pipeline
    >>> from chimera_sklearn.baselines import LinearDiagnoser
    >>> windows = [["job 1 started", "job 1 done"],
    ...            ["job 2 started", "disk 3 failed", "job 2 done"],
    ...            ["job 4 started", "job 4 done"],
    ...            ["disk 7 failed", "job 5 started"]]
    >>> pipe = make_pipeline(DrainParser(output="ids"), SequenceWindower(size=3),
    ...                      LinearDiagnoser()).fit(windows, [0, 1, 0, 1])
    >>> type(pipe).__name__
    'ChimeraPipeline'
    >>> pipe.predict_root_cause(windows).ravel()   # -1: no alarm
    array([-1,  1, -1,  0])
    """

    def _transform_for_final(self, X):
        Xt = X
        for _, _, transformer in self._iter(with_final=False):
            Xt = transformer.transform(Xt)
        return Xt

    @available_if(_final_estimator_has("predict_root_cause_proba"))
    def predict_root_cause_proba(self, X):
        """Transform ``X`` and return the final step's per-line scores.

        Returns
        -------
        ndarray of shape (n_windows, window_size)
        """
        return self._final_estimator.predict_root_cause_proba(
            self._transform_for_final(X)
        )

    @available_if(_final_estimator_has("predict_root_cause"))
    def predict_root_cause(self, X, k=1):
        """Transform ``X`` and return the final step's top-``k`` culprit lines.

        Returns
        -------
        ndarray of shape (n_windows, k)
            Line positions in each window, ``-1`` where the window is not
            alarmed.
        """
        return self._final_estimator.predict_root_cause(
            self._transform_for_final(X), k=k
        )


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`ChimeraPipeline` from estimators, naming steps as sklearn.

    Same arguments as :func:`sklearn.pipeline.make_pipeline`.

    Examples
    --------
    >>> from chimera_sklearn import (DrainParser, SequenceWindower,
    ...                              TemplateEmbedder, make_pipeline)
    >>> pipe = make_pipeline(DrainParser(), SequenceWindower(size=20),
    ...                      TemplateEmbedder(n_components=32))
    >>> [name for name, _ in pipe.steps]
    ['drainparser', 'sequencewindower', 'templateembedder']
    """
    kwargs = {"memory": memory, "verbose": verbose}
    if transform_input is not None:
        kwargs["transform_input"] = transform_input
    pipe = _sk_make_pipeline(*steps, **kwargs)
    return ChimeraPipeline(pipe.steps, **kwargs)
