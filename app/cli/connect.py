"""From the command line's connection options to an open :class:`Session` and its data folder.

The key comes from the keyring (``--profile``) or from an environment variable
(``--key-env``), never from argv; it is registered with :mod:`app.core.redact` at once so
no message or log line can carry it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from app.cli.args import UsageError
from app.core.redact import register_secret
from app.services import secrets
from app.services.paths import AppPaths
from app.services.profiles import REST, XMLRPC, Profile, ProfileError, ProfileStore, build_client
from app.services.session import Session, open_session
from app.services.tags import make_tags_service


@dataclass(frozen=True)
class Target:
    """Which account, how to reach it, and where its journal lives (no key in it)."""

    profile: Profile
    data_dir: Path


def data_dir(args: argparse.Namespace, paths: AppPaths) -> Path:
    return Path(args.data_dir).expanduser().resolve() if args.data_dir else paths.data_dir


def resolve(args: argparse.Namespace, paths: AppPaths) -> Target:
    """The profile the options name (saved, or made up from --url); UsageError if none fits."""
    store = ProfileStore(paths.profiles_file)
    if args.profile:
        found = store.by_name(args.profile)
        if found is None:
            names = ", ".join(p.name for p in store.profiles()) or "none saved yet"
            raise UsageError(f"there is no saved connection named {args.profile!r} (saved: {names})")
        return Target(found, data_dir(args, paths))
    protocol = args.protocol or REST
    url = str(args.url).strip().rstrip("/") if protocol == REST else str(args.url).strip()
    profile = Profile(name=f"{protocol} {url}", url=url, protocol=protocol, id=cli_profile_id(protocol, url))
    # a connection saved in TagDesk for the same address shares its journal with the GUI
    same = next((p for p in store.profiles() if p.protocol == protocol and _same_url(p.url, url)), None)
    if same is not None:
        profile = replace(profile, id=same.id, auth_mode=same.auth_mode, ca_bundle=same.ca_bundle)
    problems = profile.problems()
    if problems:
        raise UsageError("--url: " + " ".join(problems))
    return Target(profile, data_dir(args, paths))


def cli_profile_id(protocol: str, url: str) -> str:
    """A stable journal id for an unsaved connection: the same URL finds the same journal."""
    return "cli-" + hashlib.sha256(f"{protocol} {url}".encode()).hexdigest()[:20]


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def read_key(args: argparse.Namespace, target: Target, environ: Mapping[str, str] | None = None) -> str:
    """The key for the target; UsageError in plain words when it is missing."""
    if args.profile:
        try:
            key = secrets.get_key(target.profile.id)
        except secrets.SecretStoreError as err:
            raise UsageError(f"the key of {target.profile.name!r} could not be read from the keyring: "
                             f"{err}") from None
        if not key:
            raise UsageError(f"no key is stored for {target.profile.name!r}: open the connection in TagDesk "
                             "and enter its key, or use --url with --key-env")
    else:
        env = os.environ if environ is None else environ
        var = str(args.key_env)
        if var not in env:
            raise UsageError(f"the environment variable {var} is not set: put the API key in it first, "
                             f"e.g. `read -rs {var} && export {var}` (the key is never taken from the "
                             "command line)")
        key = env[var]
        if not key.strip():
            raise UsageError(f"the environment variable {var} is empty: it must hold the API key")
    key = "".join(key.split())  # a key pasted with a line break or spaces around it
    register_secret(key)
    return key


def open_target(target: Target, key: str, *, chunk_size: int | None = None) -> Session:
    """Open a session (no call is made yet); ``chunk_size`` sets contacts per REST bulk call."""
    try:
        client = build_client(target.profile, key)
    except ProfileError as err:
        raise UsageError(" ".join(err.problems)) from None
    session = open_session(target.profile.name, client, profile_id=target.profile.id)
    if chunk_size is not None and target.profile.protocol != XMLRPC:
        session.tags = make_tags_service(client, bulk_size=chunk_size)
    return session
