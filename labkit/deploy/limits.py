"""The AWS limits a deployment template must respect, and the refusal raised when a model
object crosses one.

The limits are rows of the lab's AWS facts tables (``labkit/data/aws_facts*.csv``, read with
:mod:`labkit.core.facts`: value, unit, statement, source page and the date it was checked); the
ones only deployment needs are in ``aws_facts_deploy.csv``. A model object that AWS would not
accept is refused with :class:`NotDeployable` *before* any template is written; the message
quotes the limit and its source, so the learner can check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

__all__ = ["AwsLimit", "NotDeployable", "aws_limit", "require_at_most", "require_at_least"]

@dataclass(frozen=True)
class AwsLimit:
    """One AWS limit: its ``key``, ``value`` (a number), ``unit``, ``statement`` and source."""

    key: str
    service: str
    value: float
    unit: str
    statement: str
    source_url: str
    checked_on: str

    def cite(self) -> str:
        """The limit in words with its source: what a refusal quotes."""
        return f"{self.statement} (source: {self.source_url}, checked {self.checked_on})"


class NotDeployable(ValueError):
    """A model object that cannot be expressed on AWS; ``limit`` is the :class:`AwsLimit` it
    crosses (``None`` when the refusal rests on a structural rule rather than a number)."""

    def __init__(self, message: str, limit: AwsLimit | None = None) -> None:
        super().__init__(f"{message}; {limit.cite()}" if limit is not None else message)
        self.limit = limit


@lru_cache(maxsize=256)
def aws_limit(key: str) -> AwsLimit:
    """The limit named ``key``: a numeric row of the facts tables (``labkit.core.facts.fact``).

    >>> aws_limit("stepfunctions_definition_max_bytes").value
    1048576.0
    >>> aws_limit("nope")
    Traceback (most recent call last):
    ...
    KeyError: "no AWS limit 'nope' in the facts tables"
    """
    from labkit.core.facts import fact

    try:
        row = fact(key)
    except KeyError:
        raise KeyError(f"no AWS limit {key!r} in the facts tables") from None
    if row.number is None:
        raise ValueError(f"fact {key!r} is not a number ({row.value!r}), so it is not a limit")
    return AwsLimit(row.key, row.service, row.number, row.unit, row.statement, row.source_url,
                    row.checked_on)


def require_at_most(name: str, value: float, key: str) -> float:
    """Refuse ``value`` (parameter ``name``) when it is above the limit ``key``.

    >>> try:
    ...     require_at_most("pattern size", 3000, "eventbridge_event_pattern_max_chars")
    ... except NotDeployable as refusal:
    ...     print(str(refusal)[:63]); print(refusal.limit.source_url)
    pattern size is 3000, above the AWS limit of 2048 characters; A
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
    """
    limit = aws_limit(key)
    if value > limit.value:
        raise NotDeployable(f"{name} is {value:g}, above the AWS limit of {limit.value:g} "
                            f"{limit.unit}", limit)
    return value


def require_at_least(name: str, value: float, key: str) -> float:
    """Refuse ``value`` (parameter ``name``) when it is below the limit ``key``."""
    limit = aws_limit(key)
    if value < limit.value:
        raise NotDeployable(f"{name} is {value:g}, below the AWS minimum of {limit.value:g} "
                            f"{limit.unit}", limit)
    return value
