"""Cross-account sharing, Lake Formation style: a producer account shares a table with a consumer
account (through AWS RAM), and the consumer's data lake administrator grants it on.

Three steps, each needed:

1. the producer grants SELECT on a table (optionally a column subset and a row filter) to the
   **consumer account**, with the grant option (a grant to an external account must include
   it): Lake Formation shares it through an AWS RAM resource share;
2. the consumer accepts the RAM invitation (automatic inside the same AWS Organization);
3. the consumer's **data lake administrator** grants the shared table to principals of the
   consumer account; they can narrow it (fewer columns, an extra row filter), never widen it.

A consumer principal then sees the columns both grants allow and the rows both filters keep.
:class:`Shares` holds the producer's shares and checks step 3 (pure logic).

Source (checked 2026-12-03): Lake Formation "Granting permissions on Data Catalog resources"
(https://docs.aws.amazon.com/lake-formation/latest/dg/granting-catalog-permissions.html):
grants to external accounts must include the grant option, and the shared objects are
accessible only after the external account's data lake administrator grants them to its
principals; "Viewing all cross-account grants"
(https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-getresourcepolicies.html):
AWS RAM keeps one resource policy per cross-account grant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Share", "Shares", "consumer_principal"]

_ACCOUNT = re.compile(r"^\d{12}$")


def _check_account(account: str) -> str:
    if not isinstance(account, str) or not _ACCOUNT.match(account):
        raise ValueError(f"account must be a 12-digit AWS account ID, got {account!r}")
    return account


def consumer_principal(account: str, role: str) -> str:
    """The name a consumer account's role has in the producer's grants.

    >>> consumer_principal("444455556666", "analyst")
    'arn:aws:iam::444455556666:role/analyst'
    """
    if not isinstance(role, str) or not re.match(r"^[\w+=,.@-]{1,64}$", role):
        raise ValueError(f"role must be an IAM role name (1-64 of letters, digits, _+=,.@-), "
                         f"got {role!r}")
    return f"arn:aws:iam::{_check_account(account)}:role/{role}"


@dataclass(frozen=True)
class Share:
    """SELECT on ``table`` shared with ``account`` (with the grant option) through RAM."""

    table: str
    account: str
    columns: tuple[str, ...] | None
    row_filter: str | None
    resource_share: str
    accepted: bool = False


class Shares:
    """The producer's cross-account shares.

    >>> s = Shares("111122223333")
    >>> share = s.share("orders", "444455556666", ["order_id", "region"], None)
    >>> share.resource_share
    'arn:aws:ram:us-east-1:111122223333:resource-share/lake-orders-444455556666'
    >>> s.accept("444455556666", "orders").accepted
    True
    >>> s.narrow("444455556666", "orders", ["order_id", "region", "amount_usd"], ["region"],
    ...          "region = 'eu'")
    (('region',), "region = 'eu'")
    """

    def __init__(self, producer_account: str, region: str = "us-east-1") -> None:
        self.producer_account = _check_account(producer_account)
        self.region = region
        self._shares: dict[tuple[str, str], Share] = {}

    def share(self, table: str, account: str, columns: tuple[str, ...] | list[str] | None,
              row_filter: str | None) -> Share:
        """Step 1: grant ``table`` to ``account`` (with the grant option) through RAM."""
        account = _check_account(account)
        if account == self.producer_account:
            raise ValueError("account must be another account than the producer's "
                             f"({self.producer_account}); grant principals directly instead")
        arn = (f"arn:aws:ram:{self.region}:{self.producer_account}:resource-share/"
               f"lake-{table}-{account}")
        share = Share(table, account, None if columns is None else tuple(columns), row_filter,
                      arn)
        self._shares[(account, table)] = share
        return share

    def accept(self, account: str, table: str) -> Share:
        """Step 2: the consumer accepts the RAM invitation."""
        share = self.get(account, table)
        accepted = Share(share.table, share.account, share.columns, share.row_filter,
                         share.resource_share, True)
        self._shares[(account, table)] = accepted
        return accepted

    def get(self, account: str, table: str) -> Share:
        key = (_check_account(account), table)
        if key not in self._shares:
            raise PermissionError(f"table {table!r} is not shared with account {account}")
        return self._shares[key]

    def narrow(self, account: str, table: str, all_columns: list[str],
               columns: list[str] | None, row_filter: str | None
               ) -> tuple[tuple[str, ...] | None, str | None]:
        """Step 3: the columns and row filter a consumer principal gets, given what the
        consumer's administrator grants: inside the share, never wider."""
        share = self.get(account, table)
        if not share.accepted:
            raise PermissionError(f"account {account} has not accepted the resource share "
                                  f"{share.resource_share}")
        shared = share.columns if share.columns is not None else tuple(all_columns)
        if columns is None:
            cols = share.columns
        else:
            outside = [c for c in columns if c not in shared]
            if outside:
                raise ValueError(f"columns {outside} are not shared with account {account}; "
                                 f"shared columns: {', '.join(shared)}")
            cols = tuple(c for c in all_columns if c in set(columns))
        filters = [f for f in (share.row_filter, row_filter) if f]
        combined = " AND ".join(f"({f})" for f in filters) if len(filters) > 1 else \
            (filters[0] if filters else None)
        return cols, combined

    def frame(self):
        """One row per share: table, account, columns, row_filter, resource_share, accepted."""
        import pandas as pd

        rows = [(s.table, s.account, "*" if s.columns is None else ", ".join(s.columns),
                 s.row_filter or "", s.resource_share, s.accepted)
                for _, s in sorted(self._shares.items())]
        return pd.DataFrame(rows, columns=["table", "account", "columns", "row_filter",
                                           "resource_share", "accepted"])
