"""Connection profiles: validation messages, JSON storage without the key, last used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.api.xmlrpc.transport import KEAP_XMLRPC_URL, AuthMode
from app.services.profiles import Profile, ProfileError, ProfileStore, build_client, legacy_url


def test_defaults_are_keaps_shared_endpoint_with_a_header_key() -> None:
    p = Profile(name="Acme")
    assert p.url == KEAP_XMLRPC_URL
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
    problems = Profile(name="x", url=url, auth_mode=mode).problems()
    assert any(expected in p for p in problems), problems
    with pytest.raises(ProfileError) as info:
        Profile(name="x", url=url, auth_mode=mode).validate()
    assert expected in str(info.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/crm/xmlrpc/v1", "http://localhost/crm/xmlrpc/v1",
                                 "http://[::1]:9/crm/xmlrpc/v1", "http://127.5.5.5/api/xmlrpc"])
def test_plain_http_is_fine_on_loopback(url: str) -> None:
    mode = AuthMode.LEGACY if url.endswith("/api/xmlrpc") else AuthMode.API_KEY
    assert Profile(name="local", url=url, auth_mode=mode).problems() == []


def test_auth_mode_given_as_text_is_converted() -> None:
    assert Profile(name="x", auth_mode="oauth").auth_mode is AuthMode.OAUTH  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Profile(name="x", auth_mode="password")  # type: ignore[arg-type]


def test_legacy_mode_with_a_per_app_url_is_valid() -> None:
    assert legacy_url(" ab123 ") == "https://ab123.infusionsoft.com/api/xmlrpc"
    assert Profile(name="old", url=legacy_url("ab123"), auth_mode=AuthMode.LEGACY).problems() == []


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
    b = store.save(Profile(name="Beta", url=legacy_url("beta1"), auth_mode=AuthMode.LEGACY))
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
        store.save(Profile(name="bad", url="http://example.com/crm/xmlrpc/v1"))
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
    assert set(data["profiles"][0]) == {"id", "name", "url", "auth_mode", "ca_bundle"}
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
    client = build_client(Profile(name="x", auth_mode=AuthMode.OAUTH), "oauth-token-123456")
    try:
        assert client.auth_mode is AuthMode.OAUTH
        assert client.url == KEAP_XMLRPC_URL
        assert "oauth-token-123456" not in repr(client)
    finally:
        client.close()
    with pytest.raises(ProfileError):
        build_client(Profile(name=""), "k" * 10)
