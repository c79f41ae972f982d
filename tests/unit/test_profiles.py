"""Connection profiles: validation messages, JSON storage without the key, last used."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from app.api.rest import RestClient
from app.api.xmlrpc.client import XmlRpcClient
from app.api.xmlrpc.transport import KEAP_XMLRPC_URL, AuthMode
from app.services.profiles import (
    KEAP_REST_URL,
    Profile,
    ProfileError,
    ProfileStore,
    build_client,
    legacy_url,
    switch_to_rest,
    xmlrpc_days_left,
    xmlrpc_notice,
)


def xml(**kwargs: object) -> Profile:
    """An XML-RPC profile (new profiles are REST v2)."""
    return Profile(protocol="xmlrpc", **kwargs)  # type: ignore[arg-type]


def test_defaults_are_keaps_rest_host_with_a_header_key() -> None:
    p = Profile(name="Acme")
    assert p.url == KEAP_REST_URL and p.protocol == "rest" and p.is_rest
    assert p.auth_mode is AuthMode.API_KEY
    assert p.ca_bundle is None
    assert len(p.id) == 32 and p.id != Profile(name="Acme").id
    assert p.problems() == []


@pytest.mark.parametrize(("url", "mode", "expected"), [
    ("http://api.infusionsoft.com/crm/xmlrpc/v1", AuthMode.API_KEY, "https://"),
    ("ftp://example.com/x", AuthMode.API_KEY, "not a web address"),
    ("not a url", AuthMode.API_KEY, "not a web address"),
    (KEAP_XMLRPC_URL, AuthMode.LEGACY, "legacy API key works only"),
    ("https://ab123.infusionsoft.com/api/xmlrpc", AuthMode.API_KEY, "legacy endpoints"),
    ("https://ab123.infusionsoft.com/api/xmlrpc", AuthMode.OAUTH, "legacy endpoints"),
])
def test_invalid_urls_explain_themselves(url: str, mode: AuthMode, expected: str) -> None:
    problems = xml(name="x", url=url, auth_mode=mode).problems()
    assert any(expected in p for p in problems), problems
    with pytest.raises(ProfileError) as info:
        xml(name="x", url=url, auth_mode=mode).validate()
    assert expected in str(info.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/crm/xmlrpc/v1", "http://localhost/crm/xmlrpc/v1",
                                 "http://[::1]:9/crm/xmlrpc/v1", "http://127.5.5.5/api/xmlrpc"])
def test_plain_http_is_fine_on_loopback(url: str) -> None:
    mode = AuthMode.LEGACY if url.endswith("/api/xmlrpc") else AuthMode.API_KEY
    assert xml(name="local", url=url, auth_mode=mode).problems() == []


def test_auth_mode_given_as_text_is_converted() -> None:
    assert Profile(name="x", auth_mode="oauth").auth_mode is AuthMode.OAUTH  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Profile(name="x", auth_mode="password")  # type: ignore[arg-type]


def test_legacy_mode_with_a_per_app_url_is_valid() -> None:
    assert legacy_url(" ab123 ") == "https://ab123.infusionsoft.com/api/xmlrpc"
    assert xml(name="old", url=legacy_url("ab123"), auth_mode=AuthMode.LEGACY).problems() == []


def test_name_is_required_and_ca_bundle_must_exist(tmp_path: Path) -> None:
    problems = Profile(name="  ", ca_bundle=str(tmp_path / "missing.pem")).problems()
    assert "Give the connection a name." in problems
    assert any("missing.pem does not exist" in p for p in problems)
    bundle = tmp_path / "corp.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert Profile(name="ok", ca_bundle=str(bundle)).problems() == []


def test_store_round_trip_keeps_order_ids_and_last_used(tmp_path: Path) -> None:
    path = tmp_path / "config" / "profiles.json"
    store = ProfileStore(path)
    assert store.profiles() == [] and store.last_used() is None
    a = store.save(Profile(name=" Acme ", auth_mode=AuthMode.OAUTH))
    b = store.save(xml(name="Beta", url=legacy_url("beta1"), auth_mode=AuthMode.LEGACY))
    assert a.name == "Acme"
    assert store.last_used() == a  # the first one until something was used
    store.set_last_used(b.id)
    again = ProfileStore(path)
    assert again.profiles() == [a, b]
    assert again.last_used() == b
    assert again.by_name("acme") == a


def test_saving_an_existing_id_replaces_it_and_names_are_unique(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    a = store.save(Profile(name="Acme"))
    store.save(Profile(name="Acme renamed", id=a.id))
    assert [p.name for p in store.profiles()] == ["Acme renamed"]
    with pytest.raises(ProfileError, match="already a connection named 'acme renamed'"):
        store.save(Profile(name="acme renamed"))


def test_invalid_profiles_are_not_saved(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    with pytest.raises(ProfileError):
        store.save(xml(name="bad", url="http://example.com/crm/xmlrpc/v1"))
    assert not (tmp_path / "profiles.json").exists()


def test_delete_forgets_last_used(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    a = store.save(Profile(name="A"))
    b = store.save(Profile(name="B"))
    store.set_last_used(b.id)
    store.delete(b.id)
    assert ProfileStore(tmp_path / "profiles.json").last_used() == a


def test_the_file_never_holds_a_key_and_ignores_stray_fields(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    store = ProfileStore(path)
    p = store.save(Profile(name="A"))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert set(data["profiles"][0]) == {"id", "name", "url", "auth_mode", "ca_bundle", "protocol"}
    data["profiles"][0]["api_key"] = "KeapAK-should-be-ignored"
    path.write_text(json.dumps(data), encoding="utf-8")
    store.load()
    store.save(store.profiles()[0])
    assert "KeapAK" not in path.read_text(encoding="utf-8")
    assert store.get(p.id) == p


def test_a_broken_file_is_moved_aside_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.write_text("{ not json", encoding="utf-8")
    store = ProfileStore(path)
    assert store.profiles() == []
    assert (tmp_path / "profiles.broken.json").read_text(encoding="utf-8") == "{ not json"


def test_build_client_uses_the_profile_mode_and_never_shows_the_key(tmp_path: Path) -> None:
    client = build_client(xml(name="x", auth_mode=AuthMode.OAUTH), "oauth-token-123456")
    try:
        assert isinstance(client, XmlRpcClient)
        assert client.auth_mode is AuthMode.OAUTH
        assert client.url == KEAP_XMLRPC_URL
        assert "oauth-token-123456" not in repr(client)
    finally:
        client.close()
    with pytest.raises(ProfileError):
        build_client(Profile(name=""), "k" * 10)

    rest = build_client(Profile(name="r", auth_mode=AuthMode.OAUTH), "oauth-token-123456")
    try:
        assert isinstance(rest, RestClient) and rest.base_url == KEAP_REST_URL
        assert rest.auth_mode.value == "bearer" and "oauth-token-123456" not in repr(rest)
    finally:
        rest.close()


def test_profiles_saved_before_rest_read_back_as_xmlrpc(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps({"version": 1, "last_used": None, "profiles": [
        {"id": "a" * 32, "name": "Old", "url": KEAP_XMLRPC_URL, "auth_mode": "api_key", "ca_bundle": None},
        {"id": "b" * 32, "name": "New", "url": KEAP_REST_URL, "auth_mode": "api_key", "protocol": "rest"},
    ]}), encoding="utf-8")
    old, new = ProfileStore(path).profiles()
    assert (old.protocol, old.url) == ("xmlrpc", KEAP_XMLRPC_URL) and old.problems() == []
    assert (new.protocol, new.url) == ("rest", KEAP_REST_URL) and new.problems() == []


@pytest.mark.parametrize(("url", "mode", "expected"), [
    (KEAP_XMLRPC_URL, AuthMode.API_KEY, "XML-RPC address"),
    ("https://api.keap.com/crm/rest/v2", AuthMode.API_KEY, "Leave out /rest/v2"),
    ("http://api.keap.com/crm", AuthMode.API_KEY, "https://"),
    (KEAP_REST_URL, AuthMode.LEGACY, "Legacy API keys work only with XML-RPC"),
])
def test_rest_urls_explain_themselves(url: str, mode: AuthMode, expected: str) -> None:
    problems = Profile(name="x", url=url, auth_mode=mode).problems()
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(("before", "after"), [
    (KEAP_XMLRPC_URL, KEAP_REST_URL),
    ("https://api.infusionsoft.com/crm/xmlrpc", KEAP_REST_URL),
    ("https://proxy.example.com/keap/crm/xmlrpc/v1", "https://proxy.example.com/keap/crm"),
    ("http://127.0.0.1:4011/crm/xmlrpc/v1", "http://127.0.0.1:4011/crm"),
])
def test_switch_to_rest_keeps_the_id_and_moves_the_url(before: str, after: str) -> None:
    old = xml(name="Acme", url=before, auth_mode=AuthMode.OAUTH)
    new = switch_to_rest(old)
    assert (new.id, new.name, new.protocol, new.url, new.auth_mode) == (old.id, "Acme", "rest", after,
                                                                       AuthMode.OAUTH)
    assert new.problems() == []
    legacy = switch_to_rest(xml(name="L", url=legacy_url("ab1"), auth_mode=AuthMode.LEGACY))
    assert legacy.auth_mode is AuthMode.API_KEY and legacy.protocol == "rest"


def test_the_xmlrpc_notice_counts_down_then_says_it_is_off() -> None:
    assert xmlrpc_days_left(date(2026, 12, 1)) == 30
    assert "30 days left" in xmlrpc_notice(date(2026, 12, 1))
    assert "today is its last day" in xmlrpc_notice(date(2026, 12, 31))
    off = xmlrpc_notice(date(2027, 1, 1))
    assert "switched XML-RPC off" in off and "cannot reach Keap" in off
