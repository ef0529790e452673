"""Wildcard and ARN matching as IAM does it.

IAM wildcards are ``*`` (any run of characters, possibly empty) and ``?`` (exactly one
character); every other character is literal and the match is anchored at both ends. The
matcher is a linear-time segment search, never ``fnmatch`` (which gives ``[...]`` a meaning IAM
does not have) and never a regular expression with ``.*`` (which backtracks exponentially on
patterns such as ``a*a*a*...b``). Sources (checked 2026-12-03): IAM User Guide, *IAM JSON policy
elements: Resource* (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html:
``*`` and ``?`` within ARN segments, several per segment) and *IAM JSON policy elements: Action*
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).

- :func:`action_matches`: case-insensitive (``S3:getobject`` matches ``s3:GetObject``).
- :func:`resource_matches`: case-sensitive, ``*`` may run past ``:`` and ``/``.
- :func:`arn_like`: the ``ArnLike``/``ArnEquals`` condition rule: the six colon-separated
  components are matched one by one, so a ``*`` cannot cross a colon.
- :func:`parse_arn` and :func:`check_arn_pattern` check ARN syntax and name what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Arn",
    "action_matches",
    "arn_like",
    "check_action_pattern",
    "check_arn_pattern",
    "glob_matches",
    "parse_arn",
    "resource_matches",
]

_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f",
               "aws-eusc", "*")
_ACTION_RE = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$")


@lru_cache(maxsize=4096)
def _segments(pattern: str) -> tuple[tuple[str, re.Pattern[str] | None], ...]:
    """Split a glob at ``*`` into literal segments; a segment with ``?`` also gets a regex
    without any repetition (``?`` -> ``.``), so searching for it cannot backtrack."""
    out = []
    for seg in pattern.split("*"):
        rx = None
        if "?" in seg:
            rx = re.compile("".join("." if ch == "?" else re.escape(ch) for ch in seg), re.DOTALL)
        out.append((seg, rx))
    return tuple(out)


def _fold(text: str) -> str:
    # One character in, one character out (``str.lower`` can lengthen a few characters,
    # which would shift positions): case-insensitive matching compares these.
    if text.isascii():
        return text.lower()
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)


def _at(seg: str, rx: re.Pattern[str] | None, value: str, pos: int) -> bool:
    if rx is None:
        return value.startswith(seg, pos)
    return rx.match(value, pos) is not None


def _find(seg: str, rx: re.Pattern[str] | None, value: str, pos: int, end: int) -> int:
    if rx is None:
        return value.find(seg, pos, end)
    m = rx.search(value, pos, end)
    return -1 if m is None else m.start()


def glob_matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whole-string IAM glob match: ``*`` = any run, ``?`` = one character, rest literal.

    Runs in linear time whatever the pattern (no backtracking regular expression): the
    pattern is cut at each ``*``; the first piece must start the value, the last must end it,
    and each middle piece is taken at its leftmost place after the previous one, which is
    always safe because a ``*`` on either side absorbs whatever lies between.

    >>> glob_matches("a?c*", "abcdef"), glob_matches("a?c", "ac"), glob_matches("[ab]", "a")
    (True, False, False)
    >>> glob_matches("a*" * 30 + "b", "a" * 5000)
    False
    """
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a string, got {type(pattern).__name__}")
    if not isinstance(value, str):
        raise TypeError(f"value must be a string, got {type(value).__name__}")
    if ignore_case:
        pattern, value = _fold(pattern), _fold(value)
    segments = _segments(pattern)
    if len(segments) == 1:  # no star: a fixed-length match
        seg, rx = segments[0]
        return len(seg) == len(value) and _at(seg, rx, value, 0)
    (first, first_rx), (last, last_rx) = segments[0], segments[-1]
    if len(first) + len(last) > len(value):
        return False
    if not _at(first, first_rx, value, 0):
        return False
    end = len(value) - len(last)
    if not _at(last, last_rx, value, end):
        return False
    pos = len(first)
    for seg, rx in segments[1:-1]:
        if not seg:
            continue
        found = _find(seg, rx, value, pos, end)
        if found < 0:
            return False
        pos = found + len(seg)
    return True


def action_matches(pattern: str, action: str) -> bool:
    """Does an ``Action``/``NotAction`` entry match a request action (case-insensitive)?

    >>> action_matches("s3:Get*", "S3:GETOBJECT"), action_matches("s3:Get", "s3:GetObject")
    (True, False)
    """
    return glob_matches(pattern, action, ignore_case=True)


