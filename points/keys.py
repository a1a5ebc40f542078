"""Keys the repository never knows: the session-signing key, the ledger chain key.

Each comes from the environment or, when unset, from a file in the instance folder that is
made once with a random value, readable by its owner only, and used from then on. A key the
repository has ever shipped, an empty one or a short one is refused at start with a message
saying what to do; tests (TESTING) bring their own.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MIN_KEY_LENGTH = 32

# Keys that have appeared in this repository (defaults, examples): anyone can sign with them.
PUBLIC_KEYS = frozenset(
    {
        "dev-only-change-me",
        "test",
        "dev",
        "secret",
        "changeme",
        "change-me",
        "test-ledger-chain-key-not-a-secret-0123456789",  # tests/conftest.py, until 2026-12
    }
)


class WeakKey(RuntimeError):
    """A key that must not be used; the message says what to do instead."""


def refuse_weak(name: str, value: str) -> str:
    """Return `value` if it can sign for real; otherwise raise with what to do."""
    what_to_do = (
        f"Unset {name} to let the app make a random one in the instance folder, or set it to "
        f'at least {MIN_KEY_LENGTH} random characters, e.g. {name}="$(python3 -c '
        "'import secrets; print(secrets.token_urlsafe(48))')\"."
    )
    if not value or not value.strip():
        raise WeakKey(f"{name} is empty. {what_to_do}")
    if value in PUBLIC_KEYS or value.strip().lower() in PUBLIC_KEYS:
        raise WeakKey(f"{name} is a key published in this repository. {what_to_do}")
    if len(value) < MIN_KEY_LENGTH:
        raise WeakKey(f"{name} is shorter than {MIN_KEY_LENGTH} characters. {what_to_do}")
    return value


def instance_key(instance_path: str, name: str, environ_value: str | None) -> str:
    """The key `name`: from the environment if set (and strong), else from the instance file
    `<instance>/<name lower-cased>.key`, made once. Safe when several workers start at once:
    the file appears whole (written aside, then linked in) and the first one made wins."""
    if environ_value is not None:
        return refuse_weak(name, environ_value)
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.lower()}.key"
    if not path.exists():
        aside = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another worker made it first: use theirs
        finally:
            aside.unlink()
    return refuse_weak(f"{name} (in {path})", path.read_text().strip())
