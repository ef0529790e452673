"""The one way every model in labkit runs: configuration → run → records.

In the style of Ciw (network → simulation → records), each family exposes

* a **configuration**: a frozen dataclass subclassing :class:`Config`, validated on
  construction (``ValueError``/``TypeError`` naming the field and its accepted range), with one
  name per concept across the lab: ``arrival_rate`` (requests per second), ``seed``,
  ``horizon_s``, ``n_requests``, ``servers``...;
* a **run** function ``run_<model>(config) -> <Model>Result`` (the result subclasses
  :class:`Result`): ``.records`` is a tidy DataFrame with one row per request or event and units
  in the column names, ``.summary()`` a flat ``dict`` of named numbers, the same shape everywhere;
* **former calls** kept one release: :func:`legacy_config` / :func:`config_or_legacy` build the
  configuration from a runner's former keyword arguments (warning ``DeprecationWarning``), and
  :func:`deprecated_alias` keeps a former function name;
* **comparison** built on the run: :func:`compare` (one run per variant, a row of summaries
  each) and :func:`replicate` (independent seeds, for confidence intervals with
  :mod:`labkit.core.replication`).

Worked example (the M/M/c queue of :func:`labkit.core.run_queue`):

>>> from labkit.core.runner import compare
>>> from labkit.core.service import QueueConfig, simulate_queue
>>> config = QueueConfig(arrival_rate=8.0, service_rate=10.0, servers=1, n_requests=2_000,
...                      seed=1)
>>> result = simulate_queue(config)
>>> list(result.records.columns)
['arrival_s', 'start_s', 'end_s', 'wait_s', 'latency_s']
>>> sorted(result.summary())[:3]
['makespan_s', 'mean_latency_s', 'mean_wait_s']
>>> table = compare(simulate_queue, config, {"one server": {}, "two servers": {"servers": 2}})
>>> list(table.index)
['one server', 'two servers']
>>> bool(table.loc["two servers", "mean_wait_s"] < table.loc["one server", "mean_wait_s"])
True

Contents
    Config, Result, compare, replicate, deprecated_alias, legacy_config, config_or_legacy
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

__all__ = ["Config", "Result", "compare", "config_or_legacy", "deprecated_alias", "legacy_config",
           "replicate"]

C = TypeVar("C", bound="Config")

MAX_VARIANTS = 64
MAX_REPLICATIONS = 1_000


@dataclasses.dataclass(frozen=True)
class Config:
    """Base of every model configuration: a frozen dataclass checked when it is built.

    Subclasses declare their fields (with defaults) and override :meth:`validate`, raising
    ``ValueError``/``TypeError`` that names the field and its accepted range. ``replace``
    returns a changed copy, validated again.

    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Demo(Config):
    ...     arrival_rate: float = 1.0
    ...     def validate(self) -> None:
    ...         if not self.arrival_rate > 0:
    ...             raise ValueError("arrival_rate must be > 0, got "
    ...                              f"{self.arrival_rate!r}")
    >>> Demo().replace(arrival_rate=2.0).arrival_rate
    2.0
    >>> Demo(arrival_rate=-1)
    Traceback (most recent call last):
    ...
    ValueError: arrival_rate must be > 0, got -1
    >>> Demo().replace(rate=2)
    Traceback (most recent call last):
    ...
    TypeError: Demo has no field 'rate'; its fields are: arrival_rate
    """

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the fields; subclasses override (the base accepts everything)."""

    def replace(self: C, **changes: Any) -> C:
        """A copy with ``changes`` applied (and validated)."""
        names = [f.name for f in dataclasses.fields(self)]
        for key in changes:
            if key not in names:
                raise TypeError(f"{type(self).__name__} has no field {key!r}; its fields are: "
                                f"{', '.join(names)}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (for tables and for reproducing a run)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


class Result:
    """Base of every run's result: ``.records`` (tidy DataFrame) and ``.summary()`` (dict).

    Subclasses are frozen dataclasses with a ``records`` field (or property) and their own
    ``summary``. ``summary_frame()`` gives the summary as a one-row DataFrame.
    """

    records: Any

    def summary(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError(f"{type(self).__name__} must define summary()")

    def summary_frame(self) -> Any:
        """The summary as a one-row DataFrame."""
        import pandas as pd

        return pd.DataFrame([self.summary()])


def _check_run(run: object) -> None:
    if not callable(run):
        raise TypeError(f"run must be a callable taking a configuration, got {run!r}")


def _check_config(config: object) -> None:
    if not isinstance(config, Config):
        raise TypeError(f"config must be a labkit Config (a model's configuration), got "
                        f"{type(config).__name__}")


def compare(run: Callable[[Any], Result], config: Config,
            variants: Mapping[str, Mapping[str, Any]]) -> Any:
    """Run ``config`` once per variant (field changes) and return one summary row each.

    Parameters
    ----------
    run : callable
        A family's run function, ``run(config) -> Result``.
    config : Config
        The base configuration.
    variants : mapping of name -> mapping of field changes
        1 to 64 variants; ``{}`` runs the base configuration.

    Returns
    -------
    pandas.DataFrame
        Indexed by variant name, one column per summary entry.
    """
    import pandas as pd

    _check_run(run)
    _check_config(config)
    if not isinstance(variants, Mapping) or not 1 <= len(variants) <= MAX_VARIANTS:
        raise ValueError(f"variants must be a mapping of 1 to {MAX_VARIANTS} named field "
                         f"changes, got {variants!r}")
    rows = {}
    for name, changes in variants.items():
        if not isinstance(changes, Mapping):
            raise TypeError(f"variants[{name!r}] must be a mapping of field changes, got "
                            f"{changes!r}")
        rows[name] = run(config.replace(**changes)).summary()
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "variant"
    return frame


def replicate(run: Callable[[Any], Result], config: Config, *, replications: int = 20,
              seeds: Iterable[int] | None = None) -> Any:
    """Run ``config`` under independent seeds; one summary row per replication.

    The seeds are ``config.seed, config.seed + 1, ...`` unless ``seeds`` is given. Feed the
    columns to :func:`labkit.core.replication.mean_ci` or ``paired_difference``.

    >>> from labkit.core.service import QueueConfig, simulate_queue
    >>> runs = replicate(simulate_queue, QueueConfig(arrival_rate=5, service_rate=10,
    ...                  n_requests=500, seed=3), replications=4)
    >>> list(runs["seed"])
    [3, 4, 5, 6]
    """
    import pandas as pd

    _check_run(run)
    _check_config(config)
    if not hasattr(config, "seed"):
        raise TypeError(f"{type(config).__name__} has no seed field, so it cannot be "
                        f"replicated")
    if seeds is None:
        if not isinstance(replications, int) or not 2 <= replications <= MAX_REPLICATIONS:
            raise ValueError(f"replications must be an integer in [2, {MAX_REPLICATIONS}], "
                             f"got {replications!r}")
        seeds = range(config.seed, config.seed + replications)
    seeds = list(seeds)
    if not 2 <= len(seeds) <= MAX_REPLICATIONS or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must hold 2 to {MAX_REPLICATIONS} distinct seeds, got "
                         f"{len(seeds)}")
    rows = [{"seed": seed, **run(config.replace(seed=seed)).summary()} for seed in seeds]
    return pd.DataFrame(rows)


def deprecated_alias(new: Callable, old_name: str, *, since: str = "0.2",
                     replacement: Callable | None = None) -> Callable:
    """``new`` under its former name, warning ``DeprecationWarning`` once per call site.

    Kept for one release so outside code keeps working; the warning names the replacement:
    ``new`` itself, or ``replacement`` when ``new`` is an adapter that maps the former signature
    onto it (``simulate_cdn(rate, ...)`` onto ``run_cdn(CdnConfig(...))``).

    >>> import warnings
    >>> def run_new(config): return config * 2
    >>> old = deprecated_alias(lambda x: run_new(x), "run_old", replacement=run_new)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     old(2), "use labkit.core.runner.run_new" in str(caught[0].message)
    (4, True)
    """
    target = replacement or new
    message = (f"{old_name} is deprecated since labkit {since} and will be removed in the next "
               f"release; use {target.__module__}.{target.__name__} instead")

    @functools.wraps(new)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return new(*args, **kwargs)

    alias.__name__ = old_name
    alias.__qualname__ = old_name
    alias.__doc__ = f"Deprecated: {message}."
    return alias


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
