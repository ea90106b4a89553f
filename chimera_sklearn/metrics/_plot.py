"""Plots in scikit-learn's Display style (matplotlib, imported lazily)."""

import numpy as np

__all__ = ["AnomalyScoreDisplay", "RootCauseDisplay"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "Plotting needs matplotlib, a dependency of chimera-sklearn: "
            "pip install matplotlib"
        ) from None
    return plt


def _scores_2d(scores):
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2:
        raise ValueError(
            "scores must be a 2-D array (n_windows, window_size) of root-cause "
            f"scores, got {scores.ndim} dimension(s)."
        )
    return scores


def _legend_above(ax, **kwargs):
    """The legend above the axes, right-aligned, off the data."""
    ax.legend(
        loc="lower right",
        bbox_to_anchor=(1, 1),
        borderaxespad=0.2,
        fontsize="small",
        frameon=False,
        **kwargs,
    )


class RootCauseDisplay:
    """Heatmap of root-cause scores: one row per window, one column per line.

    Build it with :meth:`from_estimator` or :meth:`from_predictions`, then it
    draws itself; the figure is in ``figure_``.  Alarmed windows are labelled
    with ``!``, windows that were not alarmed are dimmed (the end-to-end rule
    reports no culprit there), and true root-cause lines, when given, are
    outlined.

    Parameters
    ----------
    scores : ndarray of shape (n_windows, window_size)
    y_pred : ndarray of shape (n_windows,) or None
    root_cause : ndarray of shape (n_windows, window_size) or None
    window_names : list of str or None
        Row labels, e.g. the line range of each window.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from chimera_sklearn.metrics import RootCauseDisplay
    >>> disp = RootCauseDisplay.from_predictions(
    ...     [[0.1, 0.9, 0.2], [0.3, 0.2, 0.1]], y_pred=[1, 0],
    ...     root_cause=[[0, 1, 0], [0, 0, 0]])
    >>> disp.ax_.get_xlabel()
    'line in window'
    """

    def __init__(self, scores, *, y_pred=None, root_cause=None, window_names=None):
        self.scores = scores
        self.y_pred = y_pred
        self.root_cause = root_cause
        self.window_names = window_names

    def plot(self, *, ax=None, cmap="Reds", colorbar=True):
        """Draw the heatmap on ``ax`` (a new figure when ``None``); return self."""
        plt = _pyplot()
        scores = _scores_2d(self.scores)
        n, width = scores.shape
        if ax is None:
            height = min(max(0.28 * n + 1.2, 2.4), 14)
            _, ax = plt.subplots(
                figsize=(max(6, 0.35 * width + 2), height), layout="constrained"
            )
        image = ax.imshow(
            scores, aspect="auto", cmap=cmap, vmin=0, vmax=1, interpolation="nearest"
        )
        if self.y_pred is not None:
            y_pred = np.asarray(self.y_pred)
            for i in np.flatnonzero(y_pred != 1):
                ax.axhspan(i - 0.5, i + 0.5, color="white", alpha=0.6, lw=0)
        if self.root_cause is not None:
            from ._root_cause import _as_label_matrix

            rc = _as_label_matrix(self.root_cause, n, width)
            rows, cols = np.nonzero(rc)
            ax.scatter(
                cols,
                rows,
                marker="s",
                s=60,
                facecolors="none",
                edgecolors="black",
                linewidths=1.0,
                label="true root cause",
            )
            if len(rows):
                _legend_above(ax)  # never over a cell
        names = self.window_names or [str(i) for i in range(n)]
        if self.y_pred is not None:
            names = [f"! {m}" if p == 1 else m for m, p in zip(names, self.y_pred)]
        if n <= 60:
            ax.set_yticks(range(n), names, fontsize="small")
        ax.set_xticks(range(width))
        ax.set_xlabel("line in window")
        ax.set_ylabel("window" if self.y_pred is None else "window (! = alarmed)")
        ax.set_title("Root-cause score per line", loc="left")
        if colorbar:
            ax.figure.colorbar(image, ax=ax, label="root-cause score")
        self.ax_, self.figure_, self.im_ = ax, ax.figure, image
        return self

    @classmethod
    def from_predictions(
        cls,
        scores,
        *,
        y_pred=None,
        root_cause=None,
        window_names=None,
        ax=None,
        cmap="Reds",
    ):
        """Plot from per-line scores (``predict_root_cause_proba``)."""
        disp = cls(
            _scores_2d(scores),
            y_pred=y_pred,
            root_cause=root_cause,
            window_names=window_names,
        )
        return disp.plot(ax=ax, cmap=cmap)

    @classmethod
    def from_estimator(
        cls, estimator, X, *, root_cause=None, window_names=None, ax=None, cmap="Reds"
    ):
        """Plot the scores of a fitted diagnoser (or ``ChimeraPipeline``) on X."""
        for method in ("predict", "predict_root_cause_proba"):
            if not hasattr(estimator, method):
                raise TypeError(
                    f"{type(estimator).__name__} has no {method}(); pass a fitted "
                    "diagnoser or a pipeline from chimera_sklearn.make_pipeline."
                )
        return cls.from_predictions(
            estimator.predict_root_cause_proba(X),
            y_pred=estimator.predict(X),
            root_cause=root_cause,
            window_names=window_names,
            ax=ax,
            cmap=cmap,
        )


