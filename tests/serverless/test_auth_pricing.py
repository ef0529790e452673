"""Cognito-style JWT checks (real RS256 keys, PyJWT) and Lambda pricing against the reference."""

from __future__ import annotations

import base64
import json

import pytest

from labkit.microservices.cost import load_prices
from labkit.serverless import (
    AuthorizedApi,
    InvalidToken,
    TokenVerifier,
    UserPool,
    break_even_with_containers,
    lambda_cost_curve,
    lambda_monthly_cost,
    load_serverless_prices,
    provisioned_share,
)

NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def pool():
    return UserPool("us-east-1_Test", client_id="web")


@pytest.fixture(scope="module")
def other_pool():
    return UserPool("us-east-1_Other", client_id="web")


def _tamper(token: str, **claims) -> str:
    head, body, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data.update(claims)
    new = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return ".".join([head, new, sig])


def test_valid_id_and_access_tokens_verify(pool):
    claims = TokenVerifier.for_pool(pool).verify(pool.issue_token("ann", NOW), NOW + 60)
    assert claims["iss"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test"
    assert claims["aud"] == "web" and claims["token_use"] == "id"
    access = pool.issue_token("ann", NOW, token_use="access")
    assert TokenVerifier.for_pool(pool, "access").verify(access, NOW)["client_id"] == "web"


def test_jwks_publishes_rs256_public_keys_only(pool):
    keys = pool.jwks()["keys"]
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and "d" not in k for k in keys)


@pytest.mark.parametrize("make, reason", [
    (lambda p, o: p.issue_token("a", NOW, lifetime_s=60), "expired"),
    (lambda p, o: p.issue_token("a", NOW, iss="https://evil.example"), "wrong_issuer"),
    (lambda p, o: p.issue_token("a", NOW, aud="other-client"), "wrong_audience"),
    (lambda p, o: p.issue_token("a", NOW, token_use="access"), "wrong_token_use"),
    (lambda p, o: p.foreign_token("a", NOW), "bad_signature"),
    (lambda p, o: _tamper(p.issue_token("a", NOW), **{"cognito:username": "admin"}),
     "bad_signature"),
    (lambda p, o: o.issue_token("a", NOW), "unknown_key"),
    (lambda p, o: "not-a-jwt", "malformed"),
    (lambda p, o: "a.b.c", "malformed"),
])
def test_bad_tokens_are_refused_with_a_reason(pool, other_pool, make, reason):
    # other_pool's key ids are the same strings ("key-1"): the verifier then sees a bad
    # signature; give the other pool a distinct kid to test unknown keys
    if reason == "unknown_key":
        other_pool.rotate_key()
    verifier = TokenVerifier.for_pool(pool)
    with pytest.raises(InvalidToken) as info:
        verifier.verify(make(pool, other_pool), NOW + 120)
    assert info.value.reason == reason


def test_none_and_hs256_algorithms_are_refused(pool):
    import jwt

    claims = {"iss": pool.issuer, "aud": "web", "token_use": "id", "exp": NOW + 999}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "key-1"})
    with pytest.raises(InvalidToken, match="algorithm"):
        TokenVerifier.for_pool(pool).verify(unsigned, NOW)
    hs = jwt.encode(claims, "a-secret-long-enough-for-hmac-sha256!", algorithm="HS256",
                    headers={"kid": "key-1"})
    with pytest.raises(InvalidToken, match="algorithm"):
        TokenVerifier.for_pool(pool).verify(hs, NOW)


def test_bad_token_never_reaches_the_function(pool):
    api = AuthorizedApi(TokenVerifier.for_pool(pool), lambda claims, event: claims["sub"])
    bad = [None, "", "x.y", pool.issue_token("a", NOW - 7200), pool.foreign_token("a", NOW)]
    assert [api.call(t, NOW).status for t in bad] == [401] * 5
    assert api.invocations == 0
    ok = api.call(pool.issue_token("a", NOW), NOW)
    assert (ok.status, ok.body, api.invocations) == (200, "sub-a", 1)


def test_key_rotation_keeps_old_tokens_valid_while_the_key_is_published():
    pool = UserPool()
    old = pool.issue_token("a", NOW)
    pool.rotate_key()
    new = pool.issue_token("a", NOW)
    v = TokenVerifier.for_pool(pool)
    assert v.verify(old, NOW)["sub"] == v.verify(new, NOW)["sub"]


