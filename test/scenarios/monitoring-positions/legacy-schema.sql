-- The position-monitoring service's schema (seed 002, PostgreSQL schema `monitoring`) before the
-- changes: exit_reason is VARCHAR(100), which cut error messages off at 100 characters.
CREATE SCHEMA IF NOT EXISTS monitoring;

CREATE TABLE monitoring.positions (
    id SERIAL PRIMARY KEY,
    exchange VARCHAR(20) NOT NULL,
    symbol VARCHAR(30) NOT NULL,
    side VARCHAR(10) NOT NULL,
    entry_price NUMERIC(20, 8) NOT NULL,
    quantity NUMERIC(20, 8) NOT NULL,
    stop_loss NUMERIC(20, 8),
    take_profit NUMERIC(20, 8),
    exit_price NUMERIC(20, 8),
    pnl NUMERIC(20, 8),
    status VARCHAR(20) NOT NULL DEFAULT 'active',
    exit_reason VARCHAR(100),
    opened_at TIMESTAMP NOT NULL DEFAULT now(),
    closed_at TIMESTAMP,
    updated_at TIMESTAMP
);

CREATE INDEX idx_positions_status ON monitoring.positions (status);
CREATE INDEX idx_positions_exchange_symbol ON monitoring.positions (exchange, symbol);
