"""Connection profiles: which Keap account, at which URL, authenticated how.

Profiles are stored as JSON (``profiles.json`` in the config folder) WITHOUT the key:
the key lives in the OS keyring under the profile's stable ``id`` (see
:mod:`app.services.secrets`), so renaming a profile never loses its key. The file
also remembers the profile used last.

Each profile has a protocol: ``rest`` (Keap REST v2, the default for new connections)
or ``xmlrpc`` (Keap switches it off on 2026-12-31; profiles saved before REST existed
read back as XML-RPC, and :func:`switch_to_rest` moves one over with its key).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.api.rest import RestClient

# re-exported: the connections dialog speaks to this service, not to the API layer
from app.api.rest.transport import KEAP_REST_URL as KEAP_REST_URL
from app.api.xmlrpc.client import XmlRpcClient
from app.api.xmlrpc.transport import KEAP_XMLRPC_URL as KEAP_XMLRPC_URL
from app.api.xmlrpc.transport import AuthMode as AuthMode
from app.core.redact import register_secret

log = logging.getLogger("app.services.profiles")

FILE_VERSION = 1

AUTH_MODE_LABELS: dict[AuthMode, str] = {
    AuthMode.API_KEY: "Service account key / personal access token",
    AuthMode.OAUTH: "OAuth access token",
    AuthMode.LEGACY: "Legacy API key (per-app URL)",
}


REST = "rest"
XMLRPC = "xmlrpc"
PROTOCOL_LABELS = {REST: "REST v2 (recommended)", XMLRPC: "XML-RPC (Keap ends it on 2026-12-31)"}
#: The last day Keap answers XML-RPC [V3: keap-rest-v2.md section 7].
XMLRPC_LAST_DAY = date(2026, 12, 31)
Client = XmlRpcClient | RestClient


def xmlrpc_days_left(today: date | None = None) -> int:
    """Days XML-RPC still answers after ``today`` (0 on the last day, negative once it is off)."""
    return (XMLRPC_LAST_DAY - (today or date.today())).days


def xmlrpc_notice(today: date | None = None) -> str:
    """What an XML-RPC connection tells its user about the switch-off."""
    left = xmlrpc_days_left(today)
    if left < 0:
        return ("Keap switched XML-RPC off on 31 December 2026: this connection cannot reach Keap any more. "
                "Switch it to REST v2; the key stays the same.")
    when = "today is its last day" if left == 0 else f"{left} day{'s' if left != 1 else ''} left"
    return (f"Keap switches XML-RPC off on 31 December 2026 ({when}). Switch this connection to REST v2: "
            "the key stays the same, and bulk tagging needs far fewer calls.")


class ProfileError(ValueError):
    """A profile that cannot be saved or used; ``problems`` are user-facing sentences."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


def new_profile_id() -> str:
    return uuid.uuid4().hex


