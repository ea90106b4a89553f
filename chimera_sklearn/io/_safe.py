"""A model file format that loads without running code from the file.

The file is a zip archive:

- ``manifest.json``: format name and version, package versions, weight members;
- ``model.skops``: the estimator tree written with :mod:`skops.io`, with every
  torch network replaced by a reference to a weights member and the drain3
  miner replaced by plain lists and dicts;
- ``weights/<i>.pt``: one ``state_dict`` of CPU tensors per network, written
  with :func:`torch.save` and read back with ``torch.load(weights_only=True)``.

The estimators take part through ``__getstate__``/``__setstate__``: while
:func:`dump` runs, :func:`saving` is true and they hand their networks to
:func:`export_tensors`; while :func:`load` runs, a reference comes back
through :func:`import_tensors` and they rebuild the network from their own
parameters.  Pickle and joblib are unaffected.
"""

import io
import json
import os
import threading
import warnings
import zipfile
from contextlib import contextmanager

__all__ = [
    "FORMAT",
    "TRUSTED_TYPES",
    "available_device",
    "dump",
    "export_tensors",
    "get_untrusted_types",
    "import_tensors",
    "is_tensor_ref",
    "load",
    "saving",
]

FORMAT = "chimera_sklearn.safe"
FORMAT_VERSION = 1
_REF = "__chimera_sklearn_weights__"

#: Types outside scikit-learn, numpy and builtins that :func:`load` trusts.
#: skops trusts scikit-learn's own estimators and numpy arrays by itself.
TRUSTED_TYPES = (
    "chimera_sklearn.baselines._deeplog.DeepLogDiagnoser",
    "chimera_sklearn.baselines._linear.LinearDiagnoser",
    "chimera_sklearn.baselines._logrobust.LogRobustDiagnoser",
    "chimera_sklearn.encoding._embedder.TemplateEmbedder",
    "chimera_sklearn.encoding._embedder.template_tokens",
    "chimera_sklearn.model._diagnoser.ChimeraDiagnoser",
    "chimera_sklearn.parsing._drain.DrainParser",
    "chimera_sklearn.pipeline.ChimeraPipeline",
    "chimera_sklearn.windowing._windower.SequenceWindower",
)

_state = threading.local()


def saving():
    """True while :func:`dump` serializes (in this thread)."""
    return getattr(_state, "out", None) is not None


def export_tensors(module):
    """Queue a network's weights for the archive; return their reference.

    The same module (skops may ask an object for its state more than once)
    is stored once.
    """
    out, names = _state.out, _state.names
    name = names.get(id(module))
    if name is None:
        name = names[id(module)] = f"weights/{len(out)}.pt"
        out[name] = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    return {_REF: name}


def is_tensor_ref(value):
    """True for a reference returned by :func:`export_tensors`."""
    return isinstance(value, dict) and set(value) == {_REF}


def import_tensors(ref):
    """The CPU ``state_dict`` behind a reference, while :func:`load` runs."""
    tensors = getattr(_state, "tensors", None)
    if tensors is None:
        raise ValueError(
            "This estimator state holds a reference to separately stored "
            "weights; load it with chimera_sklearn.io.load, not skops.io directly."
        )
    return tensors[ref[_REF]]


def available_device(device):
    """``device`` if it exists here, else ``"cpu"`` with a warning."""
    import torch

    if str(device).startswith("cuda") and not torch.cuda.is_available():
        warnings.warn(
            f"The model was fitted on {device!r}, which is not available here; "
            "it runs on the CPU.",
            UserWarning,
            stacklevel=4,
        )
        return "cpu"
    return str(device)


@contextmanager
def _bind(name, value):
    setattr(_state, name, value)
    try:
        yield value
    finally:
        setattr(_state, name, None)


def dump(estimator, file):
    """Save a fitted estimator or pipeline in the safe format.

    Parameters
    ----------
    estimator : object
        A fitted chimera_sklearn estimator, a ``Pipeline`` of them, or any
        object that :mod:`skops.io` can save.
    file : str or path-like
        Destination path (conventionally ``*.chimera``).

    See Also
    --------
    load : Load the file back.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from chimera_sklearn.baselines import LinearDiagnoser
    >>> from chimera_sklearn import io
    >>> X = np.array([[2, 3, 4], [2, 5, 4], [2, 3, 3], [5, 5, 4]])
    >>> clf = LinearDiagnoser().fit(X, [0, 1, 0, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.chimera")
    >>> io.dump(clf, path)
    >>> io.load(path).predict(X).tolist() == clf.predict(X).tolist()
    True
    """
    import skops.io as sio
    import torch

    if not isinstance(file, (str, os.PathLike)):
        raise TypeError(f"file must be a path, got {type(file).__name__}.")
    with _bind("out", {}) as tensors, _bind("names", {}):
        model = sio.dumps(estimator)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "weights": sorted(tensors),
    }
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("manifest.json", json.dumps(manifest, indent=1))
        z.writestr("model.skops", model)
        for name, state_dict in tensors.items():
            buf = io.BytesIO()
            torch.save(state_dict, buf)
            z.writestr(name, buf.getvalue())


