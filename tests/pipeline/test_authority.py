"""Roles, rights and tokens without a server: signatures, expiry, revocation, instances, open mode."""
import time

import pytest

from pipeline.authority import EVERY_CHANNEL, RIGHTS, Authority, Principal, Tenure, auth_mode, is_loopback


@pytest.fixture
def auth(tmp_path):
    return Authority("tokens", "secret", "viewer", max_age=3600, revocations=str(tmp_path / "revoked.json"))


def test_an_open_server_makes_everyone_an_owner():
    a = Authority("open", "secret")
    assert a.role(Principal("10.0.0.9"), "main", Tenure("x")) == "owner"
    assert a.is_admin(Principal("10.0.0.9"))


def test_without_a_token_a_client_has_the_anonymous_role(auth):
    assert auth.role(Principal("127.0.0.1"), "main", Tenure("x")) == "viewer"
    assert auth.rights(Principal("127.0.0.1"), "main", Tenure("x")) == {"view"}
    none = Authority("tokens", "secret", "none")
    assert none.rights(Principal("127.0.0.1"), "main", Tenure("x")) == frozenset()
    assert not none.may_create(Principal("127.0.0.1")) and auth.may_create(Principal("127.0.0.1"))


def test_a_token_grants_its_role_on_its_channel_instance_only(auth):
    tenure = Tenure("inst-1")
    token, claims = auth.mint("lab", "inst-1", "operator")
    who = Principal("127.0.0.1", tokens=(token,))
    assert auth.role(who, "lab", tenure) == "operator" and "read_gaze" in auth.rights(who, "lab", tenure)
    assert auth.role(who, "other", Tenure("inst-1")) == "viewer"  # another channel
    assert auth.role(who, "lab", Tenure("inst-2")) == "viewer"  # "lab" closed and opened again by someone else
    assert claims.role == "operator" and claims.channel == "lab"


def test_roles_are_ordered_and_the_best_token_counts(auth):
    tenure = Tenure("i")
    low, _ = auth.mint("c", "i", "participant")
    high, _ = auth.mint("c", "i", "owner")
    assert auth.role(Principal("a", tokens=(low,)), "c", tenure) == "participant"
    assert auth.role(Principal("a", tokens=(low, high)), "c", tenure) == "owner"
    assert RIGHTS["viewer"] < RIGHTS["participant"] < RIGHTS["operator"] < RIGHTS["owner"]


def test_a_forged_or_tampered_token_grants_nothing(auth):
    token, _ = auth.mint("c", "i", "owner")
    other = Authority("tokens", "another secret")
    forged, _ = other.mint("c", "i", "owner")
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (forged, tampered, "", "x" * 5000, None, 42):
        assert auth.claims(bad) is None
        assert auth.role(Principal("a", tokens=(bad,) if isinstance(bad, str) else ()), "c", Tenure("i")) == "viewer"


def test_a_token_expires(auth):
    token, claims = auth.mint("c", "i", "owner", expires_in=0.2)
    assert auth.claims(token) == claims
    time.sleep(0.3)
    assert auth.claims(token) is None


def test_no_token_lives_longer_than_the_maximum(auth):
    _, claims = auth.mint("c", "i", "owner", expires_in=10 * 3600)
    assert claims.expires <= time.time() + 3600 + 1


def test_a_revoked_token_stays_revoked_after_a_restart(auth, tmp_path):
    token, claims = auth.mint("c", "i", "owner")
    auth.revoke(claims)
    auth.save()
    assert auth.claims(token) is None
    again = Authority("tokens", "secret", revocations=str(tmp_path / "revoked.json"))
    assert again.claims(token) is None
    kept, _ = again.mint("c", "i", "owner")
    assert again.claims(kept) is not None


def test_the_servers_token_owns_every_channel(auth):
    token, _ = auth.mint(EVERY_CHANNEL, EVERY_CHANNEL, "owner", "server")
    who = Principal("a", tokens=(token,))
    assert auth.role(who, "anything", Tenure("z")) == "owner" and auth.is_admin(who)
    assert not auth.is_admin(Principal("a"))


def test_a_user_owns_the_channels_opened_in_their_name(auth):
    tenure = Tenure("i", owner="user:7")
    assert auth.role(Principal("a", user_id="7"), "c", tenure) == "owner"
    assert auth.role(Principal("a", user_id="8"), "c", tenure) == "viewer"


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                           ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                           ("::", False), ("example.org", False)])
def test_only_loopback_is_open_by_default(host, loopback):
    assert is_loopback(host) is loopback
    assert auth_mode("auto", host) == ("open" if loopback else "tokens")
    assert auth_mode("tokens", host) == "tokens" and auth_mode("open", host) == "open"
