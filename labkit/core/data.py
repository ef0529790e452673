"""The lab's committed data files (AWS limits and prices with their sources, quiz questions,
the pattern table, published experiment results), read as package data.

The files live in ``labkit/data/`` and ship inside the wheel, so an installed labkit finds them
without a checkout: every reader goes through :func:`data_file`, which uses
:mod:`importlib.resources`. ``labkit/data/README.md`` names each file's source and date.

Contents
    data_dir, data_file, read_table, read_json, data_names
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

__all__ = ["data_dir", "data_file", "data_names", "read_json", "read_table"]

_PACKAGE = "labkit.data"


def data_dir() -> Path:
    """The folder that holds the packaged data files (inside the installed ``labkit``).

    >>> (data_dir() / "patterns.json").is_file()
    True
    """
    return Path(str(resources.files(_PACKAGE)))


def data_names() -> list[str]:
    """Names of the committed data files (CSV and JSON), sorted.

    >>> "patterns.json" in data_names()
    True
    """
    return sorted(entry.name for entry in resources.files(_PACKAGE).iterdir()
                  if entry.name.endswith((".csv", ".json")))


def data_file(name: str) -> Traversable:
    """The packaged data file ``name`` (e.g. ``"patterns.json"``), as a readable resource.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is not one of :func:`data_names` (the message lists them).

    >>> data_file("patterns.json").name
    'patterns.json'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a data file name (str); got {type(name).__name__}")
    names = data_names()
    if name not in names:
        raise ValueError(f"name must be one of the lab's data files {names}; got {name!r}")
    return resources.files(_PACKAGE) / name


def read_table(name: str):
    """A packaged CSV file as a pandas DataFrame.

    >>> read_table("aws_facts.csv").columns[0]
    'key'
    """
    import pandas as pd

    with data_file(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


def read_json(name: str) -> Any:
    """A packaged JSON file, parsed.

    >>> isinstance(read_json("patterns.json"), (dict, list))
    True
    """
    return json.loads(data_file(name).read_text(encoding="utf-8"))
