-- The scalper bot's database (seed 000, PostgreSQL, Bybit) before `orders.cancellation_reason`.
-- The document names the `orders` table and the bots it belongs to; the columns are those a
-- SQLAlchemy scalper keeps (app/models/order.py), with status as plain VARCHAR.
CREATE TABLE bots (
    id SERIAL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    ticker VARCHAR(30) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'ACTIVE',
    buy_price NUMERIC(20, 8),
    sell_price NUMERIC(20, 8),
    created_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id SERIAL PRIMARY KEY,
    bot_id INTEGER NOT NULL REFERENCES bots(id),
    exchange_order_id VARCHAR(64),
    order_link_id VARCHAR(64),
    symbol VARCHAR(30) NOT NULL,
    side VARCHAR(10) NOT NULL,
    order_type VARCHAR(20) NOT NULL DEFAULT 'Limit',
    price NUMERIC(20, 8),
    quantity NUMERIC(20, 8) NOT NULL,
    filled_quantity NUMERIC(20, 8) NOT NULL DEFAULT 0,
    status VARCHAR(20) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT now(),
    updated_at TIMESTAMP
);

CREATE INDEX ix_orders_bot_id ON orders (bot_id);
CREATE INDEX ix_orders_exchange_order_id ON orders (exchange_order_id);
