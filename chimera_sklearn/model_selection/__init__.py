"""Leakage-safe evaluation: splitters for windows and an overlap report.

- :class:`ChronologicalSplit`: train on the past, test on the future, no
  window on both sides, optional gap (``cv=`` with ``groups`` = positions);
- :class:`WindowGroupKFold`: identical windows and whole sessions stay on one
  side;
- :func:`window_overlap`: duplicates and shared lines between two sets of
  windows;
- :func:`window_spans`: ``[first, last]`` stream position of each window, the
  ``groups`` of :class:`ChronologicalSplit`.
"""

from ._split import ChronologicalSplit, WindowGroupKFold, window_overlap, window_spans

__all__ = ["ChronologicalSplit", "WindowGroupKFold", "window_overlap", "window_spans"]
