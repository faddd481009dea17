-- Seed 002, problem 1: exit_reason VARCHAR(100) cut error messages off. TEXT has no limit.
-- VARCHAR -> TEXT is binary compatible in PostgreSQL: no table rewrite, existing values unchanged.

-- migrate:up
ALTER TABLE monitoring.positions ALTER COLUMN exit_reason TYPE TEXT;

-- migrate:down
-- Fails (and rolls back) if a reason longer than 100 characters was written since: never truncates.
ALTER TABLE monitoring.positions ALTER COLUMN exit_reason TYPE VARCHAR(100);

-- migrate:verify
-- The document's "Check exit_reason is TEXT" (should return 'text').
SELECT data_type AS exit_reason_type_is_not_text
FROM information_schema.columns
WHERE table_schema = 'monitoring' AND table_name = 'positions' AND column_name = 'exit_reason'
  AND data_type <> 'text';
SELECT 'monitoring.positions.exit_reason is missing' AS problem
WHERE NOT EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = 'monitoring' AND table_name = 'positions' AND column_name = 'exit_reason'
);
