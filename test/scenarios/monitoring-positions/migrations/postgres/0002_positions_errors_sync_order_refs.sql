-- Seed 002, problems 1, 3 and 4 on monitoring.positions: structured error details and retries,
-- sync tracking, and the exchange order references. Additive only: existing code keeps working.
-- IF NOT EXISTS keeps it idempotent for databases that had some of these added by hand.

-- migrate:up
ALTER TABLE monitoring.positions
    ADD COLUMN IF NOT EXISTS error_details JSONB,
    ADD COLUMN IF NOT EXISTS retry_count INTEGER DEFAULT 0,
    ADD COLUMN IF NOT EXISTS last_error_at TIMESTAMP,
    ADD COLUMN IF NOT EXISTS last_sync_at TIMESTAMP,
    ADD COLUMN IF NOT EXISTS sync_status VARCHAR(50),
    ADD COLUMN IF NOT EXISTS exchange_order_id VARCHAR(100),
    ADD COLUMN IF NOT EXISTS sl_order_id VARCHAR(100);

-- migrate:down
ALTER TABLE monitoring.positions
    DROP COLUMN IF EXISTS error_details,
    DROP COLUMN IF EXISTS retry_count,
    DROP COLUMN IF EXISTS last_error_at,
    DROP COLUMN IF EXISTS last_sync_at,
    DROP COLUMN IF EXISTS sync_status,
    DROP COLUMN IF EXISTS exchange_order_id,
    DROP COLUMN IF EXISTS sl_order_id;

-- migrate:verify
-- Every column of the document's table, with its type: a returned row names what is missing or wrong.
SELECT expected.column_name, expected.data_type AS expected_type, c.data_type AS actual_type
FROM (VALUES
    ('error_details', 'jsonb', NULL),
    ('retry_count', 'integer', NULL),
    ('last_error_at', 'timestamp without time zone', NULL),
    ('last_sync_at', 'timestamp without time zone', NULL),
    ('sync_status', 'character varying', 50),
    ('exchange_order_id', 'character varying', 100),
    ('sl_order_id', 'character varying', 100)
) AS expected(column_name, data_type, max_length)
LEFT JOIN information_schema.columns c
    ON c.table_schema = 'monitoring' AND c.table_name = 'positions' AND c.column_name = expected.column_name
WHERE c.data_type IS DISTINCT FROM expected.data_type
   OR c.character_maximum_length IS DISTINCT FROM expected.max_length;
