-- Seed 004 (order statuses 9 -> 5, one unified reason) as plain SQL: the statements that
-- test/scenarios/order-status-simplification/migrations/portable/0001_unify_reason_and_statuses.ts
-- runs on PostgreSQL, so that botledger and Alembic run the same SQL. Alembic runs the `up` section.
-- migrate:up
ALTER TABLE orders ADD COLUMN reason TEXT;
ALTER TABLE orders ADD COLUMN legacy_status VARCHAR(32);
UPDATE orders SET
        reason = (CASE lower(trim(status))
      WHEN 'rejected' THEN COALESCE(CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END, CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END)
      WHEN 'cancelled' THEN COALESCE(CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END, CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END)
      ELSE COALESCE(CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END, CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END) END) || CASE WHEN CASE WHEN trim(failure_reason) <> '' THEN failure_reason END IS NOT NULL AND failure_reason <> (CASE lower(trim(status))
      WHEN 'rejected' THEN COALESCE(CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END, CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END)
      WHEN 'cancelled' THEN COALESCE(CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END, CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END)
      ELSE COALESCE(CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END, CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END) END) THEN ' | failure_reason: ' || failure_reason ELSE '' END || CASE WHEN CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END IS NOT NULL AND rejection_reason <> (CASE lower(trim(status))
      WHEN 'rejected' THEN COALESCE(CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END, CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END)
      WHEN 'cancelled' THEN COALESCE(CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END, CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END)
      ELSE COALESCE(CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END, CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END) END) THEN ' | rejection_reason: ' || rejection_reason ELSE '' END || CASE WHEN CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END IS NOT NULL AND cancelled_reason <> (CASE lower(trim(status))
      WHEN 'rejected' THEN COALESCE(CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END, CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END)
      WHEN 'cancelled' THEN COALESCE(CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END, CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END)
      ELSE COALESCE(CASE WHEN trim(failure_reason) <> '' THEN failure_reason END, CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END, CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END) END) THEN ' | cancelled_reason: ' || cancelled_reason ELSE '' END,
        legacy_status = CASE WHEN status <> CASE lower(trim(status))
    WHEN 'amo' THEN 'pending' WHEN 'pending_execution' THEN 'pending'
    WHEN 'retry_pending' THEN 'failed' WHEN 'rejected' THEN 'failed'
    WHEN 'sell' THEN CASE WHEN lower(trim(side)) = 'sell' THEN 'pending' ELSE status END
    WHEN 'pending' THEN 'pending' WHEN 'ongoing' THEN 'ongoing' WHEN 'closed' THEN 'closed'
    WHEN 'failed' THEN 'failed' WHEN 'cancelled' THEN 'cancelled'
    ELSE status END THEN status END,
        status = CASE lower(trim(status))
    WHEN 'amo' THEN 'pending' WHEN 'pending_execution' THEN 'pending'
    WHEN 'retry_pending' THEN 'failed' WHEN 'rejected' THEN 'failed'
    WHEN 'sell' THEN CASE WHEN lower(trim(side)) = 'sell' THEN 'pending' ELSE status END
    WHEN 'pending' THEN 'pending' WHEN 'ongoing' THEN 'ongoing' WHEN 'closed' THEN 'closed'
    WHEN 'failed' THEN 'failed' WHEN 'cancelled' THEN 'cancelled'
    ELSE status END
      WHERE CASE WHEN trim(failure_reason) <> '' THEN failure_reason END IS NOT NULL OR CASE WHEN trim(rejection_reason) <> '' THEN rejection_reason END IS NOT NULL OR CASE WHEN trim(cancelled_reason) <> '' THEN cancelled_reason END IS NOT NULL OR status <> CASE lower(trim(status))
    WHEN 'amo' THEN 'pending' WHEN 'pending_execution' THEN 'pending'
    WHEN 'retry_pending' THEN 'failed' WHEN 'rejected' THEN 'failed'
    WHEN 'sell' THEN CASE WHEN lower(trim(side)) = 'sell' THEN 'pending' ELSE status END
    WHEN 'pending' THEN 'pending' WHEN 'ongoing' THEN 'ongoing' WHEN 'closed' THEN 'closed'
    WHEN 'failed' THEN 'failed' WHEN 'cancelled' THEN 'cancelled'
    ELSE status END;
-- migrate:down
UPDATE orders SET status = legacy_status WHERE legacy_status IS NOT NULL;
ALTER TABLE orders DROP COLUMN legacy_status;
ALTER TABLE orders DROP COLUMN reason;
-- migrate:verify
SELECT status, count(*) AS count FROM orders WHERE status IS NULL OR status NOT IN ('pending', 'ongoing', 'closed', 'failed', 'cancelled') GROUP BY status;