class AnomalyScoreDisplay:
    """Timeline of window anomaly scores, with the alarm threshold.

    Parameters
    ----------
    scores : ndarray of shape (n_windows,)
        Anomaly score of each window, e.g. ``predict_proba(X)[:, 1]``.
    positions : ndarray of shape (n_windows,) or None
        Where each window sits on the x axis, e.g. its first line number.
    y_true : ndarray of shape (n_windows,) or None
        True window labels; anomalous windows are marked.
    threshold : float or None
        Horizontal line of the alarm threshold.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from chimera_sklearn.metrics import AnomalyScoreDisplay
    >>> disp = AnomalyScoreDisplay.from_predictions([0.1, 0.8, 0.2], y_true=[0, 1, 0])
    >>> disp.ax_.get_ylabel()
    'anomaly score'
    """

    def __init__(self, scores, *, positions=None, y_true=None, threshold=0.5):
        self.scores = scores
        self.positions = positions
        self.y_true = y_true
        self.threshold = threshold

    def plot(self, *, ax=None):
        """Draw the timeline on ``ax`` (a new figure when ``None``); return self."""
        plt = _pyplot()
        scores = np.asarray(self.scores, dtype=float).ravel()
        x = (
            np.arange(len(scores))
            if self.positions is None
            else np.asarray(self.positions)
        )
        if ax is None:
            _, ax = plt.subplots(figsize=(10, 3.2), layout="constrained")
        ax.plot(x, scores, lw=1, color="tab:blue", label="anomaly score")
        if self.threshold is not None:
            ax.axhline(
                self.threshold,
                color="tab:red",
                ls="--",
                lw=1,
                label=f"threshold {self.threshold:g}",
            )
            above = scores >= self.threshold
            ax.scatter(
                x[above], scores[above], s=14, color="tab:red", zorder=3, label="alarm"
            )
        if self.y_true is not None:
            truth = np.asarray(self.y_true) == 1
            ax.scatter(
                x[truth],
                np.full(truth.sum(), -0.05),
                marker="|",
                s=80,
                color="black",
                label="true anomaly",
            )
        ax.set_ylim(-0.1, 1.05)
        ax.set_xlabel("window" if self.positions is None else "first line of window")
        ax.set_ylabel("anomaly score")
        ax.set_title("Anomaly score over time", loc="left")
        _legend_above(ax, ncols=4)  # the alarms sit at the top of the plot
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(
        cls, scores, *, positions=None, y_true=None, threshold=0.5, ax=None
    ):
        """Plot precomputed anomaly scores."""
        return cls(
            scores, positions=positions, y_true=y_true, threshold=threshold
        ).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, *, y=None, positions=None, ax=None):
        """Plot ``predict_proba(X)[:, 1]`` of a fitted diagnoser or pipeline."""
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(f"{type(estimator).__name__} has no predict_proba().")
        scores = estimator.predict_proba(X)[:, 1]
        return cls.from_predictions(
            scores, positions=positions, y_true=y, threshold=0.5, ax=ax
        )
