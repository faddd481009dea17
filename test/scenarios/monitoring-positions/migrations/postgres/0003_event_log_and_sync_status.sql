-- Seed 002, problems 2 and 3: an audit trail (monitoring.event_log) and sync health per exchange
-- (monitoring.sync_status). The document's third table, monitoring.schema_migrations, is the
-- engine's own tracking table for this scenario (--table monitoring.schema_migrations), so the
-- document's "SELECT * FROM monitoring.schema_migrations" shows every migration applied.

-- migrate:up
CREATE TABLE IF NOT EXISTS monitoring.event_log (
    id BIGSERIAL PRIMARY KEY,
    position_id INTEGER REFERENCES monitoring.positions(id),
    event_type VARCHAR(50) NOT NULL,
    source VARCHAR(50) NOT NULL,
    message TEXT,
    details JSONB,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_event_log_position_id ON monitoring.event_log (position_id);
CREATE INDEX IF NOT EXISTS idx_event_log_created_at ON monitoring.event_log (created_at);

CREATE TABLE IF NOT EXISTS monitoring.sync_status (
    id SERIAL PRIMARY KEY,
    exchange VARCHAR(20) NOT NULL UNIQUE,
    last_sync_at TIMESTAMP,
    positions_synced INTEGER NOT NULL DEFAULT 0,
    discrepancies_found INTEGER NOT NULL DEFAULT 0,
    discrepancies_fixed INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at TIMESTAMP NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE IF EXISTS monitoring.sync_status;
DROP TABLE IF EXISTS monitoring.event_log;

-- migrate:verify
-- The document's "Check new tables exist" (should return 2 rows): a row here names a missing one.
SELECT expected.table_name AS missing_table
FROM (VALUES ('event_log'), ('sync_status')) AS expected(table_name)
WHERE NOT EXISTS (
    SELECT 1 FROM information_schema.tables t
    WHERE t.table_schema = 'monitoring' AND t.table_name = expected.table_name
);
