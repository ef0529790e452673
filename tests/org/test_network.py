"""Transit Gateway CIDR plan, associations, propagations and route lookup (Transit Gateway Guide:
route tables)."""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.org.network import TransitGateway, allocate_cidrs, build_hub_and_spoke


def test_allocation_has_no_overlaps_and_avoids_reserved():
    plan = allocate_cidrs("10.0.0.0/8", {"a": 16, "b": 20, "c": 16, "d": 24},
                          reserved=["10.0.0.0/16", "10.2.0.0/15"])
    nets = list(plan.values())
    assert list(plan) == ["a", "b", "c", "d"]
    assert all(not x.overlaps(y) for x, y in itertools.combinations(nets, 2))
    assert all(not n.overlaps(ipaddress.ip_network(r)) for n in nets
               for r in ("10.0.0.0/16", "10.2.0.0/15"))
    assert plan["a"].prefixlen == 16 and plan["d"].prefixlen == 24


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=18, max_value=24), min_size=1, max_size=12))
def test_allocation_property(sizes):
    requested = {f"v{i}": s for i, s in enumerate(sizes)}
    if sum(2 ** (32 - s) for s in sizes) > 2 ** 16:
        with pytest.raises(ValueError, match="no free"):
            allocate_cidrs("10.0.0.0/16", requested)
        return
    # largest blocks first on aligned boundaries: whatever fits by size is placed
    plan = allocate_cidrs("10.0.0.0/16", requested)
    nets = list(plan.values())
    assert all(not x.overlaps(y) for x, y in itertools.combinations(nets, 2))
    assert all(n.subnet_of(ipaddress.ip_network("10.0.0.0/16")) for n in nets)


def test_allocation_errors_are_named():
    with pytest.raises(ValueError, match="no free /17 left"):
        allocate_cidrs("10.0.0.0/16", {"a": 17, "b": 17, "c": 17})
    with pytest.raises(ValueError, match=r"sizes\['a'\] must be a prefix length in \[16, 32\]"):
        allocate_cidrs("10.0.0.0/16", {"a": 8})
    with pytest.raises(ValueError, match="supernet must be a CIDR block"):
        allocate_cidrs("10.0.0.1/16", {"a": 20})


def test_overlap_accepted_but_not_propagated_and_one_association():
    tgw = TransitGateway()
    tgw.add_route_table("t1")
    tgw.add_route_table("t2")
    tgw.attach_vpc("a", "10.0.0.0/16")
    tgw.attach_vpc("b", "10.0.0.0/16")  # AWS accepts the attachment
    tgw.propagate("a", "t2")
    tgw.propagate("b", "t2")
    assert [r.target for r in tgw.routes("t2")] == ["a"]
    assert tgw.overlapping("t2") == {"b": ["10.0.0.0/16"]}
    with pytest.raises(ValueError, match="already exists"):
        tgw.attach_vpc("a", "10.9.0.0/16")
    tgw.associate("a", "t1")
    with pytest.raises(ValueError, match="exactly one table"):
        tgw.associate("a", "t2")
    tgw.propagate("a", "t1")
    tgw.propagate("a", "t2")                 # propagation into several tables is fine
    assert [r.target for r in tgw.routes("t2")] == ["a"]


def test_longest_prefix_wins_then_static_beats_propagated():
    tgw = TransitGateway()
    tgw.add_route_table("rt")
    tgw.attach_vpc("src", "10.9.0.0/16")
    tgw.attach_vpc("wide", "10.0.0.0/16")
    tgw.attach_vpn("onprem", ["10.0.0.0/16", "172.16.0.0/12"])
    tgw.attach_vpc("narrow", "10.1.0.0/24")
    tgw.associate("src", "rt")
    for a in ("wide", "onprem"):
        tgw.propagate(a, "rt")
    assert tgw.lookup("src", "10.0.1.1").next_hop == "wide"      # VPC beats VPN at equal prefix
    tgw.add_static_route("rt", "10.0.1.0/24", "narrow")
    assert tgw.lookup("src", "10.0.1.1").next_hop == "narrow"    # longer prefix
    tgw.add_static_route("rt", "10.0.0.0/16", "onprem")
    assert tgw.lookup("src", "10.0.2.2").next_hop == "onprem"    # static beats propagated
    assert tgw.lookup("src", "172.20.0.1").next_hop == "onprem"
    drop = tgw.lookup("src", "192.168.0.1")
    assert drop.route is None and drop.outcome == "no route (dropped)"
    tgw.add_static_route("rt", "10.0.2.0/24", None)
    assert tgw.lookup("src", "10.0.2.9").outcome == "blackhole"


def test_hub_and_spoke_segmentation():
    plan = allocate_cidrs("10.0.0.0/12", {"shared": 16, "egress": 20, "prod-a": 16,
                                          "prod-b": 16, "dev-a": 16})
    tgw = build_hub_and_spoke({k: str(v) for k, v in plan.items()},
                              {"prod-a": "prod", "prod-b": "prod", "dev-a": "nonprod"})
    host = {k: str(next(v.hosts())) for k, v in plan.items()}
    assert tgw.lookup("prod-a", host["prod-b"]).next_hop == "prod-b"
    assert tgw.lookup("prod-a", host["shared"]).next_hop == "shared"
    assert tgw.lookup("prod-a", host["dev-a"]).outcome == "blackhole"
    assert tgw.lookup("dev-a", host["prod-a"]).outcome == "blackhole"
    assert tgw.lookup("dev-a", "1.1.1.1").next_hop == "egress"
    assert tgw.lookup("shared", host["dev-a"]).next_hop == "dev-a"      # return traffic
    assert tgw.lookup("egress", host["prod-b"]).next_hop == "prod-b"
    frame = tgw.route_table_frame()
    assert set(frame["table"]) == {"prod", "nonprod", "shared"}


def test_lookup_errors():
    tgw = TransitGateway()
    tgw.add_route_table("rt")
    tgw.attach_vpc("a", "10.0.0.0/16")
    with pytest.raises(ValueError, match="not associated"):
        tgw.lookup("a", "10.0.0.1")
    tgw.associate("a", "rt")
    with pytest.raises(ValueError, match="destination must be an IP address"):
        tgw.lookup("a", "10.0.0.0/8")
    with pytest.raises(KeyError, match="no attachment"):
        tgw.lookup("zz", "10.0.0.1")
