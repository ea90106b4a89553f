"""Top-k culprit lines: the one ranking rule every diagnoser shares."""

import numbers

import numpy as np


def top_k_culprits(scores, mask, alarmed, k):
    """Positions of the ``k`` highest-scored real lines of each alarmed window.

    Ties go to the earlier line (stable sort).  ``-1`` fills the rows of windows
    that are not alarmed and the slots past a window's number of real
    (non-padding) lines.

    Parameters
    ----------
    scores : ndarray of shape (n_windows, window_size)
    mask : ndarray of bool, shape (n_windows, window_size)
        True at real lines.
    alarmed : ndarray of bool, shape (n_windows,)
    k : int

    Returns
    -------
    ndarray of shape (n_windows, k), dtype int64
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive int; got {k!r}.")
    width = scores.shape[1]
    ranked = np.argsort(np.where(mask, -scores, np.inf), axis=1, kind="stable")
    top = np.full((scores.shape[0], k), -1, dtype=np.int64)
    kk = min(k, width)
    top[:, :kk] = ranked[:, :kk]
    valid = np.take_along_axis(mask, top[:, :kk], axis=1)
    top[:, :kk][~valid] = -1
    top[~np.asarray(alarmed, dtype=bool)] = -1
    return top
