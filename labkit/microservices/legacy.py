"""The former keyword-argument calls of the runners, kept for one release.

Until labkit 0.2 the scenario runners took keyword arguments (``rate_per_s=...``) and returned
frames or tuples. They now take a configuration (:mod:`labkit.core.runner`). A call in the old
form still works for one release: it warns ``DeprecationWarning`` naming the configuration to
use, maps the old argument names to the new ones and returns what it used to return.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, TypeVar

from labkit.core.runner import Config

__all__ = ["config_or_legacy", "legacy_config"]

C = TypeVar("C", bound=Config)


def legacy_config(cls: type[C], caller: str, kwargs: Mapping[str, Any], *,
                  renames: Mapping[str, str] | None = None, replacement: str | None = None,
                  stacklevel: int = 3) -> C:
    """Warn that ``caller(**kwargs)`` is deprecated and build the ``cls`` it stands for.

    The warning names the call to use instead, ``replacement(cls(...))`` (``replacement``
    defaults to ``caller``), and points at the code that called ``caller``.

    >>> import dataclasses, warnings
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Config):
    ...     arrival_rate: float = 1.0
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     legacy_config(Demo, "run_demo", {"rate": 3.0}, renames={"rate": "arrival_rate"})
    Demo(arrival_rate=3.0)
    >>> caught[0].category.__name__
    'DeprecationWarning'
    """
    warnings.warn(f"{caller}(**kwargs) is deprecated since labkit 0.2 and will be removed in "
                  f"the next release; call {replacement or caller}({cls.__name__}(...)) instead",
                  DeprecationWarning, stacklevel=stacklevel)
    renames = dict(renames or {})
    return cls(**{renames.get(key, key): value for key, value in kwargs.items()})


def config_or_legacy(cls: type[C], caller: str, config: object,
                     legacy: Mapping[str, Any], *,
                     renames: Mapping[str, str] | None = None) -> C:
    """The ``cls`` a runner was called with: ``config`` itself, or one built (with a warning)
    from the former keyword arguments ``legacy``.

    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Config):
    ...     arrival_rate: float = 1.0
    >>> config_or_legacy(Demo, "run_demo", Demo(), {})
    Demo(arrival_rate=1.0)
    >>> config_or_legacy(Demo, "run_demo", {"arrival_rate": 2}, {})
    Traceback (most recent call last):
    ...
    TypeError: config must be a Demo, got dict
    """
    if config is None or legacy:
        if config is not None:
            raise TypeError(f"pass either a {cls.__name__} or keyword arguments, not both")
        return legacy_config(cls, caller, legacy, renames=renames, stacklevel=4)
    if not isinstance(config, cls):
        raise TypeError(f"config must be a {cls.__name__}, got {type(config).__name__}")
    return config
