"""Errors raised by the organization and policy tools.

``PolicyError`` is a ``ValueError`` for malformed or refused policies; its message names the
policy and the statement (``Sid`` or ``Statement[i]``) that is wrong, and ``.problems`` lists
every problem found when several are collected at once.
"""

from __future__ import annotations

__all__ = ["OrganizationError", "PolicyError"]


class PolicyError(ValueError):
    """A policy document that AWS would refuse (syntax, unsupported element, quota).

    >>> err = PolicyError(["Statement[0]: Effect must be 'Allow' or 'Deny', got 'allow'"])
    >>> err.problems[0].startswith("Statement[0]")
    True
    """

    def __init__(self, problems: list[str] | str, *, policy: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.policy = policy
        head = f"policy {policy!r}: " if policy else ""
        super().__init__(head + "; ".join(self.problems))


class OrganizationError(ValueError):
    """An organization tree or attachment that AWS Organizations would refuse.

    >>> str(OrganizationError("OU 'deep' is 6 levels below the root (at most 5)"))
    "OU 'deep' is 6 levels below the root (at most 5)"
    """
