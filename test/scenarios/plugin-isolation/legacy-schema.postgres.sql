-- The multi-plugin forex bot's trading_bot.db (seed 003), PostgreSQL variant of legacy-schema.sqlite.sql
-- (the document's database is SQLite): DATETIME -> TIMESTAMP, INTEGER PRIMARY KEY -> SERIAL PRIMARY KEY,
-- boolean defaults as false. Used to show that the plugin_id migration is portable.
CREATE TABLE IF NOT EXISTS trades (
    id SERIAL PRIMARY KEY,
    trade_id TEXT,
    symbol TEXT,
    entry_price REAL,
    exit_price REAL,
    sl_price REAL,
    tp_price REAL,
    lot_size REAL,
    direction TEXT,
    strategy TEXT,
    pnl REAL,
    commission REAL,
    swap REAL,
    comment TEXT,
    status TEXT,
    open_time TIMESTAMP,
    close_time TIMESTAMP,
    chain_id TEXT,
    chain_level INTEGER,
    is_re_entry BOOLEAN,
    order_type TEXT,
    profit_chain_id TEXT,
    profit_level INTEGER DEFAULT 0,
    session_id TEXT,
    sl_adjusted INTEGER DEFAULT 0,
    original_sl_distance REAL DEFAULT 0.0,
    logic_type TEXT,
    base_lot_size REAL DEFAULT 0.0,
    final_lot_size REAL DEFAULT 0.0,
    base_sl_pips REAL DEFAULT 0.0,
    final_sl_pips REAL DEFAULT 0.0,
    lot_multiplier REAL DEFAULT 1.0,
    sl_multiplier REAL DEFAULT 1.0
);

CREATE TABLE IF NOT EXISTS reentry_chains (
    id SERIAL PRIMARY KEY,
    chain_id TEXT UNIQUE,
    symbol TEXT,
    direction TEXT,
    original_entry REAL,
    original_sl_distance REAL,
    current_level INTEGER DEFAULT 1,
    max_level INTEGER DEFAULT 3,
    total_profit REAL DEFAULT 0.0,
    trade_ids TEXT,
    status TEXT,
    created_at TIMESTAMP,
    last_update TIMESTAMP
);

CREATE TABLE IF NOT EXISTS sl_events (
    id SERIAL PRIMARY KEY,
    trade_id TEXT,
    symbol TEXT,
    sl_price REAL,
    original_entry REAL,
    hit_time TIMESTAMP,
    recovery_attempted BOOLEAN DEFAULT false,
    recovery_successful BOOLEAN DEFAULT false
);

CREATE TABLE IF NOT EXISTS tp_reentry_events (
    id SERIAL PRIMARY KEY,
    chain_id TEXT,
    symbol TEXT,
    tp_level INTEGER,
    tp_price REAL,
    reentry_price REAL,
    sl_reduction_percent REAL,
    pnl REAL,
    timestamp TIMESTAMP
);

CREATE TABLE IF NOT EXISTS reversal_exit_events (
    id SERIAL PRIMARY KEY,
    trade_id TEXT,
    symbol TEXT,
    exit_price REAL,
    exit_signal TEXT,
    pnl REAL,
    timestamp TIMESTAMP
);

CREATE TABLE IF NOT EXISTS system_state (
    id SERIAL PRIMARY KEY,
    key TEXT UNIQUE,
    value TEXT,
    updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS profit_booking_chains (
    id SERIAL PRIMARY KEY,
    chain_id TEXT UNIQUE,
    symbol TEXT,
    direction TEXT,
    base_lot REAL,
    current_level INTEGER DEFAULT 0,
    max_level INTEGER DEFAULT 4,
    total_profit REAL DEFAULT 0.0,
    active_orders TEXT,
    status TEXT,
    created_at TIMESTAMP,
    updated_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS profit_booking_orders (
    id SERIAL PRIMARY KEY,
    order_id TEXT,
    chain_id TEXT,
    level INTEGER,
    profit_target REAL,
    sl_reduction REAL,
    status TEXT,
    created_at TIMESTAMP,
    closed_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS profit_booking_events (
    id SERIAL PRIMARY KEY,
    chain_id TEXT,
    event_type TEXT,
    level INTEGER,
    profit_amount REAL,
    orders_closed INTEGER,
    timestamp TIMESTAMP
);

CREATE TABLE IF NOT EXISTS trading_sessions (
    id SERIAL PRIMARY KEY,
    session_id TEXT UNIQUE,
    symbol TEXT,
    direction TEXT,
    signal_type TEXT,
    start_time TIMESTAMP,
    end_time TIMESTAMP,
    total_pnl REAL DEFAULT 0.0,
    total_trades INTEGER DEFAULT 0,
    status TEXT
);

CREATE INDEX IF NOT EXISTS idx_trades_status ON trades(status);
CREATE INDEX IF NOT EXISTS idx_trades_symbol ON trades(symbol);
