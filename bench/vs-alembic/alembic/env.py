"""Alembic environment of the benchmark: the database from BENCH_DB_URL, online mode, as the
seeds' authors ran it (SQLite: one connection with synchronous=FULL, in the file's own journal
mode; PostgreSQL: Alembic's transaction around the revision)."""
import os

from alembic import context
from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool

url = os.environ["BENCH_DB_URL"]
engine = create_engine(url, poolclass=NullPool)

if url.startswith("sqlite"):

    @event.listens_for(engine, "connect")
    def _durable(dbapi_connection, _record):
        # Same durability as botledger: fsync on every commit.
        dbapi_connection.execute("PRAGMA synchronous=FULL")


with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
