"""Transit Gateway hub-and-spoke: a VPC CIDR plan without overlaps, route tables with
associations and propagations, and longest-prefix route lookup (Transit Gateway Guide, "How AWS
Transit Gateway works", https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html).

- :func:`allocate_cidrs` carves non-overlapping VPC blocks out of a supernet (``ipaddress``).
- :class:`TransitGateway`: attachments (VPC, VPN, Direct Connect gateway), route tables; each
  attachment is **associated** with exactly one table (which routes traffic arriving from it) and
  **propagates** its CIDRs into any number of tables; static and blackhole routes; overlapping VPC
  CIDRs are refused.
- :meth:`TransitGateway.lookup`: the table associated with the source attachment, longest prefix
  first; for equal prefixes static beats propagated (VPC, then Direct Connect, then VPN); no
  matching route means the packet is dropped.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Attachment", "Route", "RouteLookup", "TransitGateway", "allocate_cidrs",
           "build_hub_and_spoke"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_KIND_RANK = {"static": 0, "vpc": 1, "dx": 2, "connect": 3, "vpn": 4}


def _network(value: object, name: str) -> Network:
    try:
        return ipaddress.ip_network(value, strict=True)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a CIDR block like '10.0.0.0/16', got {value!r} "
                         f"({exc})") from None


def allocate_cidrs(supernet: str, sizes: Mapping[str, int], *,
                   reserved: Sequence[str] = ()) -> dict[str, Network]:
    """Give each VPC a block of the requested prefix length inside ``supernet``, no overlaps.

    Larger blocks are placed first (fewer holes); each takes the lowest free aligned block that
    overlaps neither an earlier allocation nor a ``reserved`` range (e.g. on-premises).

    >>> plan = allocate_cidrs("10.0.0.0/16", {"prod": 18, "dev": 20, "shared": 20},
    ...                       reserved=["10.0.0.0/20"])
    >>> {k: str(v) for k, v in plan.items()}
    {'prod': '10.0.64.0/18', 'dev': '10.0.16.0/20', 'shared': '10.0.32.0/20'}
    """
    net = _network(supernet, "supernet")
    taken = [_network(r, "reserved") for r in reserved]
    order = sorted(sizes, key=lambda k: (sizes[k], list(sizes).index(k)))
    out: dict[str, Network] = {}
    for name in order:
        prefix = sizes[name]
        if isinstance(prefix, bool) or not isinstance(prefix, int) or \
                not net.prefixlen <= prefix <= net.max_prefixlen:
            raise ValueError(f"sizes[{name!r}] must be a prefix length in "
                             f"[{net.prefixlen}, {net.max_prefixlen}], got {prefix!r}")
        for candidate in net.subnets(new_prefix=prefix):
            if not any(candidate.overlaps(t) for t in taken):
                out[name] = candidate
                taken.append(candidate)
                break
        else:
            raise ValueError(f"no free /{prefix} left in {net} for {name!r}")
    return {k: out[k] for k in sizes}


@dataclass(frozen=True)
class Attachment:
    """A Transit Gateway attachment: name, kind (``vpc``, ``vpn``, ``dx``, ``connect``),
    CIDRs it propagates, owning account."""

    name: str
    kind: str
    cidrs: tuple[Network, ...]
    account: str | None = None


@dataclass(frozen=True)
class Route:
    """A route in a TGW route table; ``target`` None means blackhole."""

    destination: Network
    target: str | None
    origin: str  # "static" or the propagating attachment's kind

    @property
    def blackhole(self) -> bool:
        return self.target is None


@dataclass(frozen=True)
class RouteLookup:
    """Result of :meth:`TransitGateway.lookup`."""

    source: str
    destination: str
    table: str
    route: Route | None
    candidates: tuple[Route, ...]

    @property
    def next_hop(self) -> str | None:
        return self.route.target if self.route else None

    @property
    def outcome(self) -> str:
        """``"forward to <attachment>"``, ``"blackhole"`` or ``"no route (dropped)"``."""
        if self.route is None:
            return "no route (dropped)"
        return "blackhole" if self.route.blackhole else f"forward to {self.route.target}"


@dataclass
class TransitGateway:
    """A Regional layer-3 hub: attachments, route tables, associations and propagations.

    >>> tgw = TransitGateway()
    >>> tgw.add_route_table("spokes")
    >>> tgw.attach_vpc("a", "10.1.0.0/16"); tgw.attach_vpc("b", "10.2.0.0/16")
    >>> for name in ("a", "b"):
    ...     tgw.associate(name, "spokes"); tgw.propagate(name, "spokes")
    >>> tgw.lookup("a", "10.2.3.4").outcome
    'forward to b'
    >>> tgw.attach_vpc("c", "10.1.128.0/17"); tgw.propagate("c", "spokes")
    >>> [str(r.destination) for r in tgw.routes("spokes")], tgw.overlapping("spokes")
    (['10.1.0.0/16', '10.2.0.0/16'], {'c': ['10.1.128.0/17']})

    AWS accepts a VPC attachment whose CIDR overlaps another one and does not propagate the
    overlapping route (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html):
    the first propagated route stays, the later overlapping one is left out.
    """

    name: str = "tgw-hub"
    attachments: dict[str, Attachment] = field(default_factory=dict)
    tables: dict[str, list[Route]] = field(default_factory=dict)
    associations: dict[str, str] = field(default_factory=dict)
    propagations: dict[str, list[str]] = field(default_factory=dict)

    def add_route_table(self, name: str) -> None:
        if name in self.tables:
            raise ValueError(f"route table {name!r} already exists")
        self.tables[name] = []
        self.propagations[name] = []

    def _attach(self, name: str, kind: str, cidrs: Sequence[str], account: str | None) -> None:
        if name in self.attachments:
            raise ValueError(f"attachment {name!r} already exists (one attachment per VPC)")
        nets = tuple(_network(c, f"{name} CIDR") for c in cidrs)
        self.attachments[name] = Attachment(name, kind, nets, account)

    def attach_vpc(self, name: str, cidr: str | Sequence[str], *, account: str | None = None
                   ) -> None:
        """Attach a VPC. A CIDR that overlaps another VPC attachment is accepted, as AWS does,
        but its route is not propagated (see :meth:`overlapping`)."""
        self._attach(name, "vpc", [cidr] if isinstance(cidr, str) else list(cidr), account)

    def attach_vpn(self, name: str, cidrs: Sequence[str], *, kind: str = "vpn") -> None:
        """Attach a VPN (or ``kind="dx"``/``"connect"``) advertising ``cidrs``."""
        if kind not in ("vpn", "dx", "connect"):
            raise ValueError(f"kind must be 'vpn', 'dx' or 'connect', got {kind!r}")
        self._attach(name, kind, list(cidrs), None)

    def _check(self, attachment: str, table: str) -> None:
        if attachment not in self.attachments:
            raise KeyError(f"no attachment {attachment!r}; known: {sorted(self.attachments)}")
        if table not in self.tables:
            raise KeyError(f"no route table {table!r}; known: {sorted(self.tables)}")

    def associate(self, attachment: str, table: str) -> None:
        """Associate an attachment with its one route table."""
        self._check(attachment, table)
        if attachment in self.associations:
            raise ValueError(f"attachment {attachment!r} is already associated with "
                             f"{self.associations[attachment]!r} (exactly one table)")
        self.associations[attachment] = table

    def propagate(self, attachment: str, table: str) -> None:
        """Propagate an attachment's CIDRs into a table (may be called for several tables)."""
        self._check(attachment, table)
        if attachment not in self.propagations[table]:
            self.propagations[table].append(attachment)

    def add_static_route(self, table: str, destination: str, attachment: str | None = None
                         ) -> None:
        """A static route to ``attachment``, or a blackhole when ``attachment`` is None."""
        if table not in self.tables:
            raise KeyError(f"no route table {table!r}; known: {sorted(self.tables)}")
        if attachment is not None and attachment not in self.attachments:
            raise KeyError(f"no attachment {attachment!r}; known: {sorted(self.attachments)}")
        self.tables[table].append(Route(_network(destination, "destination"), attachment,
                                        "static"))

    def routes(self, table: str) -> list[Route]:
        """Static routes plus propagated ones, sorted by destination."""
        if table not in self.tables:
            raise KeyError(f"no route table {table!r}; known: {sorted(self.tables)}")
        routes = list(self.tables[table])
        skipped = self.overlapping(table)
        for name in self.propagations[table]:
            att = self.attachments[name]
            routes += [Route(c, name, att.kind) for c in att.cidrs
                       if str(c) not in skipped.get(name, [])]
        return sorted(routes, key=lambda r: (r.destination.version, r.destination,
                                             _KIND_RANK[r.origin]))

    def overlapping(self, table: str) -> dict[str, list[str]]:
        """VPC CIDRs propagated to ``table`` that are not installed because they overlap a VPC
        route propagated before them: attachment -> CIDRs."""
        if table not in self.tables:
            raise KeyError(f"no route table {table!r}; known: {sorted(self.tables)}")
        installed: list = []
        skipped: dict[str, list[str]] = {}
        for name in self.propagations[table]:
            att = self.attachments[name]
            for c in att.cidrs:
                if att.kind == "vpc" and any(c.overlaps(o) for o in installed):
                    skipped.setdefault(name, []).append(str(c))
                elif att.kind == "vpc":
                    installed.append(c)
        return skipped

    def lookup(self, source: str, destination: str) -> RouteLookup:
        """Route a packet arriving from attachment ``source`` to IP ``destination``."""
        if source not in self.attachments:
            raise KeyError(f"no attachment {source!r}; known: {sorted(self.attachments)}")
        if source not in self.associations:
            raise ValueError(f"attachment {source!r} is not associated with a route table")
        try:
            ip = ipaddress.ip_address(destination)
        except ValueError:
            raise ValueError(f"destination must be an IP address, got {destination!r}") from None
        table = self.associations[source]
        matching = [r for r in self.routes(table)
                    if r.destination.version == ip.version and ip in r.destination]
        matching.sort(key=lambda r: (-r.destination.prefixlen, _KIND_RANK[r.origin]))
        return RouteLookup(source, destination, table, matching[0] if matching else None,
                           tuple(matching))

    def route_table_frame(self):
        """One row per route in every table: table, destination, target, origin."""
        import pandas as pd

        rows = [{"table": t, "destination": str(r.destination),
                 "target": r.target or "blackhole", "origin": r.origin}
                for t in self.tables for r in self.routes(t)]
        return pd.DataFrame(rows, columns=["table", "destination", "target", "origin"])