def resource_matches(pattern: str, resource: str) -> bool:
    """Does a ``Resource``/``NotResource`` entry match a request resource (case-sensitive)?

    The request resource ``"*"`` (actions without resource-level permissions) is a literal
    string: only patterns that match the text ``*`` apply to it.

    >>> resource_matches("arn:aws:s3:::logs*", "arn:aws:s3:::logs/2026/a.json")
    True
    >>> resource_matches("arn:aws:iam::*:user/Bob", "arn:aws:iam::111122223333:user/bob")
    False
    """
    return glob_matches(pattern, resource, ignore_case=False)


@dataclass(frozen=True)
class Arn:
    """The six components of ``arn:partition:service:region:account:resource``.

    >>> parse_arn("arn:aws:iam::111122223333:role/admin").account
    '111122223333'
    """

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def _split(text: str) -> list[str] | None:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts


def parse_arn(text: str, *, name: str = "arn") -> Arn:
    """Split an ARN into its components; raise ``ValueError`` naming what is wrong.

    >>> parse_arn("arn:aws:s3:::bucket/key").service
    's3'
    >>> parse_arn("s3://bucket")
    Traceback (most recent call last):
    ...
    ValueError: arn must look like arn:partition:service:region:account:resource, got 's3://bucket'
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string, got {type(text).__name__}")
    parts = _split(text)
    if parts is None:
        raise ValueError(f"{name} must look like arn:partition:service:region:account:resource, "
                         f"got {text!r}")
    _, partition, service, region, account, resource = parts
    if partition not in _PARTITIONS:
        raise ValueError(f"{name} has unknown partition {partition!r} in {text!r} "
                         f"(expected one of aws, aws-cn, aws-us-gov, ...)")
    if not service or not re.fullmatch(r"[a-z0-9-]+", service):
        raise ValueError(f"{name} has invalid service {service!r} in {text!r}")
    if not resource:
        raise ValueError(f"{name} has an empty resource part in {text!r}")
    return Arn(partition, service, region, account, resource)


def check_arn_pattern(pattern: object, *, where: str) -> str:
    """Check a policy ``Resource`` entry: ``"*"`` or an ARN whose service is not a wildcard.

    >>> check_arn_pattern("arn:aws:s3:::bucket-*", where="Statement[0] Resource")
    'arn:aws:s3:::bucket-*'
    >>> check_arn_pattern("arn:aws:*:::x", where="Sid 'A' Resource")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Sid 'A' Resource: the service segment of an ARN cannot be a wildcard, got ...
    """
    if not isinstance(pattern, str):
        raise ValueError(f"{where}: each entry must be a string, got {pattern!r}")
    if pattern == "*":
        return pattern
    parts = _split(pattern)
    if parts is None:
        raise ValueError(f"{where}: {pattern!r} is not an ARN "
                         f"(arn:partition:service:region:account:resource) or '*'")
    service = parts[2]
    if "*" in service or "?" in service:
        raise ValueError(f"{where}: the service segment of an ARN cannot be a wildcard, "
                         f"got {pattern!r}")
    if not service or not re.fullmatch(r"[a-z0-9-]+", service):
        raise ValueError(f"{where}: invalid service {service!r} in ARN {pattern!r}")
    if not parts[5]:
        raise ValueError(f"{where}: empty resource part in ARN {pattern!r}")
    return pattern


def check_action_pattern(pattern: object, *, where: str) -> str:
    """Check an ``Action``/``NotAction`` entry: ``"*"`` or ``service:Action`` (wildcards allowed).

    >>> check_action_pattern("ec2:Describe*", where="Statement[0] Action")
    'ec2:Describe*'
    >>> check_action_pattern("s3 GetObject", where="Statement[0] Action")
    Traceback (most recent call last):
    ...
    ValueError: Statement[0] Action: 's3 GetObject' is not '*' or 'service:ActionName'
    """
    if not isinstance(pattern, str):
        raise ValueError(f"{where}: each entry must be a string, got {pattern!r}")
    if pattern == "*" or _ACTION_RE.fullmatch(pattern):
        return pattern
    raise ValueError(f"{where}: {pattern!r} is not '*' or 'service:ActionName'")


def arn_like(pattern: str, value: str) -> bool:
    """``ArnLike``/``ArnEquals``: component-wise, case-sensitive glob; ``*`` cannot cross ``:``.

    The resource component (the sixth) keeps its own colons, so ``*`` may cross them there.

    >>> arn_like("arn:aws:iam::*:role/Admin*", "arn:aws:iam::111122223333:role/AdminOps")
    True
    >>> arn_like("arn:aws:iam::*", "arn:aws:iam::111122223333:role/x")
    False
    """
    p = _split(pattern)
    v = _split(value)
    if p is None or v is None:
        return False
    return all(glob_matches(pc, vc) for pc, vc in zip(p, v, strict=True))
