"""A DynamoDB-like table for small state items, with conditional writes (optimistic locking).

:class:`ItemTable` keeps items by one partition-key attribute and serves the three calls a
Step Functions flow makes on a breaker's state: ``get_item``, ``put_item`` and ``update_item``.
Writes may carry a ``ConditionExpression``; when it is false the write is refused with
``ConditionalCheckFailedException`` and changes nothing (as DynamoDB's condition expressions
behave, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
Optimistic locking is a ``version`` attribute: read it, write with ``version = :v`` and
``SET version = version + :one``; a writer that lost the race re-reads and tries again.

A subset of the expression language, enough for state items:

* ``UpdateExpression``: ``SET a = :x, b = b + :y, c = c - :z`` (assignments of values or an
  attribute plus/minus a value);
* ``ConditionExpression``: comparisons ``attr = :v`` / ``<>``, ``<``, ``<=``, ``>``, ``>=``,
  ``attribute_exists(attr)``, ``attribute_not_exists(attr)``, joined by ``AND``.

Values are plain JSON values (a real table types them, ``{"N": "3"}``). Every call is counted
(``reads``, ``writes``, ``failed_conditions``) because each is billed: a refused conditional
write still consumes a write unit.
"""

from __future__ import annotations

import copy
import operator
import re
from dataclasses import dataclass, field
from typing import Any

from labkit.workflows.errors import TaskFailed

__all__ = ["CONDITION_FAILED", "ItemTable"]

#: The error a refused conditional write raises (the Step Functions name of DynamoDB's error).
CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException"
_ATTR = r"[A-Za-z_][A-Za-z0-9_]*"
_SET_PART = re.compile(rf"^\s*({_ATTR})\s*=\s*(?:({_ATTR})\s*([+-])\s*)?(:{_ATTR})\s*$")
_COMPARE = re.compile(rf"^\s*({_ATTR})\s*(=|<>|<=|>=|<|>)\s*(:{_ATTR})\s*$")
_FUNCTION = re.compile(rf"^\s*(attribute_exists|attribute_not_exists)\(\s*({_ATTR})\s*\)\s*$")
_OPS = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge}


def _value(values: dict[str, Any], name: str) -> Any:
    if name not in values:
        raise ValueError(f"ExpressionAttributeValues has no {name!r}")
    return values[name]


@dataclass
class ItemTable:
    """Items by ``key`` attribute, with counted, conditional reads and writes.

    >>> table = ItemTable("service")
    >>> table.put_item({"service": "payments", "state": "closed", "version": 0})
    >>> table.update_item({"service": "payments"}, "SET state = :s, version = version + :one",
    ...                   condition="version = :v",
    ...                   values={":s": "open", ":one": 1, ":v": 0})["version"]
    1
    >>> try:
    ...     table.update_item({"service": "payments"}, "SET state = :s",
    ...                       condition="version = :v", values={":s": "closed", ":v": 0})
    ... except TaskFailed as refused:
    ...     print(refused.error)
    DynamoDB.ConditionalCheckFailedException
    >>> table.reads, table.writes, table.failed_conditions
    (0, 3, 1)
    """

    key: str = "pk"
    items: dict[Any, dict[str, Any]] = field(default_factory=dict)
    reads: int = 0
    writes: int = 0
    failed_conditions: int = 0

    def _key_of(self, key: dict[str, Any]) -> Any:
        if not isinstance(key, dict) or set(key) != {self.key}:
            raise ValueError(f"key must be {{{self.key!r}: value}}, got {key!r}")
        return key[self.key]

    def get_item(self, key: dict[str, Any]) -> dict[str, Any] | None:
        """A copy of the item (None when there is none); one read."""
        self.reads += 1
        item = self.items.get(self._key_of(key))
        return copy.deepcopy(item)

    def _check(self, item: dict[str, Any] | None, condition: str | None,
               values: dict[str, Any]) -> None:
        if condition is None:
            return
        current = item or {}
        for part in re.split(r"\s+AND\s+", condition.strip(), flags=re.IGNORECASE):
            if m := _FUNCTION.match(part):
                holds = (m.group(2) in current) == (m.group(1) == "attribute_exists")
            elif m := _COMPARE.match(part):
                attr, op, name = m.groups()
                holds = attr in current and _OPS[op](current[attr], _value(values, name))
            else:
                raise ValueError(f"ConditionExpression part {part!r} is not supported: use "
                                 f"attr = :v (or <>, <, <=, >, >=), attribute_exists(attr), "
                                 f"attribute_not_exists(attr), joined by AND")
            if not holds:
                self.failed_conditions += 1
                raise TaskFailed(CONDITION_FAILED, "The conditional request failed")

    def put_item(self, item: dict[str, Any], *, condition: str | None = None,
                 values: dict[str, Any] | None = None) -> None:
        """Write the whole item (one write, even when the condition refuses it)."""
        if not isinstance(item, dict) or self.key not in item:
            raise ValueError(f"item must be a dict holding the key attribute {self.key!r}")
        self.writes += 1
        key = item[self.key]
        self._check(self.items.get(key), condition, values or {})
        self.items[key] = copy.deepcopy(item)

    def update_item(self, key: dict[str, Any], update: str, *, condition: str | None = None,
                    values: dict[str, Any] | None = None) -> dict[str, Any]:
        """Apply ``SET`` assignments (one write, even when the condition refuses it); returns
        the new item."""
        values = values or {}
        k = self._key_of(key)
        text = update.strip()
        if not text.upper().startswith("SET "):
            raise ValueError(f"UpdateExpression must be SET a = :x, ...; got {update!r}")
        assignments = []
        for part in text[4:].split(","):
            m = _SET_PART.match(part)
            if not m:
                raise ValueError(f"UpdateExpression part {part!r} is not supported: use "
                                 f"a = :x or a = a + :x")
            assignments.append(m.groups())
        self.writes += 1
        current = self.items.get(k)
        self._check(current, condition, values)
        new = copy.deepcopy(current) if current else {self.key: k}
        for attr, source, sign, name in assignments:
            value = _value(values, name)
            if source is not None:
                if source not in new:
                    raise TaskFailed("DynamoDB.ValidationException",
                                     f"attribute {source!r} does not exist")
                value = new[source] + value if sign == "+" else new[source] - value
            new[attr] = value
        self.items[k] = new
        return copy.deepcopy(new)
