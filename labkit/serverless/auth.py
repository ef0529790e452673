"""Cognito-style token checks: RS256 JWTs signed by a user pool, verified before the function runs.

A Cognito user pool signs its ID and access tokens with RS256 (RSA + SHA-256) and publishes the
public keys as a JWKS at ``https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/
jwks.json``. An API (API Gateway's Cognito or JWT authorizer, or your own code) must check
(Cognito Developer Guide, "Verifying JSON web tokens"):

1. the token is a well-formed JWT whose header names a known key (``kid``) and ``RS256``;
2. the **signature** verifies with that public key;
3. it has not **expired** (``exp``);
4. the **issuer** (``iss``) is the user pool's URL;
5. the **audience**: ``aud`` equals the app client id for ID tokens (access tokens carry
   ``client_id`` instead), and ``token_use`` is the expected kind.

Keys are real RSA keys from ``cryptography``; tokens are signed and verified with PyJWT; labkit
only chooses which claims to check and injects the clock (``now``), so expiry is testable.

Classes
    UserPool, TokenVerifier, InvalidToken, AuthorizedApi, ApiResponse
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from labkit.core.validation import check_choice, check_finite, check_positive

__all__ = ["ApiResponse", "AuthorizedApi", "InvalidToken", "TokenVerifier", "UserPool"]

REASONS = ("malformed", "unknown_key", "algorithm", "bad_signature", "expired",
           "wrong_issuer", "wrong_audience", "wrong_token_use", "missing_claim")


class InvalidToken(Exception):
    """A token the verifier refuses; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _new_private_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class UserPool:
    """A stand-in user pool: holds RSA signing keys, publishes the JWKS, issues tokens.

    Parameters
    ----------
    pool_id : str
        User pool id such as ``"us-east-1_Example"``.
    client_id : str
        The app client id that ID tokens name as audience.
    region : str
        Region in the issuer URL.

    Examples
    --------
    >>> pool = UserPool("us-east-1_Lab", client_id="web-client")
    >>> token = pool.issue_token("alice", now=1_000.0)
    >>> TokenVerifier.for_pool(pool).verify(token, now=1_010.0)["cognito:username"]
    'alice'
    """

    pool_id: str = "us-east-1_Lab"
    client_id: str = "web-client"
    region: str = "us-east-1"
    _keys: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _current: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("pool_id", "client_id", "region"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        self.rotate_key()

    @property
    def issuer(self) -> str:
        """The ``iss`` claim of this pool's tokens."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    def rotate_key(self) -> str:
        """Add a fresh signing key, make it current, and return its ``kid``."""
        kid = f"key-{len(self._keys) + 1}"
        self._keys[kid] = _new_private_key()
        self._current = kid
        return kid

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys as a JSON Web Key Set (what ``.well-known/jwks.json`` serves)."""
        from jwt.algorithms import RSAAlgorithm

        keys = []
        for kid, private in self._keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
            jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
            keys.append(jwk)
        return {"keys": keys}

    def issue_token(self, username: str, now: float, *, lifetime_s: float = 3600.0,
                    token_use: str = "id", **overrides: Any) -> str:
        """Sign a token for ``username`` issued at ``now`` that expires ``lifetime_s`` later.

        ``token_use="id"`` puts the client id in ``aud``; ``"access"`` puts it in
        ``client_id``. Keyword ``overrides`` replace claims (e.g. ``iss=...``, ``aud=...``) to
        build the bad tokens a test or notebook needs.
        """
        import jwt

        t = check_finite("now", now)
        life = check_positive("lifetime_s", lifetime_s)
        check_choice("token_use", token_use, ("id", "access"))
        claims: dict[str, Any] = {"sub": f"sub-{username}", "iss": self.issuer,
                                  "token_use": token_use, "auth_time": int(t), "iat": int(t),
                                  "exp": int(t + life)}
        if token_use == "id":
            claims.update({"aud": self.client_id, "cognito:username": username})
        else:
            claims.update({"client_id": self.client_id, "username": username,
                           "scope": "aws.cognito.signin.user.admin"})
        claims.update(overrides)
        return jwt.encode(claims, self._keys[self._current], algorithm="RS256",
                          headers={"kid": self._current})

    def foreign_token(self, username: str, now: float, **kwargs: Any) -> str:
        """A token with the right claims signed by a key this pool never published (a forgery)."""
        import jwt

        good = self.issue_token(username, now, **kwargs)
        claims = jwt.decode(good, options={"verify_signature": False})
        return jwt.encode(claims, _new_private_key(), algorithm="RS256",
                          headers={"kid": self._current})


@dataclass(frozen=True)
class TokenVerifier:
    """Checks tokens against a JWKS, an issuer, an app client id and a ``token_use``.

    :meth:`verify` returns the claims or raises :class:`InvalidToken` with the first failing
    check, in the order of the module docstring.
    """

    jwks: dict[str, list[dict[str, str]]]
    issuer: str
    client_id: str
    token_use: str = "id"

    def __post_init__(self) -> None:
        check_choice("token_use", self.token_use, ("id", "access"))
        if not isinstance(self.jwks, dict) or not isinstance(self.jwks.get("keys"), list):
            raise ValueError("jwks must be a JSON Web Key Set: {'keys': [...]}")

    @classmethod
    def for_pool(cls, pool: UserPool, token_use: str = "id") -> TokenVerifier:
        """A verifier trusting ``pool`` (its JWKS, issuer and client id)."""
        return cls(pool.jwks(), pool.issuer, pool.client_id, token_use)

    def verify(self, token: object, now: float) -> dict[str, Any]:
        """Return the verified claims of ``token`` at time ``now`` (seconds since the epoch)."""
        import jwt

        t = check_finite("now", now)
        if not isinstance(token, str) or token.count(".") != 2:
            raise InvalidToken("malformed", "a JWT is three base64url parts joined by '.'")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise InvalidToken("malformed", str(exc)) from None
        if header.get("alg") != "RS256":
            raise InvalidToken("algorithm", f"expected RS256, got {header.get('alg')!r}")
        keys = {k.get("kid"): k for k in self.jwks["keys"]}
        if header.get("kid") not in keys:
            raise InvalidToken("unknown_key", f"kid {header.get('kid')!r} is not in the JWKS")
        key = jwt.PyJWK(keys[header["kid"]]).key
        audience = self.client_id if self.token_use == "id" else None
        try:
            claims = jwt.decode(
                token, key, algorithms=["RS256"], audience=audience, issuer=self.issuer,
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                         "verify_aud": audience is not None,
                         "require": ["exp", "iss", "token_use"]})
        except jwt.InvalidSignatureError:
            raise InvalidToken("bad_signature", "signature does not match the key") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("wrong_issuer", "iss is not this user pool") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("wrong_audience", "aud is not this app client") from None
        except jwt.MissingRequiredClaimError as exc:
            # an access token (no ``aud``) presented where an ID token is expected
            unverified = jwt.decode(token, options={"verify_signature": False})
            if unverified.get("token_use") not in (None, self.token_use):
                raise InvalidToken("wrong_token_use", f"expected {self.token_use!r}, got "
                                   f"{unverified.get('token_use')!r}") from None
            raise InvalidToken("missing_claim", str(exc)) from None
        except jwt.DecodeError as exc:
            raise InvalidToken("malformed", str(exc)) from None
        if not isinstance(claims.get("exp"), (int, float)) or t >= claims["exp"]:
            raise InvalidToken("expired", f"exp {claims.get('exp')!r} is not after now {t:g}")
        if claims.get("token_use") != self.token_use:
            raise InvalidToken("wrong_token_use",
                               f"expected {self.token_use!r}, got {claims.get('token_use')!r}")
        if self.token_use == "access" and claims.get("client_id") != self.client_id:
            raise InvalidToken("wrong_audience", "client_id is not this app client")
        return claims


