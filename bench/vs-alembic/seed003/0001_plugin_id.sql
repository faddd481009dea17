-- Seed 003 (plugin isolation of trading_bot.db) as plain SQL: the statements that
-- test/scenarios/plugin-isolation/migrations/portable/0001_plugin_id.ts runs, so that botledger,
-- Alembic and the seed's own script run the same SQL. Alembic and the script run the `up` section.
-- migrate:up
ALTER TABLE trades ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE reentry_chains ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE sl_events ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE tp_reentry_events ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE reversal_exit_events ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE system_state ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE profit_booking_chains ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE profit_booking_orders ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE profit_booking_events ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
ALTER TABLE trading_sessions ADD COLUMN plugin_id TEXT DEFAULT 'legacy';
UPDATE trades SET plugin_id = CASE lower(trim(logic_type))
    WHEN 'combinedlogic-1' THEN 'v3-logic-01-5min' WHEN 'combinedlogic-2' THEN 'v3-logic-02-15min' WHEN 'combinedlogic-3' THEN 'v3-logic-03-1h'
    WHEN 'logic1' THEN 'v3-logic-01-5min' WHEN 'logic2' THEN 'v3-logic-02-15min' WHEN 'logic3' THEN 'v3-logic-03-1h'
    ELSE plugin_id END
  WHERE lower(trim(logic_type)) IN ('combinedlogic-1', 'combinedlogic-2', 'combinedlogic-3', 'logic1', 'logic2', 'logic3')
    AND (plugin_id IS NULL OR plugin_id = 'legacy');
CREATE INDEX IF NOT EXISTS idx_trades_plugin_id ON trades(plugin_id);
CREATE INDEX IF NOT EXISTS idx_trades_plugin_status ON trades(plugin_id, status);
CREATE INDEX IF NOT EXISTS idx_reentry_chains_plugin_id ON reentry_chains(plugin_id);
CREATE INDEX IF NOT EXISTS idx_profit_booking_chains_plugin_id ON profit_booking_chains(plugin_id);
CREATE INDEX IF NOT EXISTS idx_trading_sessions_plugin_id ON trading_sessions(plugin_id);
-- migrate:down
DROP INDEX IF EXISTS idx_trades_plugin_id;
DROP INDEX IF EXISTS idx_trades_plugin_status;
DROP INDEX IF EXISTS idx_reentry_chains_plugin_id;
DROP INDEX IF EXISTS idx_profit_booking_chains_plugin_id;
DROP INDEX IF EXISTS idx_trading_sessions_plugin_id;
ALTER TABLE trades DROP COLUMN plugin_id;
ALTER TABLE reentry_chains DROP COLUMN plugin_id;
ALTER TABLE sl_events DROP COLUMN plugin_id;
ALTER TABLE tp_reentry_events DROP COLUMN plugin_id;
ALTER TABLE reversal_exit_events DROP COLUMN plugin_id;
ALTER TABLE system_state DROP COLUMN plugin_id;
ALTER TABLE profit_booking_chains DROP COLUMN plugin_id;
ALTER TABLE profit_booking_orders DROP COLUMN plugin_id;
ALTER TABLE profit_booking_events DROP COLUMN plugin_id;
ALTER TABLE trading_sessions DROP COLUMN plugin_id;
-- migrate:verify
SELECT id, logic_type, plugin_id FROM trades WHERE plugin_id IS NULL OR plugin_id <> CASE lower(trim(logic_type))
    WHEN 'combinedlogic-1' THEN 'v3-logic-01-5min' WHEN 'combinedlogic-2' THEN 'v3-logic-02-15min' WHEN 'combinedlogic-3' THEN 'v3-logic-03-1h'
    WHEN 'logic1' THEN 'v3-logic-01-5min' WHEN 'logic2' THEN 'v3-logic-02-15min' WHEN 'logic3' THEN 'v3-logic-03-1h'
    ELSE 'legacy' END;
