"""Former entry points of the serverless family, kept one release as deprecated aliases.

A former name whose signature differs from its replacement (``simulate_cdn(rate, ttl, ...)``
against ``run_cdn(CdnConfig(...))``) wraps a small adapter; :func:`renamed` makes the alias warn
``DeprecationWarning`` naming the replacement, with :func:`labkit.core.runner.deprecated_alias`.
"""

from __future__ import annotations

from collections.abc import Callable

from labkit.core.runner import deprecated_alias

__all__ = ["renamed"]


def renamed(adapter: Callable, old_name: str, replacement: Callable) -> Callable:
    """``adapter`` under ``old_name``, warning that ``replacement`` is the function to use.

    >>> import warnings
    >>> def run_new(config): return config * 2
    >>> old = renamed(lambda x: run_new(x), "run_old", run_new)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     old(2), "use labkit.serverless.legacy.run_new" in str(caught[0].message)
    (4, True)
    """
    adapter.__name__ = replacement.__name__
    adapter.__qualname__ = replacement.__qualname__
    adapter.__module__ = replacement.__module__
    return deprecated_alias(adapter, old_name)
