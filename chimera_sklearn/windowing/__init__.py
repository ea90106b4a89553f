"""Windowing: cut a stream into windows (before the Pipeline), then fix their length."""

from ._windower import SequenceWindower, padding_mask
from ._windows import Windows, chronological_split, iter_windows, make_windows

__all__ = [
    "SequenceWindower",
    "Windows",
    "chronological_split",
    "iter_windows",
    "make_windows",
    "padding_mask",
]
