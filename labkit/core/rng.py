"""Seeded random streams.

Every random draw in labkit comes from a :class:`numpy.random.Generator` built here from an
explicit seed, so the same seed gives the same results byte for byte. Independent streams (for
arrivals, service times, failures, ...) are spawned from one seed with ``SeedSequence``, so
changing how many draws one stream makes never shifts another.
"""

from __future__ import annotations

import numpy as np

from labkit.core.validation import check_int

__all__ = ["make_rng", "spawn_rngs"]


def make_rng(seed: int | np.random.Generator) -> np.random.Generator:
    """Return a Generator for ``seed`` (an int >= 0), or ``seed`` itself if it is a Generator.

    >>> float(make_rng(0).random()) == float(make_rng(0).random())
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    s = check_int("seed", seed, minimum=0)
    return np.random.default_rng(s)


def spawn_rngs(seed: int, n: int) -> list[np.random.Generator]:
    """Return ``n`` independent Generators derived from one ``seed``.

    >>> a, b = spawn_rngs(7, 2)
    >>> float(a.random()) != float(b.random())
    True
    """
    s = check_int("seed", seed, minimum=0)
    k = check_int("n", n, minimum=1)
    return [np.random.default_rng(child) for child in np.random.SeedSequence(s).spawn(k)]
