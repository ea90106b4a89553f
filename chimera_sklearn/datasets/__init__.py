"""Data: a synthetic fault-log generator and loaders for local labelled logs."""

from ._loaders import (
    get_data_home,
    iter_lines,
    load_bgl_windows,
    load_hdfs,
    load_loghub,
    load_window_file,
    read_lines,
)
from ._synthetic import FAULT_TYPES, SYNTHETIC_LOG_FORMAT, make_fault_logs

__all__ = [
    "FAULT_TYPES",
    "SYNTHETIC_LOG_FORMAT",
    "get_data_home",
    "iter_lines",
    "load_bgl_windows",
    "load_hdfs",
    "load_loghub",
    "load_window_file",
    "make_fault_logs",
    "read_lines",
]
