"""Accounts, API tokens, calibrations and presets: SQLAlchemy 2 models that validate their own changes."""
from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .errors import StoreError, check_text

# stable constraint names, so Alembic migrations can name what they alter on every database
NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s",
          "pk": "pk_%(table_name)s"}


class Base(DeclarativeBase):
    """The declarative base of every gazecast table."""

    metadata = MetaData(naming_convention=NAMING)


def new_id() -> str:
    """Return a random, unguessable public id (96 bits, URL-safe)."""
    return secrets.token_urlsafe(12)


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def aware(dt: datetime | None) -> datetime | None:
    """Return dt as UTC-aware (SQLite hands back naive datetimes)."""
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


def _owner() -> Mapped[str]:
    return mapped_column(String(16), ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(Base):
    """An account: a unique name and an argon2 hash; auth_version ends older sessions when bumped."""

    __tablename__ = "users"
    NAME = re.compile(r"^[A-Za-z0-9_.-]+$")

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(40))
    name_key: Mapped[str] = mapped_column(String(40), unique=True)  # lower case: Alice and alice are one name
    password_hash: Mapped[str] = mapped_column(String(255))
    auth_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __init__(self, username, password, hasher):
        name = check_text(username, "username", 3, 40)
        if not self.NAME.match(name):
            raise StoreError("invalid", "a username may contain only letters, digits, '.', '_' and '-'")
        super().__init__(id=new_id(), username=name, name_key=name.lower(), auth_version=0, created_at=utcnow())
        self.set_password(password, hasher)

    def set_password(self, password, hasher) -> None:
        """Hash and keep a new password (8-128 characters); sessions of the old one end."""
        if not isinstance(password, str):
            raise StoreError("bad_type", "'password' must be a string")
        if len(password) > 128:
            raise StoreError("too_long", f"a password may have at most 128 characters, got {len(password)}")
        if len(password) < 8:
            raise StoreError("too_short", "a password needs at least 8 characters")
        self.password_hash = hasher.hash(password)
        self.auth_version = (self.auth_version or 0) + 1


