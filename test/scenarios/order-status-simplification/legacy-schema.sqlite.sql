-- The equities auto-trader's orders (seed 004), SQLite variant of legacy-schema.postgres.sql (the document
-- says "SQLite backup (if using SQLite)"): the same columns; INTEGER PRIMARY KEY for ids,
-- CURRENT_TIMESTAMP for defaults.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    symbol VARCHAR(32) NOT NULL,
    side VARCHAR(10),
    order_type VARCHAR(16) NOT NULL DEFAULT 'market',
    quantity NUMERIC(18, 4) NOT NULL,
    price NUMERIC(18, 4),
    status VARCHAR(32) NOT NULL,
    broker_order_id VARCHAR(64),
    failure_reason VARCHAR(512),
    rejection_reason VARCHAR(512),
    cancelled_reason VARCHAR(255),
    first_failed_at TIMESTAMP,
    last_retry_attempt TIMESTAMP,
    retry_count INTEGER NOT NULL DEFAULT 0,
    placed_at TIMESTAMP,
    filled_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP
);

CREATE INDEX ix_orders_user_id ON orders (user_id);
CREATE INDEX ix_orders_status ON orders (status);
