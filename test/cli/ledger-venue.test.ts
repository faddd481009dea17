/**
 * Issue 6, defects 5 and 6, through the command line: a ledger's venue belongs to that ledger
 * (found from the database, not from the current folder), the commands say which venue they use,
 * and every start reconciles with it before anything else (after a kill -9, after a
 * `migrate restore`), adopting the venue's orders of this ledger that it does not know, so that no
 * client order id is ever used twice.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import { tempDir } from '../support/dialects.ts';
import { createTestPostgresDatabase } from '../support/postgres.ts';
import { type CliResult, runCli, startCli } from './cli-support.ts';

// A round trip that gains after fees (0.1% a side): a losing one would, five in a row, stop the bot
// by protection and leave it without a live order, which these tests need.
const CONFIG = '{"amount":"0.01","entryPrice":"59950","takeProfitPrice":"60150"}';

interface VenueOrder {
  readonly clientOrderId: string;
  readonly state: string;
  readonly filledAmount: string;
}

/** The paper exchange's own record, read from its state file (no botledger code involved). */
function readVenue(file: string): { orders: Map<string, VenueOrder>; fills: number } {
  const db = new BetterSqlite3(file, { timeout: 5_000 });
  try {
    const rows = db.prepare('select client_order_id, state, filled_amount from paper_orders order by rowid').all() as Record<string, string>[];
    const fills = (db.prepare('select count(*) as n from paper_fills').get() as { n: number }).n;
    return { orders: new Map(rows.map((r) => [r.client_order_id, { clientOrderId: r.client_order_id, state: r.state, filledAmount: r.filled_amount }])), fills };
  } finally {
    db.close();
  }
}

/** Where a command said its venue is; before the fix, the one shared file of the data folder. */
function venueFileOf(doc: any, fallbackDataDir: string): string {
  return doc?.venue?.file ?? join(fallbackDataDir, 'paper-exchange.db');
}

/** Every ledger order says what the venue says about it, and every venue order is in the ledger. */
function assertLedgerEqualsVenue(orders: any[], venue: Map<string, VenueOrder>, label: string): void {
  const known = new Set(orders.map((o) => o.clientOrderId));
  for (const id of venue.keys()) assert.ok(known.has(id), `${label}: the venue has ${id}, the ledger does not`);
  for (const order of orders) {
    const at = venue.get(order.clientOrderId);
    const what = `${label}: ${order.clientOrderId} is ${order.status} (filled ${order.filledAmount}) in the ledger, ${at ? `${at.state} (filled ${at.filledAmount})` : 'absent'} at the venue`;
    if (!at) {
      assert.ok(['failed', 'cancelled'].includes(order.status), what);
      continue;
    }
    assert.equal(Number(order.filledAmount), Number(at.filledAmount), what);
    if (at.state === 'open' || at.state === 'partially_filled') assert.equal(order.status, 'pending', what);
    else if (at.state === 'filled') assert.ok(['ongoing', 'closed'].includes(order.status), what);
    else if (at.state === 'cancelled' || at.state === 'expired') assert.equal(order.status, 'cancelled', what);
    else assert.ok(['failed', 'cancelled'].includes(order.status), what);
  }
}

interface Ledger {
  readonly db: string;
  cli(...args: string[]): Promise<CliResult>;
  json<T = any>(...args: string[]): Promise<T>;
}

