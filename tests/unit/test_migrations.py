import duckdb

from pipelines.store.duckdb import connect, migrate
from pipelines.store.migrations import MIGRATIONS


def test_migrations_are_ordered_and_unique() -> None:
    versions = [v for v, _, _ in MIGRATIONS]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_migrate_is_idempotent(tmp_path) -> None:
    conn = duckdb.connect(str(tmp_path / "db.duckdb"))
    first = migrate(conn)
    assert first == [v for v, _, _ in MIGRATIONS]
    assert migrate(conn) == []
    recorded = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert recorded == first


def test_foundation_tables_exist(settings) -> None:
    with connect(settings.duckdb_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"creators", "videos", "jobs", "lm_calls", "segments", "chunks", "comments", "schema_migrations"} <= tables