def build_hub_and_spoke(cidrs: Mapping[str, str], segments: Mapping[str, str], *,
                        egress: str = "egress", shared: str = "shared") -> TransitGateway:
    """A segmented hub: one route table per segment plus one for shared services and egress.

    ``cidrs`` maps each VPC to its block; ``segments`` maps each spoke VPC to its segment
    (``"prod"``, ``"nonprod"``, ...). ``shared`` and ``egress`` VPCs sit in the ``shared``
    table. Spokes propagate into their own segment's table and the shared table; the shared VPC
    propagates everywhere; each segment table sends ``0.0.0.0/0`` to the egress VPC and
    blackholes the other segments' blocks, so prod and nonprod cannot reach each other even via
    the default route.

    >>> tgw = build_hub_and_spoke({"prod-a": "10.1.0.0/16", "dev-a": "10.2.0.0/16",
    ...     "shared": "10.0.0.0/16", "egress": "10.255.0.0/16"},
    ...     {"prod-a": "prod", "dev-a": "nonprod"})
    >>> tgw.lookup("prod-a", "10.2.0.5").outcome, tgw.lookup("prod-a", "8.8.8.8").outcome
    ('blackhole', 'forward to egress')
    """
    for vpc in (egress, shared):
        if vpc not in cidrs:
            raise ValueError(f"cidrs must include the {vpc!r} VPC")
    unknown = set(segments) - set(cidrs)
    if unknown:
        raise ValueError(f"segments names VPCs without a CIDR: {sorted(unknown)}")
    tgw = TransitGateway()
    seg_names = sorted(set(segments.values()))
    for table in [*seg_names, "shared"]:
        tgw.add_route_table(table)
    for vpc, cidr in cidrs.items():
        tgw.attach_vpc(vpc, cidr)
    for vpc, seg in segments.items():
        tgw.associate(vpc, seg)
        tgw.propagate(vpc, seg)
        tgw.propagate(vpc, "shared")
    for vpc in (shared, egress):
        tgw.associate(vpc, "shared")
    for seg in seg_names:
        tgw.propagate(shared, seg)
        tgw.add_static_route(seg, "0.0.0.0/0", egress)
        for vpc, other in segments.items():
            if other != seg:
                tgw.add_static_route(seg, cidrs[vpc], None)
    tgw.add_static_route("shared", "0.0.0.0/0", egress)
    return tgw
