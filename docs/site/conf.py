"""Sphinx configuration of the course website (built by tools/site.py, `make site`).

The site is the notebooks with their stored outputs (nothing is executed at build time), rendered
by MyST-NB (https://myst-nb.readthedocs.io/) with the Sphinx Book Theme
(https://sphinx-book-theme.readthedocs.io/): the engine of Jupyter Book 1. tools/site.py copies
the notebooks and their assets into build/site-src and runs sphinx-build with this folder as
configuration directory; it sets the Binder repository from tools/notebooks.toml.
"""

import os

project = "Architecture Patterns Lab"
author = "Architecture Patterns Lab contributors"
copyright = "Architecture Patterns Lab contributors"

root_doc = "00-index"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Stored outputs only: the notebooks are committed executed and checked by nbval.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

_repository = os.environ.get("SITE_BINDER_REPOSITORY", "")
_ref = os.environ.get("SITE_BINDER_REF", "HEAD")

html_theme = "sphinx_book_theme"
html_title = project
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "repository_url": f"https://github.com/{_repository}",
    "repository_branch": _ref,
    "path_to_docs": "notebooks",
    "use_repository_button": True,
    "launch_buttons": {"binderhub_url": "https://mybinder.org",
                       "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
}
# Light unless the reader chose otherwise (an unset mode makes the theme log a console error).
html_context = {"default_mode": "light"}
