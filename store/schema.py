"""The schema's revision: refuse a database that a newer gazecast has migrated."""
from __future__ import annotations

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Engine

from .db import UNAVAILABLE
from .errors import StoreError


def check_revision(engine: Engine, migrations: str) -> tuple[set[str], set[str]]:
    """Return (the database's revisions, the code's heads); raise if the database is newer than the code."""
    script = ScriptDirectory(migrations)
    heads = set(script.get_heads())
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except UNAVAILABLE as exc:
        raise StoreError("store_unavailable", f"cannot open the database {engine.url!r}: {exc.orig}") from None
    for rev in current:
        try:
            known = script.get_revision(rev) is not None
        except CommandError:
            known = False
        if not known:
            raise StoreError("schema_too_new",
                             f"the database {engine.url!r} has schema revision {rev}, which this gazecast does not "
                             f"know (it knows up to {', '.join(sorted(heads))}): a newer gazecast migrated it. "
                             f"Run that version, or point GAZECAST_DATABASE_URL at another database")
    return current, heads