def legacy_url(app_name: str) -> str:
    """The per-app endpoint of a legacy key, e.g. ``https://ab123.infusionsoft.com/api/xmlrpc``."""
    return f"https://{app_name.strip()}.infusionsoft.com/api/xmlrpc"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Profile:
    """One connection. Never holds the key."""

    name: str
    url: str = KEAP_REST_URL
    auth_mode: AuthMode = AuthMode.API_KEY
    ca_bundle: str | None = None
    id: str = field(default_factory=new_profile_id)
    protocol: str = REST

    def __post_init__(self) -> None:
        if not isinstance(self.auth_mode, AuthMode):  # accept "api_key" etc. from callers
            object.__setattr__(self, "auth_mode", AuthMode(self.auth_mode))
        if self.protocol not in (REST, XMLRPC):
            rest = str(self.protocol).lower().startswith("rest")
            object.__setattr__(self, "protocol", REST if rest else XMLRPC)
        if self.protocol == XMLRPC and self.url == KEAP_REST_URL:  # the default address follows the protocol
            object.__setattr__(self, "url", KEAP_XMLRPC_URL)

    @property
    def is_rest(self) -> bool:
        return self.protocol == REST

    def problems(self) -> list[str]:
        """Everything wrong with this profile, as sentences the user can act on."""
        out: list[str] = []
        if not self.name.strip():
            out.append("Give the connection a name.")
        if self.is_rest:
            out.extend(_rest_url_problems(self.url, self.auth_mode))
        else:
            out.extend(_url_problems(self.url, self.auth_mode))
        if self.ca_bundle:
            path = Path(self.ca_bundle).expanduser()
            if not path.is_file():
                out.append(f"The CA bundle file {self.ca_bundle} does not exist. "
                           "Choose the PEM file your IT team gave you, or clear the field.")
        return out

    def validate(self) -> Profile:
        """Return self, or raise :class:`ProfileError` listing every problem."""
        problems = self.problems()
        if problems:
            raise ProfileError(problems)
        return self

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["auth_mode"] = self.auth_mode.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        """Read one stored profile; unknown keys (including any stray secret) are ignored."""
        try:
            mode = AuthMode(str(data.get("auth_mode", AuthMode.API_KEY.value)))
        except ValueError:
            mode = AuthMode.API_KEY
        ca = data.get("ca_bundle")
        # profiles saved before REST existed have no protocol: they are XML-RPC connections
        protocol = REST if str(data.get("protocol") or XMLRPC) == REST else XMLRPC
        default_url = KEAP_REST_URL if protocol == REST else KEAP_XMLRPC_URL
        return cls(name=str(data.get("name", "")), url=str(data.get("url") or default_url),
                   auth_mode=mode, ca_bundle=str(ca) if ca else None,
                   id=str(data.get("id") or new_profile_id()), protocol=protocol)


def switch_to_rest(profile: Profile) -> Profile:
    """The same connection over REST v2: Keap's shared XML-RPC URL becomes the REST host, the key
    and its keyring entry (by id) stay; a legacy per-app key cannot be used with REST."""
    url = profile.url.strip()
    if urlsplit(url).hostname in ("api.infusionsoft.com", "api.keap.com") or not url:
        url = KEAP_REST_URL
    elif url.rstrip("/").endswith("/xmlrpc/v1") or url.rstrip("/").endswith("/xmlrpc"):
        url = url.rstrip("/").rsplit("/xmlrpc", 1)[0]
    mode = AuthMode.API_KEY if profile.auth_mode is AuthMode.LEGACY else profile.auth_mode
    return replace(profile, url=url, auth_mode=mode, protocol=REST)


def _address_problems(url: str, what: str, example: str) -> tuple[list[str], str | None]:
    """What is wrong with any connection address, and its path (None when it is no web address)."""
    if not url:
        return [f"Enter the {what} (usually {example})."], None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        return [f"{url} is not a web address; it should look like {example}."], None
    if parts.scheme == "http" and not is_loopback(host):
        return ["The URL must start with https:// so the key is never sent unencrypted "
                "(plain http:// is accepted only for this computer, e.g. the demo sandbox)."], parts.path
    return [], parts.path


def _rest_url_problems(url: str, mode: AuthMode) -> list[str]:
    out, path = _address_problems(url.strip(), "REST host", KEAP_REST_URL)
    if path is None:
        return out
    if "xmlrpc" in path:
        out.append(f"That is an XML-RPC address; REST v2 uses the host only, like {KEAP_REST_URL}.")
    if path.rstrip("/").endswith("/rest/v2"):
        out.append(f"Leave out /rest/v2: the REST host looks like {KEAP_REST_URL}.")
    if mode is AuthMode.LEGACY:
        out.append("Legacy API keys work only with XML-RPC; use a service account key, a personal "
                   "access token or an OAuth token for REST v2.")
    return out


