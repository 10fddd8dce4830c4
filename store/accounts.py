"""Accounts and API tokens: register, authenticate, change a password, issue and revoke tokens."""
from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .db import Database, transaction
from .errors import StoreError, not_found
from .models import ApiToken, User, aware, utcnow


@dataclass(frozen=True)
class Identity:
    """Who is logged in, as plain values: the only user object that leaves the store."""

    id: str
    username: str
    auth_version: int


def _identity(user: User) -> Identity:
    return Identity(user.id, user.username, user.auth_version)


class Accounts:
    """Users and their tokens; every method runs in its own transaction, off the server's loop."""

    def __init__(self, db: Database, hasher: PasswordHasher | None = None):
        self.db = db
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("an unused password")  # verified when the user does not exist

    @transaction
    def register(self, s, username, password) -> Identity:
        """Create an account; refuse a name taken in any letter case."""
        user = User(username, password, self.hasher)
        if s.scalar(select(User.id).where(User.name_key == user.name_key)) is not None:
            raise StoreError("duplicate", f"the username {user.username!r} is taken")
        s.add(user)
        try:
            s.flush()
        except IntegrityError:  # a registration of the same name won the race
            raise StoreError("duplicate", f"the username {user.username!r} is taken") from None
        return _identity(user)

    @transaction
    def authenticate(self, s, username, password) -> Identity:
        """Return the identity for a name and password, or raise bad_login (the same for either wrong)."""
        user = None
        if isinstance(username, str) and len(username) <= 40:
            user = s.scalar(select(User).where(User.name_key == username.strip().lower()))
        try:
            if not isinstance(password, str) or len(password) > 128:
                raise VerificationError()
            self.hasher.verify(user.password_hash if user else self._dummy, password)
        except (VerificationError, InvalidHashError):
            user = None
        if user is None:
            raise StoreError("bad_login", "wrong username or password")
        if self.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self.hasher.hash(password)
        return _identity(user)

    @transaction
    def load(self, s, user_id: str, auth_version: int) -> Identity | None:
        """Return the identity of a session's user if the session is still valid."""
        user = s.get(User, user_id)
        return _identity(user) if user is not None and user.auth_version == auth_version else None

    @transaction
    def change_password(self, s, user_id: str, current, new) -> Identity:
        """Change a password after checking the current one; other sessions end."""
        user = s.get(User, user_id)
        if user is None:
            raise not_found("user")
        try:
            self.hasher.verify(user.password_hash, current if isinstance(current, str) else "")
        except (VerificationError, InvalidHashError):
            raise StoreError("bad_login", "the current password is wrong") from None
        user.set_password(new, self.hasher)
        return _identity(user)

    @transaction
    def issue_token(self, s, user_id: str, name) -> tuple[dict, str]:
        """Create an API token; return its listing and the secret (shown once)."""
        if len(s.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id)).all()) >= 50:
            raise StoreError("too_many", "at most 50 API tokens per account: revoke one first")
        row, secret = ApiToken.issue(user_id, name)
        s.add(row)
        return _token(row), secret

    @transaction
    def tokens(self, s, user_id: str) -> list[dict]:
        """List a user's tokens, newest first (never the secrets)."""
        rows = s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc()))
        return [_token(r) for r in rows]

    @transaction
    def revoke_token(self, s, user_id: str, token_id) -> None:
        """Delete one of a user's tokens (another user's is not found)."""
        row = s.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)) \
            if isinstance(token_id, str) else None
        if row is None:
            raise not_found("token")
        s.delete(row)

    @transaction
    def by_token(self, s, secret) -> Identity | None:
        """Return the identity a bearer token stands for, noting its use."""
        if not isinstance(secret, str) or not secret.startswith(ApiToken.PREFIX) or len(secret) > 100:
            return None
        row = s.scalar(select(ApiToken).where(ApiToken.digest == ApiToken.hash(secret)))
        if row is None:
            return None
        if row.last_used_at is None or (utcnow() - aware(row.last_used_at)).total_seconds() > 60:
            row.last_used_at = utcnow()  # to the minute: a script's every call need not write
        return _identity(s.get(User, row.user_id))


def _token(row: ApiToken) -> dict:
    return {"id": row.id, "name": row.name, "hint": row.hint + "…", "created_at": aware(row.created_at).isoformat(),
            "last_used_at": aware(row.last_used_at).isoformat() if row.last_used_at else None}