@dataclass(frozen=True)
class ApiResponse:
    """What the caller gets: HTTP ``status``, ``body`` and, when refused, the ``reason``."""

    status: int
    body: Any = None
    reason: str = ""


@dataclass
class AuthorizedApi:
    """An API route with a token authorizer in front of a function handler.

    The handler ``(claims, event) -> body`` runs only for a valid token; a missing or bad token
    gets **401** and the function is never invoked (``invocations`` counts real runs).

    >>> pool = UserPool()
    >>> api = AuthorizedApi(TokenVerifier.for_pool(pool), lambda claims, event: "hello")
    >>> api.call(None, now=0.0).status, api.invocations
    (401, 0)
    >>> api.call(pool.issue_token("bob", 0.0), now=5.0).body, api.invocations
    ('hello', 1)
    """

    verifier: TokenVerifier
    handler: Callable[[dict[str, Any], Any], Any]
    invocations: int = 0

    def call(self, token: str | None, now: float, event: Any = None) -> ApiResponse:
        """Handle one request carrying ``token`` (the ``Authorization`` header) at ``now``."""
        if token is None or token == "":
            return ApiResponse(401, "Unauthorized", "missing")
        try:
            claims = self.verifier.verify(token, now)
        except InvalidToken as exc:
            return ApiResponse(401, "Unauthorized", exc.reason)
        self.invocations += 1
        return ApiResponse(200, self.handler(claims, event))