def _url_problems(url: str, mode: AuthMode) -> list[str]:
    out, path = _address_problems(url.strip(), "endpoint URL", KEAP_XMLRPC_URL)
    if path is None:
        return out
    legacy_path = path.rstrip("/").endswith("/api/xmlrpc")
    if mode is AuthMode.LEGACY and not legacy_path:
        out.append("A legacy API key works only with the account's own URL, "
                   "like https://APPNAME.infusionsoft.com/api/xmlrpc.")
    if mode is not AuthMode.LEGACY and legacy_path:
        out.append("URLs ending in /api/xmlrpc are per-app legacy endpoints: choose "
                   f"\"{AUTH_MODE_LABELS[AuthMode.LEGACY]}\", or use {KEAP_XMLRPC_URL} for a "
                   "service account key or token.")
    return out


def build_client(profile: Profile, key: str, **options: Any) -> Client:
    """The API client for ``profile`` with ``key``: a RestClient or an XmlRpcClient by protocol
    (extra options go to the client)."""
    profile.validate()
    register_secret(key)  # as pasted, should that form reach a log
    key = "".join(key.split())  # a key has no whitespace; a paste (or an old saved key) may have
    ca = str(Path(profile.ca_bundle).expanduser()) if profile.ca_bundle else None
    if profile.is_rest:
        auth = "bearer" if profile.auth_mode is AuthMode.OAUTH else "header"
        return RestClient(profile.url.strip().rstrip("/"), key, ca_bundle=ca, auth_mode=auth, **options)
    return XmlRpcClient(profile.url.strip(), key, ca_bundle=ca, auth_mode=profile.auth_mode, **options)


class ProfileStore:
    """The saved profiles, in the order the user created them, plus the last one used."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._profiles: list[Profile] = []
        self._last_used: str | None = None
        self.load()

    # -- reading ------------------------------------------------------------------------

    def load(self) -> None:
        """(Re)read the file; a missing file is an empty list, a broken one is kept aside."""
        self._profiles, self._last_used = [], None
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            rows = data.get("profiles", [])
            self._profiles = [Profile.from_json(r) for r in rows if isinstance(r, dict)]
            last = data.get("last_used")
            self._last_used = str(last) if last else None
        except (OSError, ValueError, AttributeError) as exc:
            broken = self.path.with_suffix(".broken.json")
            log.error("could not read %s (%s); moved aside to %s", self.path, exc, broken.name)
            os.replace(self.path, broken)

    def profiles(self) -> list[Profile]:
        return list(self._profiles)

    def __len__(self) -> int:
        return len(self._profiles)

    def get(self, profile_id: str) -> Profile | None:
        return next((p for p in self._profiles if p.id == profile_id), None)

    def by_name(self, name: str) -> Profile | None:
        wanted = name.strip().casefold()
        return next((p for p in self._profiles if p.name.strip().casefold() == wanted), None)

    def last_used(self) -> Profile | None:
        """The profile connected to last, else the first one, else None."""
        found = self.get(self._last_used) if self._last_used else None
        return found or (self._profiles[0] if self._profiles else None)

    # -- writing ------------------------------------------------------------------------

    def save(self, profile: Profile) -> Profile:
        """Add or replace (by id) a valid profile with a unique name, and write the file."""
        problems = profile.problems()
        other = self.by_name(profile.name)
        if other is not None and other.id != profile.id:
            problems.append(f"There is already a connection named {profile.name.strip()!r}.")
        if problems:
            raise ProfileError(problems)
        profile = replace(profile, name=profile.name.strip(), url=profile.url.strip())
        for i, existing in enumerate(self._profiles):
            if existing.id == profile.id:
                self._profiles[i] = profile
                break
        else:
            self._profiles.append(profile)
        self._write()
        return profile

    def delete(self, profile_id: str) -> None:
        """Remove the profile (the caller removes its key from the keyring)."""
        self._profiles = [p for p in self._profiles if p.id != profile_id]
        if self._last_used == profile_id:
            self._last_used = None
        self._write()

    def set_last_used(self, profile_id: str) -> None:
        if self.get(profile_id) is not None and self._last_used != profile_id:
            self._last_used = profile_id
            self._write()

    def _write(self) -> None:
        """Write atomically, so a crash never leaves half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": FILE_VERSION, "last_used": self._last_used,
                "profiles": [p.to_json() for p in self._profiles]}
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2)
                fh.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
