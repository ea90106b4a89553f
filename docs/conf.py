"""Sphinx configuration of the chimera_sklearn documentation.

Build (from the repository root)::

    python -m pip install -e ".[docs]"
    sphinx-build -W -b html docs docs/_build/html

The gallery (``examples/``) is executed during the build; every example trains
tiny models on one CPU thread.  Intersphinx links to scikit-learn, skorch,
PyTorch and NumPy need their inventories from the web: they are fetched only
when the web is reachable (or ``CHIMERA_DOCS_INTERSPHINX=1``), so an offline
build (CI) stays free of warnings; ``CHIMERA_DOCS_INTERSPHINX=0`` switches the
fetching off.
"""

import os
import socket
import sys
import warnings
from pathlib import Path

# Examples and docstrings train tiny torch models: one thread is fastest and
# keeps a shared machine usable.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import chimera_sklearn  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "chimera_sklearn"
author = "the chimera_sklearn developers"
copyright = "2026, the chimera_sklearn developers"
release = chimera_sklearn.__version__
version = ".".join(release.split(".")[:2])

# -- Extensions --------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md5"]
default_role = "literal"
pygments_style = "sphinx"
# Dashes and ellipses only: "smart" quotes turn text such as
# embedding="learned" (numpydoc types, generated tables) into the mismatched
# embedding=”learned”.
smartquotes_action = "De"
# "On this page" of a class lists its methods as fit(), not ChimeraDiagnoser.fit().
toc_object_entries_show_parents = "hide"

# -- autodoc / autosummary / numpydoc ---------------------------------------

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document only members defined in chimera_sklearn.

    Methods inherited from scikit-learn or skorch (``get_params``,
    ``set_fit_request``...) are documented there; their docstrings use
    scikit-learn's own glossary, which this site does not have.
    """
    if what != "class":
        return None
    func = getattr(obj, "__func__", obj)
    if isinstance(func, property):
        func = func.fget
    module = getattr(func, "__module__", None) or ""
    if module and not module.startswith("chimera_sklearn"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)


# -- intersphinx (offline-safe) ----------------------------------------------

_INTERSPHINX = {
    "python": ("https://docs.python.org/3/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable/", None),
    "torch": ("https://docs.pytorch.org/docs/stable/", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "joblib": ("https://joblib.readthedocs.io/en/stable/", None),
}


def _web_reachable(host="scikit-learn.org", port=443, timeout=2.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _intersphinx_mapping():
    """The mapping above, or ``{}`` when the inventories cannot be fetched.

    Intersphinx turns an unreachable inventory into a warning, which
    ``sphinx-build -W`` turns into an error; without inventories the
    references to other projects simply render as code, unlinked.
    """
    setting = os.environ.get("CHIMERA_DOCS_INTERSPHINX", "auto").lower()
    if setting in ("0", "false", "no", "off"):
        return {}
    if setting in ("1", "true", "yes", "on") or _web_reachable():
        return _INTERSPHINX
    return {}


intersphinx_mapping = _intersphinx_mapping()
intersphinx_timeout = 10

# -- myst (the benchmark pages and cli.md are Markdown) ----------------------

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# -- matplotlib plot directive (diagrams in the user guide) ------------------

plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
# Rendered at 160 dpi, shown at the width of the text: sharp on any screen.
plot_formats = [("png", 160)]

# -- sphinx-gallery -----------------------------------------------------------


sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "subsection_order": [
        f"../examples/{name}"
        for name in ("parsing", "models", "model_selection", "persistence")
    ]
    + ["*"],
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("chimera_sklearn",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"chimera_sklearn": None},
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "min_reported_time": 0,
    "show_memory": False,
    "plot_gallery": "True",
    "matplotlib_animations": False,
}

# Quieter build output: known, harmless warnings of dependencies.
warnings.filterwarnings("ignore", category=DeprecationWarning, module="drain3")
warnings.filterwarnings("ignore", category=DeprecationWarning, module="jsonpickle")
warnings.filterwarnings(
    "ignore", message="Matplotlib is currently using agg", category=UserWarning
)

# -- HTML ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"chimera_sklearn {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "navbar_align": "left",
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# No left sidebar where the width is needed for wide tables and code.
html_sidebars = {
    "index": [],
    "quick_start": [],
    "api": [],
    "benchmarks": [],
    "*_benchmark": [],
    "compare_ablation": [],
    # Example pages: code and its output need the width more than the
    # navigation (the breadcrumbs and previous/next links remain).
    "auto_examples/plot_*": [],
    "auto_examples/*/plot_*": [],
}
html_show_sourcelink = False
html_last_updated_fmt = None
