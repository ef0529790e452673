"""API gateway routing: which service answers a request path (pure logic, no simulation).

An :class:`ApiGateway` maps path prefixes to service names, as API Gateway maps resources or
routes to integrations. The longest matching prefix wins, on whole path segments, so
``/orders/42/items`` goes to a ``/orders`` route but ``/ordersx`` does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ApiGateway", "RouteNotFound"]


class RouteNotFound(LookupError):
    """No route matches the path (API Gateway answers 404/403 "Missing Authentication Token")."""


def _segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in path.split("/") if s)


@dataclass(frozen=True)
class ApiGateway:
    """Routes from path prefix to service name.

    Examples
    --------
    >>> gw = ApiGateway({"/users": "user", "/orders": "order", "/products": "product"})
    >>> gw.route("/orders/42/items")
    'order'
    >>> gw.route("/")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.microservices.routing.RouteNotFound: no route for '/'; routes are [...]
    """

    routes: Mapping[str, str]
    _table: tuple[tuple[tuple[str, ...], str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.routes, Mapping) or not self.routes:
            raise ValueError("routes must be a non-empty mapping of path prefix to service name")
        table = []
        for prefix, service in self.routes.items():
            if not isinstance(prefix, str) or not prefix.startswith("/"):
                raise ValueError(
                    f"route prefixes must be strings starting with '/', got {prefix!r}")
            if not isinstance(service, str) or not service:
                raise ValueError(f"route {prefix!r} must name a service, got {service!r}")
            table.append((_segments(prefix), service))
        # longest prefix first
        table.sort(key=lambda item: -len(item[0]))
        object.__setattr__(self, "_table", tuple(table))

    @property
    def services(self) -> tuple[str, ...]:
        """The distinct services behind the gateway, in route order."""
        return tuple(dict.fromkeys(self.routes.values()))

    def route(self, path: str) -> str:
        """The service for ``path``; raises :class:`RouteNotFound` if no prefix matches."""
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"path must be a string starting with '/', got {path!r}")
        parts = _segments(path.split("?", 1)[0])
        for prefix, service in self._table:
            if parts[: len(prefix)] == prefix:
                return service
        raise RouteNotFound(f"no route for {path!r}; routes are {sorted(self.routes)}")
