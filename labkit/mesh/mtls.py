"""Real mutual TLS on loopback: a certificate authority, service certificates, TLS sockets.

What a mesh does for every connection between sidecars, done by hand with ``cryptography``
(keys, X.509 certificates) and Python's ``ssl`` module (the handshake):

- :class:`CertificateAuthority` creates a self-signed root and issues service certificates
  (:class:`ServiceIdentity`) whose subject alternative names carry the service's DNS name and a
  SPIFFE-style URI (``spiffe://<trust domain>/service/<name>``), as App Mesh / Istio identities do;
- :class:`MutualTLSServer` listens on ``127.0.0.1`` (an ephemeral port), **requires** a client
  certificate signed by its CA, and answers each request with the caller's identity;
- :func:`call_service` connects, verifies the server's certificate and name, presents its own
  certificate (or none), and returns a :class:`CallOutcome` — refused clients get
  ``ok=False`` and the TLS alert's reason.

Key and certificate files exist only inside a temporary directory while a context is built.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field

__all__ = ["CallOutcome", "CertificateAuthority", "MutualTLSServer", "ServiceIdentity",
           "call_service"]

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class ServiceIdentity:
    """A service's certificate and private key (PEM), and the CA that issued it."""

    name: str
    cert_pem: bytes
    key_pem: bytes
    issuer: str

    @property
    def spiffe_id(self) -> str:
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(self.cert_pem)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return san.get_values_for_type(x509.UniformResourceIdentifier)[0]


class CertificateAuthority:
    """A root CA for one trust domain (EC P-256 keys, SHA-256 signatures).

    >>> ca = CertificateAuthority("lab-mesh-ca")
    >>> orders = ca.issue("orders")
    >>> orders.spiffe_id
    'spiffe://lab.local/service/orders'
    >>> ca.verify(orders)
    True
    >>> CertificateAuthority("rogue-ca").verify(orders)
    False
    """

    def __init__(self, name: str = "lab-mesh-ca", *, trust_domain: str = "lab.local",
                 valid_days: int = 1, now: dt.datetime | None = None) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        if not name or not trust_domain:
            raise ValueError("name and trust_domain must be non-empty")
        if valid_days < 1:
            raise ValueError(f"valid_days must be >= 1, got {valid_days!r}")
        self.name = name
        self.trust_domain = trust_domain
        self.valid_days = valid_days
        self._now = now
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        start = self._start()
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.cert_pem = self._cert.public_bytes(serialization.Encoding.PEM)

    def _start(self) -> dt.datetime:
        now = self._now or dt.datetime.now(dt.UTC)
        return now - dt.timedelta(minutes=5)

    def issue(self, service: str) -> ServiceIdentity:
        """A certificate for ``service`` usable as both TLS server and TLS client."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        if not service or not service.replace("-", "").isalnum():
            raise ValueError(f"service must be a DNS label (letters, digits, '-'), got "
                             f"{service!r}")
        key = ec.generate_private_key(ec.SECP256R1())
        start = self._start()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, service)]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=self.valid_days))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName(service),
                x509.UniformResourceIdentifier(f"spiffe://{self.trust_domain}/service/{service}"),
            ]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(self._key, hashes.SHA256())
        )
        key_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return ServiceIdentity(service, cert.public_bytes(serialization.Encoding.PEM), key_pem,
                               self.name)

    def verify(self, identity: ServiceIdentity) -> bool:
        """``True`` if this CA signed ``identity``'s certificate."""
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric import ec

        cert = x509.load_pem_x509_certificate(identity.cert_pem)
        if cert.issuer != self._cert.subject:
            return False
        try:
            self._key.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                          ec.ECDSA(cert.signature_hash_algorithm))
        except InvalidSignature:
            return False
        return True


def _context(purpose: ssl.Purpose, ca_pem: bytes, identity: ServiceIdentity | None
             ) -> ssl.SSLContext:
    ctx = ssl.create_default_context(purpose, cadata=ca_pem.decode())
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if purpose is ssl.Purpose.CLIENT_AUTH:
        ctx.verify_mode = ssl.CERT_REQUIRED          # the "mutual" in mutual TLS
    if identity is not None:
        with tempfile.TemporaryDirectory() as tmp:   # ssl loads keys only from files
            cert_path = os.path.join(tmp, "cert.pem")
            key_path = os.path.join(tmp, "key.pem")
            with open(cert_path, "wb") as f:
                f.write(identity.cert_pem)
            with open(key_path, "wb") as f:
                f.write(identity.key_pem)
            ctx.load_cert_chain(cert_path, key_path)
    return ctx


