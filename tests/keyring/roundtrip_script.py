"""Store a profile and its key, and read them back, through whatever keyring is configured.

Run by tests/keyring/test_keyring_roundtrip.py inside ``dbus-run-session`` with a real
GNOME Keyring (each step in its own process, so "read" proves the key outlived the
writer), and imported by the same tests to run the steps against a memory keyring.

Usage: roundtrip_script.py {write,read,delete,status} PROFILE_DIR [KEY]
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.services.paths import AppPaths
from app.services.profiles import Profile, ProfileStore
from app.services.secrets import SecretStore

PROFILE_NAME = "Keyring round trip"


def write(store: SecretStore, paths: AppPaths, key: str) -> dict[str, Any]:
    profiles = ProfileStore(paths.ensure().profiles_file)
    profile = profiles.save(Profile(name=PROFILE_NAME))
    where = store.set_key(profile.id, key)
    profiles.set_last_used(profile.id)
    return {"step": "write", "id": profile.id, "where": where, "backend": store.backend_name()}


def read(store: SecretStore, paths: AppPaths) -> dict[str, Any]:
    profiles = ProfileStore(paths.profiles_file)
    profile = profiles.last_used()
    assert profile is not None and profile.name == PROFILE_NAME
    return {"step": "read", "id": profile.id, "key": store.get_key(profile.id),
            "backend": store.backend_name()}


def delete(store: SecretStore, paths: AppPaths) -> dict[str, Any]:
    profiles = ProfileStore(paths.profiles_file)
    profile = profiles.last_used()
    assert profile is not None
    store.delete_key(profile.id)
    profiles.delete(profile.id)
    return {"step": "delete", "id": profile.id, "key_after": store.get_key(profile.id)}


def status(store: SecretStore) -> dict[str, Any]:
    st = store.status()
    return {"step": "status", "ok": st.ok, "backend": st.backend, "reason": st.reason}


def main(argv: list[str]) -> int:
    step, folder = argv[0], Path(argv[1])
    paths = AppPaths.under(folder)
    store = SecretStore()
    if step == "write":
        result = write(store, paths, argv[2])
    elif step == "read":
        result = read(store, paths)
    elif step == "delete":
        result = delete(store, paths)
    else:
        result = status(store)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
