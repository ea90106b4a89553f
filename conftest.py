"""Root pytest configuration: skip the doctests of optional parts cleanly.

``chimera_sklearn.dask`` needs the ``dask`` extra; without it its doctests are
not collected (``tests/test_dask.py`` skips itself with ``importorskip``).
"""

import importlib.util

collect_ignore = []
if not all(importlib.util.find_spec(m) for m in ("dask", "distributed", "pandas")):
    collect_ignore += ["chimera_sklearn/dask.py", "chimera_sklearn/_dask.py"]
