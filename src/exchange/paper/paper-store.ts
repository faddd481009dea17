/**
 * The paper exchange's own SQLite file (WAL): orders, fills, market prices, generator states and
 * id counters. Every state change is written in one transaction before any event about it is
 * pushed, so a restarted venue reports exactly what it had announced.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { CanceledBy, OrderSide, PlaceOrderRequest, VenueOrderState } from '../exchange-adapter.ts';

/** An order as the venue keeps it. Amounts and prices are decimal strings. */
export interface PaperOrder extends PlaceOrderRequest {
  readonly exchangeOrderId: string;
  /** A stop order rests untriggered until the price crosses stopPrice. */
  triggered: boolean;
  state: VenueOrderState;
  filledAmount: string;
  /** Sum of price x amount over the fills, for the average price. */
  filledCost: string;
  feeTotal: string;
  reason?: string;
  /** How the order was cancelled, in the venue's words (e.g. CancelByUser). */
  cancelType?: string;
  /** Who cancelled it: through the API, or a person through the control surface (the venue's website). */
  canceledBy?: CanceledBy;
  /** When it was cancelled (venue clock). */
  canceledAt?: number;
  /** What the order still holds of the balance (quote for a buy, base for a sell), when balances are kept. */
  locked?: string;
  readonly createdAt: number;
  updatedAt: number;
}

/** One execution as the venue keeps it. */
export interface PaperFill {
  readonly tradeId: string;
  readonly exchangeOrderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: string;
  readonly amount: string;
  readonly fee: string;
  readonly feeCurrency: string;
  readonly taker: boolean;
  readonly timestamp: number;
}

/**
 * The account's net position in one symbol, kept up to date with every fill (positions.ts):
 * `net` > 0 long, < 0 short; the entry price is `entryCost / entryAmount`, the average of the
 * fills that opened or grew the open side (reductions leave it unchanged). Exact decimals.
 */
export interface PaperPositionState {
  readonly symbol: string;
  readonly net: string;
  readonly entryCost: string;
  readonly entryAmount: string;
  readonly updatedAt: number;
}

/** One market's persistent state. */
export interface PaperMarketState {
  readonly symbol: string;
  price: string;
  readonly tickSize: string;
  readonly volatility: string;
  readonly spread: string;
  /** The price walk's generator state. */
  prngState: number;
  updatedAt: number;
}

const SCHEMA = `
create table if not exists paper_meta (key text primary key, value text not null);
create table if not exists paper_markets (
  symbol text primary key, price text not null, tick_size text not null, volatility text not null,
  spread text not null, prng_state integer not null, updated_at integer not null);
create table if not exists paper_orders (
  exchange_order_id text primary key, client_order_id text not null unique, symbol text not null,
  side text not null, type text not null, amount text not null, price text, stop_price text,
  triggered integer not null, state text not null, filled_amount text not null, filled_cost text not null,
  fee_total text not null, reason text, cancel_type text, locked text, created_at integer not null, updated_at integer not null,
  canceled_by text, canceled_at integer);
create index if not exists paper_orders_open on paper_orders (state) where state in ('open', 'partially_filled');
create table if not exists paper_fills (
  trade_id text primary key, exchange_order_id text not null, client_order_id text not null, symbol text not null,
  side text not null, price text not null, amount text not null, fee text not null, fee_currency text not null,
  taker integer not null, timestamp integer not null);
create index if not exists paper_fills_order on paper_fills (exchange_order_id);
create index if not exists paper_fills_time on paper_fills (timestamp);
create table if not exists paper_positions (
  symbol text primary key, net text not null, entry_cost text not null, entry_amount text not null, updated_at integer not null);
create table if not exists paper_balances (currency text primary key, total text not null, locked text not null);
`;

/** Columns added after the first release: a state file made before them gets them here (empty). */
const ADDED_ORDER_COLUMNS = { canceled_by: 'text', canceled_at: 'integer' } as const;

function addMissingColumns(db: BetterSqlite3.Database): void {
  const present = new Set((db.pragma('table_info(paper_orders)') as { name: string }[]).map((column) => column.name));
  for (const [name, type] of Object.entries(ADDED_ORDER_COLUMNS)) {
    if (!present.has(name)) db.exec(`alter table paper_orders add column ${name} ${type}`);
  }
}

type Row = Record<string, any>;

/** A second venue on a state file another one has open (two venues would drift apart silently). */
export class PaperStateInUseError extends Error {
  readonly code = 'PAPER_STATE_IN_USE';
}

/** A state file that belongs to another ledger: its orders and fills are not this ledger's. */
export class PaperLedgerMismatchError extends Error {
  readonly code = 'PAPER_LEDGER_MISMATCH';
}

/**
 * Opens the state file in WAL mode and takes an exclusive lock held until close: one venue per
 * file, or its in-memory books and the file would disagree.
 */
