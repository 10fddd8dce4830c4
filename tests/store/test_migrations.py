"""The schema comes from the migrations, from empty, on both databases; a newer database is refused."""
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from store import Base
from tests.support import ROOT

TABLES = {"users", "api_tokens", "calibrations", "recordings", "gaze_samples", "gaze_events", "presets",
          "alembic_version"}


def test_migrations_build_the_models_schema_from_empty(store):
    engine = create_engine(store["url"])
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as conn:
            assert conn.execute(text("select version_num from alembic_version")).scalar() == "0001"
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"the models and the migrations disagree: {diff}"
    finally:
        engine.dispose()


def test_a_database_newer_than_the_code_is_refused_with_one_clear_line(store, tmp_path):
    engine = create_engine(store["url"])
    try:
        with engine.begin() as conn:
            conn.execute(text("update alembic_version set version_num = 'f00dcafe'"))
    finally:
        engine.dispose()
    out = subprocess.run([sys.executable, str(ROOT / "app.py"), "--port", "1", "--database-url", store["url"],
                          "--instance-path", str(tmp_path / "inst")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("gazecast: the database") and "f00dcafe" in last and "newer gazecast" in last
    assert "Traceback" not in out.stderr
