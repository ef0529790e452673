"""Package data: the lab's committed tables (see README.md beside this file); read them with
:mod:`labkit.core.data`."""
