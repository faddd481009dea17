-- The multi-plugin forex bot's data/trading_bot.db (seed 003) before plugin isolation: ten tables,
-- none with plugin_id. `trades` is exactly the document's "Current Schema (database.py lines
-- 15-51)"; the document only names the nine others, so their columns are the plausible ones such
-- a bot keeps (each with an integer id, a reference to its chain or trade, and timestamps).
CREATE TABLE IF NOT EXISTS trades (
    id INTEGER PRIMARY KEY,
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
    open_time DATETIME,
    close_time DATETIME,
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
    id INTEGER PRIMARY KEY,
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
    created_at DATETIME,
    last_update DATETIME
);

CREATE TABLE IF NOT EXISTS sl_events (
    id INTEGER PRIMARY KEY,
    trade_id TEXT,
    symbol TEXT,
    sl_price REAL,
    original_entry REAL,
    hit_time DATETIME,
    recovery_attempted BOOLEAN DEFAULT 0,
    recovery_successful BOOLEAN DEFAULT 0
);

CREATE TABLE IF NOT EXISTS tp_reentry_events (
    id INTEGER PRIMARY KEY,
    chain_id TEXT,
    symbol TEXT,
    tp_level INTEGER,
    tp_price REAL,
    reentry_price REAL,
    sl_reduction_percent REAL,
    pnl REAL,
    timestamp DATETIME
);

CREATE TABLE IF NOT EXISTS reversal_exit_events (
    id INTEGER PRIMARY KEY,
    trade_id TEXT,
    symbol TEXT,
    exit_price REAL,
    exit_signal TEXT,
    pnl REAL,
    timestamp DATETIME
);

CREATE TABLE IF NOT EXISTS system_state (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE,
    value TEXT,
    updated_at DATETIME
);

CREATE TABLE IF NOT EXISTS profit_booking_chains (
    id INTEGER PRIMARY KEY,
    chain_id TEXT UNIQUE,
    symbol TEXT,
    direction TEXT,
    base_lot REAL,
    current_level INTEGER DEFAULT 0,
    max_level INTEGER DEFAULT 4,
    total_profit REAL DEFAULT 0.0,
    active_orders TEXT,
    status TEXT,
    created_at DATETIME,
    updated_at DATETIME
);

CREATE TABLE IF NOT EXISTS profit_booking_orders (
    id INTEGER PRIMARY KEY,
    order_id TEXT,
    chain_id TEXT,
    level INTEGER,
    profit_target REAL,
    sl_reduction REAL,
    status TEXT,
    created_at DATETIME,
    closed_at DATETIME
);

CREATE TABLE IF NOT EXISTS profit_booking_events (
    id INTEGER PRIMARY KEY,
    chain_id TEXT,
    event_type TEXT,
    level INTEGER,
    profit_amount REAL,
    orders_closed INTEGER,
    timestamp DATETIME
);

CREATE TABLE IF NOT EXISTS trading_sessions (
    id INTEGER PRIMARY KEY,
    session_id TEXT UNIQUE,
    symbol TEXT,
    direction TEXT,
    signal_type TEXT,
    start_time DATETIME,
    end_time DATETIME,
    total_pnl REAL DEFAULT 0.0,
    total_trades INTEGER DEFAULT 0,
    status TEXT
);

CREATE INDEX IF NOT EXISTS idx_trades_status ON trades(status);
CREATE INDEX IF NOT EXISTS idx_trades_symbol ON trades(symbol);
