"""The documentation builds without a warning, gallery included.

Runs ``sphinx-build -W -b html docs <tmpdir>`` as CI does: every gallery
example in ``examples/`` is executed (even where an earlier build left its
output in ``docs/auto_examples``), autosummary documents every public
name, and intersphinx is off (CI has no web access).  Skipped when the
``docs`` extra is not installed.
"""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# The public modules whose __all__ the API reference must cover (``cli`` is
# the ``chimera`` command, documented on its own page).
PUBLIC_MODULES = [
    "chimera_sklearn",
    "chimera_sklearn.baselines",
    "chimera_sklearn.datasets",
    "chimera_sklearn.encoding",
    "chimera_sklearn.metrics",
    "chimera_sklearn.model",
    "chimera_sklearn.model_selection",
    "chimera_sklearn.parsing",
    "chimera_sklearn.pipeline",
    "chimera_sklearn.windowing",
]
OPTIONAL_MODULES = ["chimera_sklearn.dask", "chimera_sklearn.io"]


def _public_modules():
    modules = list(PUBLIC_MODULES)
    for name in OPTIONAL_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        modules.append(name)
    return modules


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    for module in (
        "sphinx",
        "sphinx_gallery",
        "numpydoc",
        "pydata_sphinx_theme",
        "myst_parser",
    ):
        pytest.importorskip(module, reason="needs the docs extra")
    out = tmp_path_factory.mktemp("html")
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="Agg",
        CHIMERA_DOCS_INTERSPHINX="0",
        PYTHONPATH=os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        # Execute every example even when docs/auto_examples holds the
        # output of an earlier build of the same script.
        "-D",
        "sphinx_gallery_conf.run_stale_examples=True",
        "-b",
        "html",
        "-d",
        str(out / ".doctrees"),
        str(DOCS),
        str(out),
    ]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, (
        f"sphinx-build failed ({proc.returncode}):\n"
        f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    )
    return out


@pytest.mark.slow
def test_docs_build_without_warnings(html):
    for page in (
        "index.html",
        "quick_start.html",
        "api.html",
        "benchmarks.html",
        "cli.html",
        "user_guide/introduction.html",
        "auto_examples/index.html",
    ):
        assert (html / page).is_file(), page


@pytest.mark.slow
def test_every_gallery_example_ran(html):
    scripts = sorted((ROOT / "examples").rglob("plot_*.py"))
    assert scripts
    for script in scripts:
        page = html / "auto_examples" / script.relative_to(ROOT / "examples")
        text = page.with_suffix(".html").read_text(encoding="utf-8")
        assert "Total running time of the script" in text, script


@pytest.mark.slow
def test_api_reference_lists_every_public_name(html):
    api = (html / "api.html").read_text(encoding="utf-8")
    missing = []
    for name in _public_modules():
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            if attr.startswith("__"):
                continue
            if attr not in api:
                missing.append(f"{name}.{attr}")
    assert not missing, f"not in the API reference: {missing}"