/** A ledger at `db`, run from `cwd` with `env` on top of the test defaults. */
function ledgerAt(db: string, dataDir: string, env: NodeJS.ProcessEnv = {}, cwd?: string): Ledger {
  const cli = (...args: string[]) => runCli([...args, '--db', db], dataDir, env, { cwd });
  return {
    db,
    cli,
    async json(...args) {
      const result = await cli(...args, '--json');
      assert.equal(result.code, 0, `botledger ${args.join(' ')} --db ${db} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
      return JSON.parse(result.stdout);
    },
  };
}

const createBot = (l: Ledger, id: string, ...extra: string[]) =>
  l.json('bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', id, '--config', CONFIG, ...extra);
const allOrders = async (l: Ledger): Promise<any[]> => (await l.json('orders', 'list', '--limit', '5000')).orders;

async function postgresOrSkip(): Promise<string | undefined> {
  const database = await createTestPostgresDatabase();
  if (!database) {
    if (process.env.CI === 'true') throw new Error('PostgreSQL is unavailable under CI');
    console.log('# SKIPPED: PostgreSQL unavailable');
    return undefined;
  }
  after(() => database.drop());
  return database.url;
}

test('two ledgers (PostgreSQL and the default SQLite file) run from the same folder with the same bot id never see each other', async () => {
  const pgUrl = await postgresOrSkip();
  if (!pgUrl) return;
  const home = tempDir('botledger-two-ledgers-');
  const work = join(home, 'work');
  mkdirSync(work);
  // No BOTLEDGER_DATA_DIR: where botledger puts each venue by itself is what is under test.
  const env = { BOTLEDGER_DATA_DIR: undefined, XDG_DATA_HOME: join(home, 'xdg') };
  const postgres = ledgerAt(pgUrl, '', env, work);
  const sqlite = ledgerAt('sqlite:data/botledger.db', '', env, work);

  const first = await createBot(postgres, 's2', '--migrate');
  assert.equal(first.orders[0].status, 'pending', JSON.stringify(first.orders));
  const second = await createBot(sqlite, 's2', '--migrate');
  assert.equal(second.orders[0].status, 'pending', `the SQLite ledger's first order is its own, not a duplicate: ${JSON.stringify(second.orders)}`);
  assert.equal(second.orders[0].clientOrderId, first.orders[0].clientOrderId, 'same bot id, same sequence: only the venue keeps them apart');

  const runs = [await postgres.json('run', '--ticks', '300', '--seed', '7'), await sqlite.json('run', '--ticks', '300', '--seed', '7')];
  const files = runs.map((run) => venueFileOf(run, join(work, 'data')));
  assert.notEqual(files[0], files[1], 'each ledger has its own venue');
  for (const [index, l] of [postgres, sqlite].entries()) {
    const label = index === 0 ? 'PostgreSQL' : 'SQLite';
    const orders = await allOrders(l);
    assert.ok(orders.length >= 3, `${label}: the bot traded (${orders.length} orders)`);
    assert.deepEqual(orders.filter((o) => o.status === 'failed' || /duplicate/i.test(o.reason)), [], `${label}: no order failed`);
    const venue = readVenue(files[index] as string);
    assertLedgerEqualsVenue(orders, venue.orders, label);
    assert.equal(runs[index].bots[0].fills, venue.fills, `${label}: the ledger's fills are exactly its venue's`);
  }
});

test('a PostgreSQL ledger finds its own venue from any folder; a venue that does not know its orders is a loud error', async () => {
  const pgUrl = await postgresOrSkip();
  if (!pgUrl) return;
  const home = tempDir('botledger-pg-venue-');
  const [folderA, folderB] = [join(home, 'a'), join(home, 'b')];
  mkdirSync(folderA);
  mkdirSync(folderB);
  const env = { BOTLEDGER_DATA_DIR: undefined, XDG_DATA_HOME: join(home, 'xdg') };
  const fromA = ledgerAt(pgUrl, '', env, folderA);
  const fromB = ledgerAt(pgUrl, '', env, folderB);

  const created = await createBot(fromA, 'p1', '--migrate');
  const [entry] = created.orders;
  assert.equal(entry.status, 'pending');
  const run = await fromB.json('run', '--ticks', '20');
  const file = venueFileOf(run, join(folderB, 'data'));
  assert.equal(file, venueFileOf(created, join(folderA, 'data')), 'the same venue from another folder');
  const orders = await allOrders(fromB);
  assert.deepEqual(orders.filter((o) => o.status === 'failed'), []);
  assertLedgerEqualsVenue(orders, readVenue(file).orders, 'from folder b');

  // Somewhere that is not this ledger's venue: refused, naming both; the orders are left alone.
  const elsewhere = ledgerAt(pgUrl, '', { ...env, XDG_DATA_HOME: join(home, 'other') }, folderB);
  const refused = await elsewhere.cli('run', '--ticks', '5');
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /VENUE_MISMATCH/);
  assert.match(refused.stderr, /does not know/);
  assert.match(refused.stderr, new RegExp(`ledger ${run.venue.ledgerId}`, 'i'));
  assert.match(refused.stderr, new RegExp(join(home, 'other')));
  const after = await allOrders(fromB);
  assert.deepEqual(
    after.map((o) => [o.clientOrderId, o.status]),
    orders.map((o) => [o.clientOrderId, o.status]),
    'nothing was failed or changed because of the wrong venue',
  );
});

async function ledgerOn(dialect: 'sqlite' | 'postgres'): Promise<{ l: Ledger; dataDir: string } | undefined> {
  const dataDir = tempDir('botledger-venue-cli-');
  const url = dialect === 'sqlite' ? `sqlite:${join(dataDir, 'ledger.db')}` : await postgresOrSkip();
  if (!url) return undefined;
  return { l: ledgerAt(url, dataDir), dataDir };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`reconciliation at start [${dialect}]`, () => {
    test('after a kill -9 of run, the next start reconciles before the first step: every order equals the venue', async () => {
      const made = await ledgerOn(dialect);
      if (!made) return;
      const { l, dataDir } = made;
      const created = await createBot(l, 'k1', '--migrate');
      const file = venueFileOf(created, dataDir);
      const running = startCli(['run', '--db', l.db, '--ticks', '100000', '--tick-ms', '10', '--seed', '7'], dataDir);
      await running.waitFor(/running 1 bot\(s\)/);
      await sleep(1_500);
      running.child.kill('SIGKILL');
      const killed = await running.done;
      assert.equal(killed.signal, 'SIGKILL');

      // While botledger is down, the live orders fill at the venue; nobody hears the events.
      const pending = (await l.json('orders', 'list', '--status', 'pending')).orders as any[];
      assert.ok(pending.length >= 1, 'the scalper had a live order');
      const paper = new PaperExchange({ file });
      // Orders whose venue state the ledger does not know: filled by hand now, or changed at the
      // venue just before the kill, before the ledger recorded it.
      const filledByHand: string[] = [];
      for (const order of pending) {
        const at = paper.control.order({ symbol: order.symbol, clientOrderId: order.clientOrderId });
        if (at?.state === 'open' || at?.state === 'partially_filled') paper.control.fillByHand({ symbol: order.symbol, clientOrderId: order.clientOrderId });
        filledByHand.push(order.clientOrderId);
      }
      await paper.close();
      assert.ok(filledByHand.length >= 1, 'an order changed while botledger was down');

      const next = await l.cli('run', '--ticks', '1');
      assert.equal(next.code, 0, next.stderr);
      const reconciled = /reconciled with the venue at start: \d+ pending order\(s\) checked, \d+ changed \(([^)]*)\)/.exec(next.stderr);
      for (const id of filledByHand) assert.ok(reconciled?.[1]?.split(', ').includes(id), `${id} was reconciled at start:\n${next.stderr}`);
      assert.ok((reconciled?.index ?? -1) < next.stderr.search(/running 1 bot/), `reconciled before the first step:\n${next.stderr}`);
      assertLedgerEqualsVenue(await allOrders(l), readVenue(file).orders, 'after kill -9');
    });

    test('after migrate restore, the ledger adopts the venue orders it lost (at once, or at the next start if the venue was busy), and no client order id is reused', async () => {
      const made = await ledgerOn(dialect);
      if (!made) return;
      const { l, dataDir } = made;
      const created = await createBot(l, 'r1', '--migrate');
      const file = venueFileOf(created, dataDir);
      await l.json('run', '--ticks', '20', '--seed', '7');
      // Restored by name: a restore first backs up the database it overwrites, which becomes the newest backup.
      const backup = (await l.json('migrate', 'backup')).path as string;
      const atBackup = new Set((await allOrders(l)).map((o) => o.clientOrderId));
      const lostSinceBackup = () => [...readVenue(file).orders.keys()].filter((id) => !atBackup.has(id)).sort();
      await l.json('run', '--ticks', '250');
      const lost = lostSinceBackup();
      assert.ok(lost.length >= 2, `the venue has orders the restored ledger will lack (${lost.length})`);

      // 1. The venue is busy while the backup is restored (as if \`run\` held it): the next start adopts.
      const holder = new PaperExchange({ file });
      const restored = await l.cli('migrate', 'restore', backup, '--yes');
      await holder.close();
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stderr, /warning: the restored ledger was not reconciled with its venue: the paper exchange .* is open in another botledger process/);
      assert.deepEqual((await allOrders(l)).map((o) => o.clientOrderId).sort(), [...atBackup].sort(), 'the ledger is the backup again');
      const next = await l.cli('run', '--ticks', '1', '--json');
      assert.equal(next.code, 0, next.stderr);
      const doc = JSON.parse(next.stdout);
      assert.deepEqual([...(doc.venue?.reconciliation?.adopted ?? [])].sort(), lost);
      assert.match(next.stderr, new RegExp(`adopted ${lost.length} order`));
      const events = (await l.json('events', '--limit', '1000')).events as any[];
      const adoptedEvents = events.filter((e) => e.type === 'OrderAdopted');
      assert.equal(adoptedEvents.length, lost.length);
      assert.ok(adoptedEvents.every((e) => e.source === 'reconciliation' && /adopted/.test(e.message)), JSON.stringify(adoptedEvents[0]));

      // 2. The same backup again, with the venue free: restore itself reconciles and adopts.
      await l.json('run', '--ticks', '150');
      const lostAgain = lostSinceBackup();
      const again = await l.cli('migrate', 'restore', backup, '--yes', '--json');
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual([...JSON.parse(again.stdout).venue.reconciliation.adopted].sort(), lostAgain);
      assert.match(again.stderr, new RegExp(`adopted ${lostAgain.length} order`));

      await l.json('run', '--ticks', '200');
      const orders = await allOrders(l);
      assert.deepEqual(orders.filter((o) => /duplicate/i.test(o.reason)), [], 'no client order id was used twice');
      assert.equal(new Set(orders.map((o) => o.clientOrderId)).size, orders.length);
      assertLedgerEqualsVenue(orders, readVenue(file).orders, 'after restore');
    });
  });
}