function openExclusive(file: string, synchronous: 'full' | 'normal'): BetterSqlite3.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.exec('begin immediate; commit');
    return db;
  } catch (error) {
    db.close();
    if (String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) {
      throw new PaperStateInUseError(
        `paper exchange state file ${file} is already open in another PaperExchange (another botledger process?); close it first: one venue per state file`,
      );
    }
    throw error;
  }
}

function orderFromRow(row: Row): PaperOrder {
  return {
    exchangeOrderId: row.exchange_order_id,
    clientOrderId: row.client_order_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    amount: row.amount,
    ...(row.price === null ? {} : { price: row.price }),
    ...(row.stop_price === null ? {} : { stopPrice: row.stop_price }),
    triggered: row.triggered === 1,
    state: row.state,
    filledAmount: row.filled_amount,
    filledCost: row.filled_cost,
    feeTotal: row.fee_total,
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.cancel_type === null ? {} : { cancelType: row.cancel_type }),
    ...(row.canceled_by === null ? {} : { canceledBy: row.canceled_by }),
    ...(row.canceled_at === null ? {} : { canceledAt: row.canceled_at }),
    ...(row.locked === null ? {} : { locked: row.locked }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function fillFromRow(row: Row): PaperFill {
  return {
    tradeId: row.trade_id,
    exchangeOrderId: row.exchange_order_id,
    clientOrderId: row.client_order_id,
    symbol: row.symbol,
    side: row.side,
    price: row.price,
    amount: row.amount,
    fee: row.fee,
    feeCurrency: row.fee_currency,
    taker: row.taker === 1,
    timestamp: row.timestamp,
  };
}

/**
 * Synchronous storage of the paper exchange (better-sqlite3), so a state change and its
 * announcement cannot interleave with another call.
 *
 * @example
 * const store = new PaperStore('data/paper-exchange.db');
 * store.transaction(() => store.saveOrder(order));
 * store.close();
 */
export class PaperStore {
  readonly #db: BetterSqlite3.Database;
  readonly #statements: Record<string, BetterSqlite3.Statement>;

  constructor(file: string, synchronous: 'full' | 'normal' = 'full') {
    this.#db = openExclusive(file, synchronous);
    this.#db.exec(SCHEMA);
    addMissingColumns(this.#db);
    const prepare = (sql: string) => this.#db.prepare(sql);
    this.#statements = {
      getMeta: prepare('select value from paper_meta where key = ?'),
      setMeta: prepare('insert into paper_meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value'),
      markets: prepare('select * from paper_markets order by symbol'),
      saveMarket: prepare(
        `insert into paper_markets (symbol, price, tick_size, volatility, spread, prng_state, updated_at)
         values (@symbol, @price, @tickSize, @volatility, @spread, @prngState, @updatedAt)
         on conflict (symbol) do update set price = excluded.price, tick_size = excluded.tick_size, volatility = excluded.volatility,
           spread = excluded.spread, prng_state = excluded.prng_state, updated_at = excluded.updated_at`,
      ),
      saveOrder: prepare(
        `insert into paper_orders (exchange_order_id, client_order_id, symbol, side, type, amount, price, stop_price, triggered,
           state, filled_amount, filled_cost, fee_total, reason, cancel_type, locked, created_at, updated_at, canceled_by, canceled_at)
         values (@exchangeOrderId, @clientOrderId, @symbol, @side, @type, @amount, @price, @stopPrice, @triggered,
           @state, @filledAmount, @filledCost, @feeTotal, @reason, @cancelType, @locked, @createdAt, @updatedAt, @canceledBy, @canceledAt)
         on conflict (exchange_order_id) do update set triggered = excluded.triggered, state = excluded.state,
           filled_amount = excluded.filled_amount, filled_cost = excluded.filled_cost, fee_total = excluded.fee_total,
           reason = excluded.reason, cancel_type = excluded.cancel_type, locked = excluded.locked, updated_at = excluded.updated_at,
           canceled_by = excluded.canceled_by, canceled_at = excluded.canceled_at`,
      ),
      orderById: prepare('select * from paper_orders where exchange_order_id = ?'),
      orderByClientId: prepare('select * from paper_orders where client_order_id = ?'),
      openOrders: prepare("select * from paper_orders where state in ('open', 'partially_filled') order by rowid"),
      ordersSince: prepare('select * from paper_orders where created_at >= ? order by rowid'),
      insertFill: prepare(
        `insert into paper_fills (trade_id, exchange_order_id, client_order_id, symbol, side, price, amount, fee, fee_currency, taker, timestamp)
         values (@tradeId, @exchangeOrderId, @clientOrderId, @symbol, @side, @price, @amount, @fee, @feeCurrency, @taker, @timestamp)`,
      ),
      balances: prepare('select currency, total, locked from paper_balances order by currency'),
      saveBalance: prepare(
        'insert into paper_balances (currency, total, locked) values (?, ?, ?) on conflict (currency) do update set total = excluded.total, locked = excluded.locked',
      ),
      fillsOf: prepare('select * from paper_fills where exchange_order_id = ? order by rowid'),
      fillsSince: prepare('select * from paper_fills where timestamp >= ? order by rowid'),
      allFills: prepare('select * from paper_fills order by rowid'),
      positions: prepare('select * from paper_positions order by symbol'),
      savePosition: prepare(
        `insert into paper_positions (symbol, net, entry_cost, entry_amount, updated_at) values (@symbol, @net, @entryCost, @entryAmount, @updatedAt)
         on conflict (symbol) do update set net = excluded.net, entry_cost = excluded.entry_cost,
           entry_amount = excluded.entry_amount, updated_at = excluded.updated_at`,
      ),
    };
  }

  /** Runs `body` in one transaction (nested calls join the outer one). */
  transaction<T>(body: () => T): T {
    return this.#db.inTransaction ? body() : this.#db.transaction(body).immediate();
  }

  getMeta(key: string): string | undefined {
    return (this.#statements.getMeta.get(key) as Row | undefined)?.value;
  }

  setMeta(key: string, value: string | number): void {
    this.#statements.setMeta.run(key, String(value));
  }

  markets(): PaperMarketState[] {
    return (this.#statements.markets.all() as Row[]).map((row) => ({
      symbol: row.symbol,
      price: row.price,
      tickSize: row.tick_size,
      volatility: row.volatility,
      spread: row.spread,
      prngState: row.prng_state,
      updatedAt: row.updated_at,
    }));
  }

  saveMarket(market: PaperMarketState): void {
    this.#statements.saveMarket.run({ ...market });
  }

  saveOrder(order: PaperOrder): void {
    this.#statements.saveOrder.run({
      price: null,
      stopPrice: null,
      reason: null,
      cancelType: null,
      locked: null,
      canceledBy: null,
      canceledAt: null,
      ...order,
      triggered: order.triggered ? 1 : 0,
    });
  }

  orderById(exchangeOrderId: string): PaperOrder | undefined {
    const row = this.#statements.orderById.get(exchangeOrderId) as Row | undefined;
    return row && orderFromRow(row);
  }

  orderByClientId(clientOrderId: string): PaperOrder | undefined {
    const row = this.#statements.orderByClientId.get(clientOrderId) as Row | undefined;
    return row && orderFromRow(row);
  }

  /** Open and partially filled orders, oldest first (time priority). */
  openOrders(): PaperOrder[] {
    return (this.#statements.openOrders.all() as Row[]).map(orderFromRow);
  }

  /** Every order created at or after `since` (epoch ms), in the order they were placed. */
  ordersSince(since: number): PaperOrder[] {
    return (this.#statements.ordersSince.all(since) as Row[]).map(orderFromRow);
  }

  /**
   * Marks the state file as `ledgerId`'s venue, or throws {@link PaperLedgerMismatchError} when
   * it is another ledger's: two ledgers on one venue see each other's orders and fills.
   */
  claimForLedger(ledgerId: string, file: string): void {
    const owner = this.getMeta('ledger_id');
    if (owner === undefined) this.setMeta('ledger_id', ledgerId);
    else if (owner !== ledgerId) {
      throw new PaperLedgerMismatchError(
        `paper exchange state file ${file} belongs to ledger ${owner}, not to ledger ${ledgerId}: one venue per ledger, or they see each other's orders and fills`,
      );
    }
  }

  insertFill(fill: PaperFill): void {
    this.#statements.insertFill.run({ ...fill, taker: fill.taker ? 1 : 0 });
  }

  /** Fills of one order, in the order they happened. */
  fillsOf(exchangeOrderId: string): PaperFill[] {
    return (this.#statements.fillsOf.all(exchangeOrderId) as Row[]).map(fillFromRow);
  }

  /** The account's fills at or after `since` (venue ms), in the order they happened; every fill without `since`. */
  fillsSince(since?: number): PaperFill[] {
    const rows = since === undefined ? this.#statements.allFills.all() : this.#statements.fillsSince.all(since);
    return (rows as Row[]).map(fillFromRow);
  }

  positions(): PaperPositionState[] {
    return (this.#statements.positions.all() as Row[]).map((row) => ({
      symbol: row.symbol,
      net: row.net,
      entryCost: row.entry_cost,
      entryAmount: row.entry_amount,
      updatedAt: row.updated_at,
    }));
  }

  savePosition(position: PaperPositionState): void {
    this.#statements.savePosition.run({ ...position });
  }

  balances(): Array<{ currency: string; total: string; locked: string }> {
    return this.#statements.balances.all() as Array<{ currency: string; total: string; locked: string }>;
  }

  saveBalance(currency: string, total: string, locked: string): void {
    this.#statements.saveBalance.run(currency, total, locked);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
