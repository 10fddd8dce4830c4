"""Engines and sessions: SQLite in WAL mode with foreign keys on, any other SQLAlchemy URL as it is."""
from __future__ import annotations

import contextlib
import functools
import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .errors import StoreError

UNAVAILABLE = (OperationalError, InterfaceError)


def engine_options(url: str) -> dict:
    """Return create_engine() options for a URL: a waiting SQLite, a pre-pinged pool elsewhere."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10, "pool_timeout": 10,
            "connect_args": {"connect_timeout": 5}}


def prepare_engine(engine: Engine) -> Engine:
    """Turn on SQLite's write-ahead log and foreign keys on every new connection."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the recorder's writes
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at each checkpoint, safe from corruption
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_engine(url: str) -> Engine:
    """Create an engine for a URL (scripts and benchmarks; the app gets its engine from Flask-SQLAlchemy)."""
    return prepare_engine(create_engine(url, **engine_options(url)))


class Database:
    """Short sessions on one engine, for calls made off the server's loop (one session per call).

    `lock` (a real, reentrant OS-thread lock) lets one thread at a time into SQLAlchemy: under eventlet's
    monkey patching, SQLAlchemy's own locks (its connection pool's) are green locks, and two OS threads
    contending for one make eventlet switch to a greenlet of another thread (greenlet.error)."""

    def __init__(self, engine: Engine, lock=None):
        self.engine, self.lock = engine, lock or threading.RLock()
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @contextlib.contextmanager
    def session(self):
        """Yield a session in a transaction: committed on success, rolled back on error."""
        try:
            with self.lock, self.sessions() as s, s.begin():
                yield s
        except UNAVAILABLE as exc:
            raise StoreError("store_unavailable", f"the database is unavailable: {_first_line(exc)}") from None
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise StoreError("store_unavailable", f"the database is unavailable: {_first_line(exc)}") from None
            raise


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def transaction(method):
    """Run a store method in a session of its object's Database, passed as its first argument."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.db.session() as s:
            return method(self, s, *args, **kwargs)

    return wrapper
