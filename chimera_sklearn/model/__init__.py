"""The Chimera multi-task model (detection + root-cause localization)."""

from ._diagnoser import ChimeraDiagnoser

__all__ = ["ChimeraDiagnoser"]
