"""Sphinx configuration of the collection's rendered documentation (built by `make docs`: tools/docs.py).

antsibull-docs writes the plugin, module and role pages as reStructuredText; Sphinx renders them with
the theme docs.ansible.com uses. The build runs offline: no intersphinx inventories are fetched, and
every warning fails the build.
"""

project = "ninetynine.trading_infra"
copyright = "99Tech platform engineering"
title = "ninetynine.trading_infra"
html_short_title = "ninetynine.trading_infra"

extensions = ["sphinx_antsibull_ext"]

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
html_theme_options = {"display_version": False}

# Links to docs.ansible.com stay plain references: the build machines cannot fetch inventories.
default_role = "any"
nitpicky = False

# References to docs.ansible.com's pages and to other collections' plugins (common_return_values,
# amazon.aws's modules, ...) cannot resolve offline, where only this collection is rendered; the
# references within the collection are checked by antsibull-docs lint-collection-docs first.
suppress_warnings = ["ref.ref"]
