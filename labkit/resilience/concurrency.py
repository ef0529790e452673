"""AWS Lambda reserved concurrency: per-function reservations and the shared unreserved pool.

:class:`LambdaConcurrency` is a pure model of one account in one Region
(Lambda Developer Guide "Configuring reserved concurrency",
https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html):

- concurrency = invocations in flight; the account quota defaults to 1,000;
- a function's **reserved concurrency** both guarantees and caps it (0 throttles everything);
- the **unreserved pool** (account quota − Σ reservations) must keep at least
  ``unreserved_minimum`` (100 by default; smaller accounts have shown 50, so it is a parameter);
  functions without a reservation share it;
- at the limit a synchronous invoke gets HTTP 429 ``TooManyRequestsException`` at once, with
  reason ``ReservedFunctionConcurrentInvocationLimitExceeded`` (function cap) or
  ``ConcurrentInvocationLimitExceeded`` (account/unreserved pool); the code does not run.
"""

from __future__ import annotations

from dataclasses import dataclass

from labkit.core.validation import check_int

__all__ = ["Invocation", "LambdaConcurrency", "ReservationError"]

FUNCTION_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"


class ReservationError(ValueError):
    """A reservation Lambda refuses (``InvalidParameterValueException``)."""


@dataclass(frozen=True)
class Invocation:
    """The answer to one synchronous invoke: ``status_code`` 200 (runs) or 429 (throttled)."""

    function: str
    status_code: int
    reason: str | None = None

    @property
    def throttled(self) -> bool:
        return self.status_code == 429


class LambdaConcurrency:
    """Concurrency accounting for one account and Region.

    Parameters
    ----------
    account_limit : int
        Account concurrency quota (default 1,000).
    unreserved_minimum : int
        Concurrency the unreserved pool must keep (default 100).

    Examples
    --------
    >>> acct = LambdaConcurrency(account_limit=1000)
    >>> acct.reserve("checkout", 900)
    >>> acct.unreserved_capacity
    100
    >>> try:
    ...     acct.reserve("checkout", 901)
    ... except ReservationError as err:
    ...     print(str(err).split(" (")[1])
    at most 900 can be reserved)
    >>> acct.reserve("report", 0)
    >>> acct.invoke("report").reason
    'ReservedFunctionConcurrentInvocationLimitExceeded'
    """

    def __init__(self, account_limit: int = 1000, unreserved_minimum: int = 100) -> None:
        self.account_limit = check_int("account_limit", account_limit, minimum=1)
        self.unreserved_minimum = check_int("unreserved_minimum", unreserved_minimum, minimum=0,
                                            maximum=self.account_limit)
        self.reserved: dict[str, int] = {}
        self.in_flight: dict[str, int] = {}
        self.invocations: dict[str, int] = {}
        self.throttles: dict[str, int] = {}

    @property
    def total_reserved(self) -> int:
        return sum(self.reserved.values())

    @property
    def unreserved_capacity(self) -> int:
        """Size of the shared pool: account quota minus all reservations."""
        return self.account_limit - self.total_reserved

    @property
    def unreserved_in_flight(self) -> int:
        return sum(n for f, n in self.in_flight.items() if f not in self.reserved)

    def reserve(self, function: str, concurrency: int) -> None:
        """Set ``function``'s reserved concurrency (``PutFunctionConcurrency``).

        Raises :class:`ReservationError` if the unreserved pool would drop below
        ``unreserved_minimum``.
        """
        n = check_int("concurrency", concurrency, minimum=0)
        others = self.total_reserved - self.reserved.get(function, 0)
        left = self.account_limit - others - n
        if left < self.unreserved_minimum:
            allowed = self.account_limit - others - self.unreserved_minimum
            raise ReservationError(
                f"reserved concurrency {n} for {function!r} would leave the unreserved pool "
                f"{left} < unreserved_minimum {self.unreserved_minimum} "
                f"(at most {max(allowed, 0)} can be reserved)")
        if self.in_flight.get(function, 0) and function not in self.reserved:
            raise RuntimeError(f"cannot reserve for {function!r} while it has calls in flight")
        self.reserved[function] = n

    def remove_reservation(self, function: str) -> None:
        """Delete the reservation (``DeleteFunctionConcurrency``): back to the shared pool."""
        if self.in_flight.get(function, 0):
            raise RuntimeError(f"cannot change {function!r} while it has calls in flight")
        self.reserved.pop(function, None)

    def invoke(self, function: str) -> Invocation:
        """A synchronous invoke: runs (200, one more in flight) or is throttled (429)."""
        self.invocations[function] = self.invocations.get(function, 0) + 1
        running = self.in_flight.get(function, 0)
        if function in self.reserved:
            if running >= self.reserved[function]:
                return self._throttle(function, FUNCTION_LIMIT)
        elif self.unreserved_in_flight >= self.unreserved_capacity:
            return self._throttle(function, ACCOUNT_LIMIT)
        self.in_flight[function] = running + 1
        return Invocation(function, 200)

    def finish(self, function: str) -> None:
        """An invocation of ``function`` returned: one fewer in flight."""
        if self.in_flight.get(function, 0) <= 0:
            raise RuntimeError(f"finish({function!r}) without an invocation in flight")
        self.in_flight[function] -= 1

    def _throttle(self, function: str, reason: str) -> Invocation:
        self.throttles[function] = self.throttles.get(function, 0) + 1
        return Invocation(function, 429, reason)
