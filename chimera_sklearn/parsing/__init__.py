"""Log parsing: drain3 templates for windows of raw log lines."""

from ._drain import DrainParser
from ._format import LOGHUB_FORMATS, compile_log_format
from ._masking import DEFAULT_MASKING

__all__ = ["DEFAULT_MASKING", "LOGHUB_FORMATS", "DrainParser", "compile_log_format"]
