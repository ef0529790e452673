"""Trace spans, and mutual TLS over real sockets on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from labkit.mesh.mtls import CertificateAuthority, MutualTLSServer, call_service
from labkit.mesh.tracing import TraceConfig, Tracer, simulate_trace


def test_trace_tree_is_consistent():
    df = simulate_trace(TraceConfig(seed=4)).records
    assert df.trace_id.nunique() == 1 and df.span_id.is_unique
    ids = set(df.span_id)
    assert all(p in ids for p in df.parent_id.dropna())
    by_id = df.set_index("span_id")
    for _, row in df.dropna(subset=["parent_id"]).iterrows():
        parent = by_id.loc[row.parent_id]
        assert parent.start_s <= row.start_s and row.end_s <= parent.end_s + 1e-12
        assert row.depth == parent.depth + 1
    retries = df[df.service == "card-processor"]
    assert list(retries.status) == ["error 503", "ok"]


def test_trace_without_retry_and_determinism():
    plain = simulate_trace(TraceConfig(seed=1, payment_retry=False))
    assert (plain.records.service == "card-processor").sum() == 1
    assert plain.summary()["failed_spans"] == 0
    retried = simulate_trace(TraceConfig(seed=9))
    assert retried.records.equals(simulate_trace(TraceConfig(seed=9)).records)
    assert retried.summary()["failed_spans"] == 1 and 0 < retried.summary()["payments_share"] < 1
    with pytest.warns(DeprecationWarning, match="TraceConfig"):
        assert simulate_trace(seed=9).equals(retried.records)
    with pytest.raises(ValueError, match="network_s"):
        TraceConfig(network_s=-1)


def test_tracer_rejects_negative_spans():
    with pytest.raises(ValueError, match="end_s"):
        Tracer("t").record(None, "a", "op", 1.0, 0.5)


@pytest.fixture(scope="module")
def mesh():
    ca = CertificateAuthority("test-ca")
    return ca, ca.issue("inventory"), ca.issue("orders")


def test_mutual_tls_on_loopback_accepts_valid_and_refuses_others(mesh):
    ca, inventory, orders = mesh
    rogue = CertificateAuthority("rogue-ca").issue("orders")
    with MutualTLSServer(inventory, ca) as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        good = call_service(server.address, server_name="inventory", ca=ca, identity=orders)
        anonymous = call_service(server.address, server_name="inventory", ca=ca, identity=None)
        impostor = call_service(server.address, server_name="inventory", ca=ca, identity=rogue)
    assert good.ok and good.server == "inventory" and "for orders" in good.reply
    assert not anonymous.ok and anonymous.error == "refused by the server"
    assert not impostor.ok and impostor.error == "refused by the server"
    assert server.log == [("orders", "served"),
                          (None, "refused: PEER_DID_NOT_RETURN_A_CERTIFICATE"),
                          (None, "refused: CERTIFICATE_VERIFY_FAILED")]


def test_client_refuses_a_server_with_the_wrong_name(mesh):
    ca, inventory, orders = mesh
    with MutualTLSServer(inventory, ca) as server:
        out = call_service(server.address, server_name="payments", ca=ca, identity=orders)
    assert not out.ok and out.error.startswith("server rejected")


def test_plain_tcp_client_gets_nothing(mesh):
    ca, inventory, _ = mesh
    with MutualTLSServer(inventory, ca) as server:
        with socket.create_connection(server.address, timeout=5) as raw:
            raw.sendall(b"GET /stock HTTP/1.1\r\n\r\n")
            try:
                data = raw.recv(4096)
            except ConnectionResetError:
                data = b""
    assert b"served" not in data
    assert server.log[0][0] is None


def test_only_loopback_and_identity_checks(mesh):
    ca, *_ = mesh
    with pytest.raises(ValueError, match="loopback"):
        call_service(("10.0.0.1", 443), server_name="x", ca=ca, identity=None)
    with pytest.raises(ValueError, match="service"):
        ca.issue("bad name")
    assert ca.verify(ca.issue("a")) and not CertificateAuthority("other").verify(ca.issue("a"))