def test_bad_auth_inputs():
    with pytest.raises(ValueError, match="client_id"):
        UserPool(client_id="")
    with pytest.raises(ValueError, match="lifetime_s"):
        UserPool().issue_token("a", NOW, lifetime_s=0)
    with pytest.raises(ValueError, match="jwks"):
        TokenVerifier({"nokeys": 1}, "iss", "c")


MONTH = 730 * 3600


@pytest.mark.parametrize("mb, s, per_million", [(512, 0.1, 1.033), (512, 0.2, 1.867),
                                                 (1024, 0.1, 1.867), (128, 2.0, 4.367)])
def test_cost_per_million_matches_the_reference(mb, s, per_million):
    bill = lambda_monthly_cost(1e6 / MONTH, duration_s=s, memory_mb=mb)
    assert bill.total_usd == pytest.approx(per_million, abs=0.001)
    assert bill.requests_usd == pytest.approx(0.2)


def test_free_tier_covers_8_million_small_requests():
    rate = 8e6 / MONTH
    assert lambda_monthly_cost(rate, duration_s=0.1, memory_mb=512,
                               free_tier=True).duration_usd == pytest.approx(0, abs=1e-9)


def test_break_even_with_fargate_matches_the_reference_table():
    t = break_even_with_containers(duration_s=0.1, memory_mb=512)
    assert t.break_even_requests_per_month.tolist() == pytest.approx([8.7e6, 34.9e6], rel=0.01)
    t = break_even_with_containers(duration_s=0.1, memory_mb=512, free_tier=True)
    assert t.break_even_requests_per_month.tolist() == pytest.approx([15.4e6, 41.5e6], rel=0.01)
    t = break_even_with_containers(duration_s=2.0, memory_mb=128)
    assert t.break_even_requests_per_month.tolist() == pytest.approx([2.1e6, 8.3e6], rel=0.02)


def test_provisioned_concurrency_costs_while_configured():
    idle = lambda_monthly_cost(1e-6, duration_s=0.1, memory_mb=1024, provisioned=10)
    assert idle.provisioned_usd == pytest.approx(10 * 1.0 * MONTH * 0.0000041667)
    busy = lambda_monthly_cost(50, duration_s=1.0, memory_mb=1024, provisioned=100)
    on_demand = lambda_monthly_cost(50, duration_s=1.0, memory_mb=1024)
    assert busy.provisioned_share > 0.999
    assert busy.duration_usd < on_demand.duration_usd   # cheaper duration on provisioned
    with pytest.raises(ValueError, match="free"):
        lambda_monthly_cost(1, duration_s=0.1, memory_mb=512, provisioned=1, free_tier=True)


def test_provisioned_share_is_expected_min_over_mean():
    import numpy as np

    rng = np.random.default_rng(0)
    n = rng.poisson(3.0, 200_000)
    assert provisioned_share(3.0, 4) == pytest.approx(np.minimum(n, 4).mean() / 3.0, abs=0.005)


def test_price_table_is_the_committed_one_plus_provisioned_rows():
    table = load_serverless_prices().to_frame()
    assert len(table) == len(load_prices().to_frame()) + 2
    assert table.source.str.startswith("https://aws.amazon.com/").all()
    curve = lambda_cost_curve([1.0, 100.0], duration_s=0.1, memory_mb=512, provisioned=[0, 10])
    assert (curve.monthly_cost_usd > 0).all()


def test_api_gateway_request_charge_by_tier():
    from labkit.core.facts import fact_value
    from labkit.serverless import api_gateway_monthly_cost

    http, rest = (float(fact_value("apigw_http_api_price_per_million")),
                  float(fact_value("apigw_rest_api_price_per_million")))
    assert api_gateway_monthly_cost(1e6) == pytest.approx(http)
    assert api_gateway_monthly_cost(1e6, api_type="rest") == pytest.approx(rest)
    # the second HTTP tier starts at 300 million requests
    over = float(fact_value("apigw_http_api_price_per_million_over_300m"))
    assert api_gateway_monthly_cost(301e6) == pytest.approx(300 * http + over)
    next_rest = float(fact_value("apigw_rest_api_price_per_million_next_667m"))
    assert api_gateway_monthly_cost(334e6, api_type="rest") == pytest.approx(333 * rest + next_rest)
    with pytest.raises(ValueError, match="requests_per_month"):
        api_gateway_monthly_cost(2e9, api_type="rest")
    with pytest.raises(ValueError, match="api_type"):
        api_gateway_monthly_cost(1e6, api_type="websocket")
