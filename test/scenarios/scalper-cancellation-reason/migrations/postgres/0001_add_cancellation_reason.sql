-- Seed 000: distinguish system cancels (UPDATE, STOP, DELETE) from a manual cancel on the exchange.
-- The document's statement, unchanged. A nullable column without a default: no table rewrite.

-- migrate:up
ALTER TABLE orders ADD COLUMN IF NOT EXISTS cancellation_reason VARCHAR(50);

-- migrate:down
-- The document's rollback.
ALTER TABLE orders DROP COLUMN IF EXISTS cancellation_reason;

-- migrate:verify
-- The document's check ("column_name cancellation_reason, data_type character varying"), as a
-- query that returns a row only when the column is missing or has another type or length.
SELECT 'orders.cancellation_reason is missing or is not character varying(50)' AS problem
WHERE NOT EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'orders' AND column_name = 'cancellation_reason'
      AND data_type = 'character varying' AND character_maximum_length = 50
);
