"""Passwords (argon2), the signing secret, session cookies and CSRF tokens."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "minutes_session"
SESSION_MAX_AGE = 7 * 24 * 3600  # seconds
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def load_secret() -> str:
    """$MINUTES_SECRET, else the secret kept in ``state_dir()/secret`` (made on first run, mode 600)."""
    env = os.environ.get("MINUTES_SECRET")
    if env:
        return env
    from pipeline.config import state_dir

    path: Path = state_dir() / "secret"
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


class Sessions:
    """Signed (not encrypted) cookie sessions: ``{"uid": user id or None, "csrf": token}``."""

    def __init__(self, secret: str):
        self.serializer = URLSafeTimedSerializer(secret, salt="minutes-review-session")

    def load(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie:
            return None
        try:
            data = self.serializer.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and isinstance(data.get("csrf"), str) else None

    def dump(self, data: dict[str, Any]) -> str:
        return self.serializer.dumps(data)

    @staticmethod
    def new(uid: int | None = None) -> dict[str, Any]:
        return {"uid": uid, "csrf": secrets.token_urlsafe(32)}


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