def _peer_name(tls: ssl.SSLSocket) -> str | None:
    cert = tls.getpeercert()
    if not cert:
        return None
    for field_ in cert.get("subject", ()):
        for key, value in field_:
            if key == "commonName":
                return value
    return None


@dataclass
class MutualTLSServer:
    """A TLS server on 127.0.0.1 that requires client certificates from ``ca``.

    Use as a context manager; ``address`` is ``(host, port)``; ``log`` lists
    ``(client, outcome)`` per connection (``client`` is the certificate's common name, or
    ``None`` for a refused handshake, with the TLS reason as outcome).
    """

    identity: ServiceIdentity
    ca: CertificateAuthority
    log: list[tuple[str | None, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ctx = _context(ssl.Purpose.CLIENT_AUTH, self.ca.cert_pem, self.identity)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        if self._sock is None:
            raise RuntimeError("the server is not running (use it in a with block)")
        return self._sock.getsockname()[:2]

    def __enter__(self) -> MutualTLSServer:
        self._sock = socket.create_server((LOOPBACK, 0))
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                with self._ctx.wrap_socket(conn, server_side=True) as tls:
                    client = _peer_name(tls)
                    request = tls.recv(4096).decode()
                    reply = f"{self.identity.name} served '{request}' for {client}"
                    tls.sendall(reply.encode())
                    self.log.append((client, "served"))
            except ssl.SSLError as err:
                self.log.append((None, f"refused: {err.reason}"))
                conn.close()
            except OSError as err:
                self.log.append((None, f"refused: {type(err).__name__}"))
                conn.close()


@dataclass(frozen=True)
class CallOutcome:
    """What a client saw: ``ok``, the server's verified name, the reply, or the refusal reason."""

    client: str | None
    ok: bool
    server: str | None = None
    reply: str | None = None
    error: str | None = None
    detail: str | None = None


def call_service(address: tuple[str, int], *, server_name: str, ca: CertificateAuthority,
                 identity: ServiceIdentity | None, message: str = "GET /stock",
                 timeout_s: float = 5.0) -> CallOutcome:
    """Open a TLS connection to ``address``, check the server is ``server_name`` (signed by
    ``ca``), present ``identity`` (``None``: no client certificate), send ``message``.

    A refused handshake (no or untrusted client certificate) gives ``ok=False`` and
    ``error="refused by the server"`` (``detail`` holds what the client saw, which varies with
    timing); a server whose certificate does not match ``server_name`` or ``ca`` gives
    ``error="server rejected: ..."``.

    Examples
    --------
    >>> ca = CertificateAuthority()
    >>> with MutualTLSServer(ca.issue("inventory"), ca) as server:
    ...     good = call_service(server.address, server_name="inventory", ca=ca,
    ...                         identity=ca.issue("orders"))
    ...     anonymous = call_service(server.address, server_name="inventory", ca=ca,
    ...                              identity=None)
    >>> good.ok, good.server, anonymous.ok, anonymous.error
    (True, 'inventory', False, 'refused by the server')
    >>> server.log[1]
    (None, 'refused: PEER_DID_NOT_RETURN_A_CERTIFICATE')
    """
    host, port = address
    if host != LOOPBACK:
        raise ValueError(f"address must be on {LOOPBACK} (loopback only), got {host!r}")
    ctx = _context(ssl.Purpose.SERVER_AUTH, ca.cert_pem, identity)
    client = identity.name if identity is not None else None
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as raw, \
                ctx.wrap_socket(raw, server_hostname=server_name) as tls:
            server = _peer_name(tls)
            tls.sendall(message.encode())
            reply = tls.recv(4096).decode()
            if not reply:
                return CallOutcome(client, False, server, None, "connection closed")
            return CallOutcome(client, True, server, reply)
    except ssl.SSLCertVerificationError as err:
        return CallOutcome(client, False, None, None, f"server rejected: {err.verify_message}")
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as err:
        # With TLS 1.3 the client finishes its half of the handshake first and learns of the
        # refusal on its next read: as an alert (TLSV13_ALERT_CERTIFICATE_REQUIRED) or as a
        # closed connection, depending on timing. The server's log has the exact reason.
        detail = getattr(err, "reason", None) or type(err).__name__
        return CallOutcome(client, False, None, None, "refused by the server", detail)
