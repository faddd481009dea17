"""The benchmark's migration: the `up` section of BENCH_SQL_FILE, statement by statement."""
import os
import sys

from alembic import op

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from sql_sections import up_statements  # noqa: E402

revision = "0001_bench"
down_revision = None


def upgrade():
    for statement in up_statements(os.environ["BENCH_SQL_FILE"]):
        op.execute(statement)


def downgrade():
    raise NotImplementedError("the benchmark only upgrades")
