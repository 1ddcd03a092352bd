"""The bus client against the real services (auth-service, api-service) with real dev-idp tokens."""

from __future__ import annotations

import pytest

from streamlit_auth0_bus import BusClient
from streamlit_auth0_bus.errors import ForbiddenError, UnauthenticatedError
from tests.integration.forge import claims_of, forge, header_of
from tests.integration.oidc import Tokens
from tests.integration.stack import DevIdp, Service


@pytest.fixture(scope="module", autouse=True)
def _up(stack: dict[str, object]) -> None:
    """Both services running for every test here."""


def test_public_ping_needs_no_token(bus: BusClient, api_service: Service) -> None:
    reply = bus.request("api.ping")
    assert "PUBLIC" in reply["data"]
    assert reply["instance"] == api_service.instance


def test_secure_pong_greets_the_verified_caller(bus: BusClient, tokens: dict[str, Tokens], api_service: Service) -> None:
    for user, sub in (("alice", "auth0|alice"), ("bob", "auth0|bob")):
        reply = bus.request("api.pong", {}, token=tokens[user].access_token)
        assert reply["sub"] == sub
        assert "SECURE" in reply["data"]
        assert reply["instance"] == api_service.instance


def test_secure_pong_without_a_token_is_unauthenticated(bus: BusClient) -> None:
    with pytest.raises(UnauthenticatedError) as caught:
        bus.request("api.pong")
    assert caught.value.reason == "missing"


def test_scoped_pong_needs_read_messages(bus: BusClient, tokens: dict[str, Tokens]) -> None:
    reply = bus.request("api.pong-scoped", {}, token=tokens["alice"].access_token)
    assert (reply["sub"], reply["permission"]) == ("auth0|alice", "read:messages")
    with pytest.raises(ForbiddenError) as caught:
        bus.request("api.pong-scoped", {}, token=tokens["bob"].access_token)
    assert caught.value.code == "FORBIDDEN" and caught.value.permission == "read:messages"


def test_verify_returns_the_identity(bus: BusClient, tokens: dict[str, Tokens], dev_idp: DevIdp, auth_service: Service) -> None:
    identity = bus.request("auth.verify", {"caller": "streamlit-host", "session_id": "pytest-1"}, token=tokens["alice"].access_token)
    claims = claims_of(tokens["alice"].access_token)
    assert identity["sub"] == "auth0|alice"
    assert set(identity["permissions"]) == {"read:messages", "read:audit", "admin:sessions"}
    assert identity["exp"] == claims["exp"]
    assert identity["iss"] == dev_idp.issuer
    assert identity["instance"] == auth_service.instance
    assert bus.request("auth.verify", {}, token=tokens["bob"].access_token)["permissions"] == []


@pytest.mark.parametrize("subject", ["auth.verify", "api.pong"])
def test_forged_tokens_are_refused_with_a_reason(bus: BusClient, tokens: dict[str, Tokens], subject: str) -> None:
    real = tokens["alice"].access_token
    own_kid = forge(real)
    real_kid = forge(real, kid=header_of(real)["kid"])
    escalated = forge(tokens["bob"].access_token, kid=header_of(real)["kid"], permissions=["read:messages", "read:audit"])
    reasons = {}
    for name, token in (("own kid", own_kid), ("real kid", real_kid), ("escalated", escalated)):
        with pytest.raises(UnauthenticatedError) as caught:
            bus.request(subject, {}, token=token)
        reasons[name] = caught.value.reason
    assert reasons["real kid"] == "bad_signature" and reasons["escalated"] == "bad_signature"
    assert reasons["own kid"] in ("unknown_key", "bad_signature")


def test_garbage_and_wrong_audience_tokens(bus: BusClient, tokens: dict[str, Tokens]) -> None:
    with pytest.raises(UnauthenticatedError) as caught:
        bus.request("auth.verify", {}, token="not-a-jwt")
    assert caught.value.reason == "malformed"
    # An ID token is signed by the right issuer, but is not an access token for this API.
    id_token = tokens["alice"].id_token
    assert id_token
    with pytest.raises(UnauthenticatedError) as caught:
        bus.request("auth.verify", {}, token=id_token)
    assert caught.value.reason in ("wrong_audience", "not_access_token")


def test_audit_query_needs_read_audit(bus: BusClient, tokens: dict[str, Tokens]) -> None:
    # a verification first, so there is at least one event of alice's
    bus.request("auth.verify", {"caller": "streamlit-host"}, token=tokens["alice"].access_token)
    with pytest.raises(ForbiddenError) as caught:
        bus.request("audit.query", {"limit": 10}, token=tokens["bob"].access_token)
    assert caught.value.permission == "read:audit"
    with pytest.raises(UnauthenticatedError):
        bus.request("audit.query", {"limit": 10})
    reply = bus.request("audit.query", {"limit": 50, "sub": "auth0|alice"}, token=tokens["alice"].access_token)
    assert reply["total_in_stream"] >= 1
    assert all(event["sub"] == "auth0|alice" for event in reply["events"])
    assert all(tokens["alice"].access_token not in str(event) for event in reply["events"])