class ApiToken(Base):
    """A per-user bearer token for scripts; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    PREFIX = "gct_"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    user_id: Mapped[str] = _owner()
    name: Mapped[str] = mapped_column(String(60))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12))  # the first characters, to tell tokens apart in a list
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @classmethod
    def issue(cls, user_id: str, name) -> tuple["ApiToken", str]:
        """Make a token for a user; return the row and the secret (shown once, never stored)."""
        secret = cls.PREFIX + secrets.token_urlsafe(32)
        row = cls(id=new_id(), user_id=user_id, name=check_text(name, "name", 1, 60), digest=cls.hash(secret),
                  hint=secret[:10], created_at=utcnow())
        return row, secret

    @staticmethod
    def hash(secret: str) -> str:
        """Return the SHA-256 hex digest a token is looked up by."""
        return hashlib.sha256(secret.encode()).hexdigest()


def _finite(value, field: str, lo: float = -math.inf, hi: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise StoreError("invalid", f"'{field}' must be a finite number")
    if not lo <= value <= hi:
        raise StoreError("out_of_range", f"'{field}' must be in [{lo}, {hi}], got {value}")
    return float(value)


class Calibration(Base):
    """A fitted calibration (gaze.Calibration.to_dict()) and its validation report."""

    __tablename__ = "calibrations"
    __table_args__ = (Index("ix_calibrations_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    user_id: Mapped[str] = _owner()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    points: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict] = mapped_column(JSON)
    report: Mapped[dict] = mapped_column(JSON)
    accuracy_deg: Mapped[float] = mapped_column(Float)
    precision_deg: Mapped[float] = mapped_column(Float)

    @classmethod
    def from_fit(cls, user_id: str, params, report, points) -> "Calibration":
        """Check a fit (gaze.Calibration.to_dict(): an object of finite numbers, checked as a fit by the caller)
        and its validation report, and make the row."""
        if not isinstance(params, dict) or not isinstance(report, dict):
            raise StoreError("invalid", "'calibration' and 'report' must be objects")
        if _numbers(params) > 2000:
            raise StoreError("too_long", "a calibration has at most 2000 numbers")
        fields = ("accuracy_px", "accuracy_deg", "precision_rms_px", "precision_rms_deg")
        clean = {k: _finite(report.get(k), k, 0.0, 1e6) for k in fields}
        clean["n_targets"] = int(_finite(report.get("n_targets"), "n_targets", 1, 100))
        if isinstance(report.get("quality"), str) and len(report["quality"]) <= 20:
            clean["quality"] = report["quality"]
        if points not in (5, 9, 13):
            raise StoreError("out_of_range", "points must be 5, 9 or 13")
        return cls(id=new_id(), user_id=user_id, created_at=utcnow(), points=points, params=params, report=clean,
                   accuracy_deg=clean["accuracy_deg"], precision_deg=clean["precision_rms_deg"])

    def to_dict(self, with_params: bool = False) -> dict:
        """Return the JSON form (the fit's parameters only when asked)."""
        d = {"id": self.id, "created_at": aware(self.created_at).isoformat(), "points": self.points,
             "report": self.report}
        return {**d, "calibration": self.params} if with_params else d


def _numbers(value, depth: int = 0) -> int:
    """Count the numbers of a JSON value of finite numbers, booleans and short strings; raise on anything else."""
    if isinstance(value, bool) or (isinstance(value, str) and len(value) <= 40):
        return 0
    if isinstance(value, (int, float)):
        _finite(value, "calibration")
        return 1
    if depth < 4 and isinstance(value, list):
        return sum(_numbers(v, depth + 1) for v in value)
    if depth < 4 and isinstance(value, dict) and all(isinstance(k, str) and len(k) <= 40 for k in value):
        return sum(_numbers(v, depth + 1) for v in value.values())
    raise StoreError("invalid", "a calibration is an object of numbers, lists and short names")


class Preset(Base):
    """A named effect chain with its parameters; shared presets can be loaded by anyone by name."""

    __tablename__ = "presets"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_presets_user_name"),
                      Index("ix_presets_shared_name", "shared", "name"))

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    user_id: Mapped[str] = _owner()
    name: Mapped[str] = mapped_column(String(60))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    chain: Mapped[list] = mapped_column(JSON)
    filter: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __init__(self, user_id: str, name, shared=False):
        super().__init__(id=new_id(), user_id=user_id, name=check_text(name, "name", 1, 60), chain=[], filter={},
                         created_at=utcnow(), updated_at=utcnow())
        self.set_shared(shared)

    def set_shared(self, shared) -> None:
        """Share the preset with every user (by name), or stop sharing it."""
        if not isinstance(shared, bool):
            raise StoreError("bad_type", "'shared' must be true or false")
        self.shared = shared

    def set_chain(self, items, effects: dict, filter_params: dict | None = None) -> None:
        """Keep a chain [{name, enabled, params}] checked against the effect catalogue
        {name: [{name, type, min, max}, ...]} (as /api/effects lists it); refuse unknown effects."""
        if not isinstance(items, list) or not items or len(items) > 64:
            raise StoreError("invalid", "a preset's chain must be a list of 1 to 64 effects")
        chain, seen = [], set()
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise StoreError("invalid", "each effect of a chain is {name, enabled, params}")
            name = item["name"]
            if name not in effects:
                raise StoreError("unknown_effect", f"no effect named {name!r}")
            if name in seen:
                raise StoreError("invalid", f"the chain names {name!r} twice")
            seen.add(name)
            chain.append({"name": name, "enabled": bool(item.get("enabled")),
                          "params": _check_params(name, item.get("params") or {}, effects[name])})
        self.chain, self.filter = chain, dict(filter_params or {})
        self.updated_at = utcnow()

    def to_dict(self, owner: str | None = None) -> dict:
        """Return the JSON form."""
        return {"id": self.id, "name": self.name, "shared": self.shared, "chain": self.chain, "filter": self.filter,
                "owner": owner, "updated_at": aware(self.updated_at).isoformat()}


def _check_params(effect: str, params, specs: list[dict]) -> dict:
    """Return params checked against an effect's parameter specs."""
    if not isinstance(params, dict):
        raise StoreError("invalid", f"the parameters of {effect!r} must be an object")
    by_name = {p["name"]: p for p in specs}
    out = {}
    for key, value in params.items():
        spec = by_name.get(key)
        if spec is None:
            raise StoreError("unknown_param", f"effect {effect!r} has no parameter {key!r}")
        if spec["type"] == "bool":
            if not isinstance(value, bool):
                raise StoreError("invalid", f"{effect}.{key} must be true or false")
            out[key] = value
        else:
            out[key] = _finite(value, f"{effect}.{key}", spec["min"], spec["max"])
            if spec["type"] == "int":
                out[key] = int(round(out[key]))
    return out