def _versions():
    import sklearn
    import skops
    import torch

    from .. import __version__

    return {
        "chimera_sklearn": __version__,
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "torch": torch.__version__,
    }


def _read(file):
    """``(manifest, skops bytes, zip)`` of a safe model file, or a clear error."""
    if not isinstance(file, (str, os.PathLike)):
        raise TypeError(f"file must be a path, got {type(file).__name__}.")
    try:
        z = zipfile.ZipFile(file)
        manifest = json.loads(z.read("manifest.json"))
        model = z.read("model.skops")
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ValueError(
            f"{os.fspath(file)!r} is not a chimera_sklearn safe model file "
            "(written by chimera_sklearn.io.dump); a joblib or pickle file "
            "loads with joblib.load, which runs code from the file: only for "
            f"files you trust. ({exc})"
        ) from None
    if manifest.get("format") != FORMAT:
        z.close()
        raise ValueError(f"{os.fspath(file)!r} is not a {FORMAT} file.")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        z.close()
        raise ValueError(
            f"{os.fspath(file)!r} has format version "
            f"{manifest['format_version']}, newer than this chimera_sklearn "
            f"reads ({FORMAT_VERSION}); upgrade chimera_sklearn."
        )
    return manifest, model, z


def get_untrusted_types(file):
    """Types in a model file that :func:`load` would refuse.

    Parameters
    ----------
    file : str or path-like
        A file written by :func:`dump`.

    Returns
    -------
    types : list of str
        Fully qualified type names that are neither trusted by skops by
        default nor listed in :data:`TRUSTED_TYPES`.  Inspect them before
        passing them to ``load(file, trusted=...)``.

    Examples
    --------
    A pipeline with a step of your own (here a ``FunctionTransformer`` of a
    plain function) holds a type that is not trusted by default:

    >>> import numpy as np, operator, tempfile, os
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from chimera_sklearn.baselines import LinearDiagnoser
    >>> from chimera_sklearn import io
    >>> X = np.array([[2, 3, 4], [2, 5, 4], [2, 3, 3], [5, 5, 4]])
    >>> pipe = make_pipeline(FunctionTransformer(operator.abs), LinearDiagnoser())
    >>> pipe = pipe.fit(X, [0, 1, 0, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.chimera")
    >>> io.dump(pipe, path)
    >>> io.get_untrusted_types(path)
    ['_operator.abs']
    """
    import skops.io as sio

    _, model, z = _read(file)
    z.close()
    return sorted(set(sio.get_untrusted_types(data=model)) - set(TRUSTED_TYPES))


def load(file, *, trusted=None):
    """Load an estimator saved with :func:`dump`, without running its code.

    Parameters
    ----------
    file : str or path-like
        A file written by :func:`dump`.
    trusted : sequence of str, default=None
        Extra fully qualified type names to allow, for example the custom
        steps of your own pipeline (see :func:`get_untrusted_types`).  The
        package's estimators (:data:`TRUSTED_TYPES`), scikit-learn and numpy
        types are always allowed.

    Returns
    -------
    estimator : object
        The fitted estimator, its networks on the CPU unless it was fitted
        on a GPU and one is available (``device="auto"``).

    Raises
    ------
    ValueError
        If the file is not a safe model file, or holds types that are not
        trusted (the message lists them).

    Examples
    --------
    >>> import numpy as np, operator, tempfile, os
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from chimera_sklearn.baselines import LinearDiagnoser
    >>> from chimera_sklearn import io
    >>> X = np.array([[2, 3, 4], [2, 5, 4], [2, 3, 3], [5, 5, 4]])
    >>> folder = tempfile.mkdtemp()
    >>> clf = LinearDiagnoser().fit(X, [0, 1, 0, 1])
    >>> io.dump(clf, os.path.join(folder, "clf.chimera"))
    >>> io.load(os.path.join(folder, "clf.chimera")).predict(X)
    array([0, 1, 0, 1])

    A type outside the allow-list is refused until you trust it explicitly:

    >>> pipe = make_pipeline(FunctionTransformer(operator.abs), LinearDiagnoser())
    >>> path = os.path.join(folder, "pipe.chimera")
    >>> io.dump(pipe.fit(X, [0, 1, 0, 1]), path)
    >>> io.load(path)
    Traceback (most recent call last):
    ...
    ValueError: '...' contains types that are not trusted: ['_operator.abs']. ...
    >>> io.load(path, trusted=["_operator.abs"]).predict(X)
    array([0, 1, 0, 1])
    """
    import skops.io as sio
    import torch

    manifest, model, z = _read(file)
    with z:
        untrusted = set(sio.get_untrusted_types(data=model))
        allowed = set(TRUSTED_TYPES) | set(trusted or ())
        refused = sorted(untrusted - allowed)
        if refused:
            raise ValueError(
                f"{os.fspath(file)!r} contains types that are not trusted: "
                f"{refused}. If you trust where the file comes from, pass them "
                "as load(file, trusted=[...])."
            )
        tensors = {
            name: torch.load(
                io.BytesIO(z.read(name)), map_location="cpu", weights_only=True
            )
            for name in manifest.get("weights", [])
        }
    with _bind("tensors", tensors):
        return sio.loads(model, trusted=sorted(untrusted))
