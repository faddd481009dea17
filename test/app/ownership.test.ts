/**
 * Ownership through the application core (issue 9), on both dialects, with the ledger's real paper
 * exchange: Alice and Bob each run a scalper bot that holds a position. Every function called with
 * Bob as owner on Alice's objects answers exactly as for a missing object (same code, same message
 * shape) and changes nothing; lists show Bob only his own; without an owner (the CLI) everything.
 * Exchange accounts: a user sees theirs and the shared paper account; credentials are stored
 * encrypted and never readable back.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createAccount, deleteAccount, findAccount, listAccounts } from '../../src/app/accounts.ts';
import { createBot, deleteBot, listBots, showBot, startBot, stopBot, updateBot } from '../../src/app/bots.ts';
import { decryptCredentials, loadSecretKey, SECRET_KEY_FILE, secretKeyDirFor } from '../../src/app/credentials.ts';
import { listEvents } from '../../src/app/events.ts';
import { type Ledger, openLedger, venueOf } from '../../src/app/open-ledger.ts';
import { assertFailedOrderAction, dropOrder, findOrder, listOrders, retryOrder, showOrder } from '../../src/app/orders.ts';
import { assertPositionOpen, closePosition, listPositions, showPosition } from '../../src/app/positions.ts';
import { summarizeBot } from '../../src/app/summaries.ts';
import { listSyncStates, syncNow } from '../../src/app/sync.ts';
import { DATA_DIR_ENV } from '../../src/storage/database.ts';
import { insertUser } from '../support/test-users.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';

const SYMBOL = 'BTC/USDT';
const CONFIG = { amount: '0.01', entryPrice: '59950', takeProfitPrice: '60050' };
const MARKETS = { [SYMBOL]: { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0' } };
const SECRET = 'sk-very-secret-0123456789abcdef';
const API_KEY = 'ak-visible-nowhere-42';

/** Opens the ledger; the data folder (where secret.key goes for PostgreSQL) is a temporary one, never the user's. */
async function open(url: string, dir: string): Promise<Ledger> {
  process.env[DATA_DIR_ENV] = dir;
  return openLedger({ url, migrate: true, venue: { seed: 7, dir, markets: MARKETS } });
}

/** Every row of the ledger's owned tables, and the event log's size: what "changes nothing" compares. */
async function snapshot(ledger: Ledger): Promise<string> {
  const db = ledger.database.db;
  const rows = async (table: string) => JSON.stringify((await sql.raw(`select * from ${table} order by id`).execute(db)).rows);
  const events = await sql<{ n: unknown }>`select count(*) as n from event_log`.execute(db);
  return JSON.stringify([
    await rows('bots'),
    await rows('orders'),
    await rows('positions'),
    await rows('trades'),
    await rows('exchange_accounts'),
    Number(events.rows[0]?.n),
  ]);
}

/** The call fails as the same call on a missing id does: same code, same message with the id swapped. */
async function sameAsMissing(call: (id: string) => Promise<unknown>, id: string, missing: string, code: string): Promise<void> {
  let expected: Error & { code?: string } = new Error('no error');
  await assert.rejects(call(missing), (error: Error & { code?: string }) => {
    expected = error;
    return true;
  });
  assert.equal(expected.code, code, expected.message);
  await assert.rejects(call(id), (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    assert.equal(error.message, expected.message.replaceAll(missing, id));
    return true;
  });
}

forEachDialect('ownership through the application core', (target) => {
  test("another user's bots, orders, positions, events and accounts are not found, lists are filtered, and nothing changes", async () => {
    const { url } = await target.create();
    const ledger = await open(url, tempDir());
    try {
      const now = new Date().toISOString();
      for (const name of ['alice', 'bob']) await insertUser(ledger.database.db, { id: name, name, createdAt: now });
      await createBot(ledger, { id: 'a1', pluginId: 'scalper', symbol: SYMBOL, config: CONFIG, userId: 'alice' });
      await createBot(ledger, { id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: CONFIG, userId: 'bob' });
      venueOf(ledger).paper.control.setPrice(SYMBOL, '59900');
      await ledger.settle();
      const alicePosition = (await listPositions(ledger, { owner: 'alice', status: 'open' }, {})).items[0];
      assert.ok(alicePosition, 'alice holds a position');
      const aliceOrder = (await listOrders(ledger, { owner: 'alice' }, {})).items[0];
      assert.ok(aliceOrder);
      const account = await createAccount(ledger, {
        owner: 'alice',
        name: 'main',
        exchange: 'binance',
        sandbox: true,
        credentials: { apiKey: API_KEY, secret: SECRET },
      });

      // Lists: Bob sees his own only; without an owner, everything.
      assert.deepEqual(
        (await listBots(ledger, undefined, { owner: 'bob' })).map((b) => b.id),
        ['b1'],
      );
      assert.deepEqual((await listBots(ledger, 'active')).map((b) => b.id).sort(), ['a1', 'b1']);
      const bobOrders = (await listOrders(ledger, { owner: 'bob' }, {})).items;
      assert.ok(bobOrders.length > 0 && bobOrders.every((o) => o.userId === 'bob' && o.botId === 'b1'));
      assert.deepEqual((await listOrders(ledger, { owner: 'bob', botId: 'a1' }, {})).items, []);
      assert.deepEqual((await listOrders(ledger, { owner: 'bob', userId: 'alice' }, {})).items, []);
      assert.ok((await listOrders(ledger, {}, {})).items.some((o) => o.botId === 'a1'));
      const bobPositions = (await listPositions(ledger, { owner: 'bob' }, {})).items;
      assert.ok(bobPositions.length === 1 && bobPositions.every((p) => p.userId === 'bob'));
      const bobEvents = await listEvents(ledger, { owner: 'bob', limit: 1000 });
      assert.ok(bobEvents.length > 0 && bobEvents.every((e) => e.botId === 'b1'), 'only the entries of his bot, none of no bot');
      assert.deepEqual(await listEvents(ledger, { owner: 'bob', botId: 'a1' }), []);
      assert.ok((await listEvents(ledger, { limit: 1000 })).some((e) => e.botId === 'a1'));
      assert.deepEqual(
        (await listAccounts(ledger, { owner: 'bob' })).map((a) => a.id),
        ['paper'],
      );
      assert.deepEqual((await listAccounts(ledger, { owner: 'alice' })).map((a) => a.id).sort(), [account.id, 'paper'].sort());
      assert.deepEqual(
        (await listSyncStates(ledger, { owner: 'bob' })).map((s) => s.accountId),
        ['paper'],
      );

      // Alice's objects, asked for by Bob: exactly as missing ones, and nothing changes.
      const before = await snapshot(ledger);
      const bob = { owner: 'bob' };
      await sameAsMissing((id) => showBot(ledger, id, bob), 'a1', 'zz', 'BOT_NOT_FOUND');
      await sameAsMissing((id) => updateBot(ledger, id, { ...CONFIG, entryPrice: '59000' }, bob), 'a1', 'zz', 'BOT_NOT_FOUND');
      await sameAsMissing((id) => stopBot(ledger, id, { ...bob, closePosition: true }), 'a1', 'zz', 'BOT_NOT_FOUND');
      await sameAsMissing((id) => startBot(ledger, id, bob), 'a1', 'zz', 'BOT_NOT_FOUND');
      await sameAsMissing((id) => deleteBot(ledger, id, bob), 'a1', 'zz', 'BOT_NOT_FOUND');
      for (const ref of [aliceOrder.id, aliceOrder.clientOrderId]) {
        await sameAsMissing((id) => findOrder(ledger, id, bob), ref, 'zz', 'ORDER_NOT_FOUND');
        await sameAsMissing((id) => showOrder(ledger, id, bob), ref, 'zz', 'ORDER_NOT_FOUND');
        await sameAsMissing((id) => retryOrder(ledger, id, 'api:bob', bob), ref, 'zz', 'ORDER_NOT_FOUND');
        await sameAsMissing((id) => dropOrder(ledger, id, 'api:bob', bob), ref, 'zz', 'ORDER_NOT_FOUND');
        await sameAsMissing((id) => assertFailedOrderAction(ledger, id, 'retry', bob), ref, 'zz', 'ORDER_NOT_FOUND');
        await sameAsMissing((id) => listEvents(ledger, { order: id, ...bob }), ref, 'zz', 'ORDER_NOT_FOUND');
      }
      await sameAsMissing((id) => showPosition(ledger, id, bob), alicePosition.id, 'zz', 'POSITION_NOT_FOUND');
      await sameAsMissing((id) => assertPositionOpen(ledger, id, bob), alicePosition.id, 'zz', 'POSITION_NOT_FOUND');
      await sameAsMissing((id) => closePosition(ledger, id, { actor: 'api:bob', ...bob }), alicePosition.id, 'zz', 'POSITION_NOT_FOUND');
      await sameAsMissing((id) => findAccount(ledger, id, bob), account.id, 'zz', 'ACCOUNT_NOT_FOUND');
      await sameAsMissing((id) => deleteAccount(ledger, id, bob), account.id, 'zz', 'ACCOUNT_NOT_FOUND');
      await sameAsMissing((id) => syncNow(ledger, { account: id, ...bob }), account.id, 'zz', 'ACCOUNT_NOT_FOUND');
      assert.deepEqual(
        { ...(await summarizeBot(ledger, 'a1', bob)), id: 'zz' },
        await summarizeBot(ledger, 'zz', bob),
        "a summary of Alice's bot is a missing bot's",
      );
      assert.equal(await snapshot(ledger), before, 'nothing changed');

      // Alice reaches her own; the shared paper account is hers to see and sync, not to delete.
      assert.equal((await showBot(ledger, 'a1', { owner: 'alice' })).bot.userId, 'alice');
      assert.equal((await showOrder(ledger, aliceOrder.id, { owner: 'alice' })).order.id, aliceOrder.id);
      assert.equal((await showPosition(ledger, alicePosition.id, { owner: 'alice' })).position.id, alicePosition.id);
      const synced = await syncNow(ledger, { owner: 'alice' });
      assert.ok(synced.report.discrepancies.every((d) => d.botId === 'a1'));
      await assert.rejects(deleteAccount(ledger, 'paper', { owner: 'alice' }), { code: 'ACCOUNT_SHARED' });
      const stopped = await stopBot(ledger, 'a1', { owner: 'alice' });
      assert.equal(stopped.bot.status, 'stopped');
      assert.equal((await showBot(ledger, 'b1', { owner: 'bob' })).bot.status, 'active', "Bob's bot untouched");
    } finally {
      await ledger.close();
    }
  });

  test('exchange accounts: credentials stored encrypted (never in clear, never returned), key file 0600, in-use and shared accounts refused', async () => {
    const { url, dialect } = await target.create();
    const ledger = await open(url, tempDir());
    const savedKey = process.env.BOTLEDGER_SECRET_KEY;
    delete process.env.BOTLEDGER_SECRET_KEY;
    try {
      await insertUser(ledger.database.db, { id: 'alice', name: 'alice', createdAt: new Date().toISOString() });
      const view = await createAccount(ledger, {
        owner: 'alice',
        name: 'main',
        exchange: 'binance',
        credentials: { apiKey: API_KEY, secret: SECRET, password: 'pass-phrase-9' },
      });
      assert.deepEqual(Object.keys(view).sort(), [
        'createdAt',
        'exchange',
        'hasCredentials',
        'id',
        'name',
        'sandbox',
        'shared',
        'updatedAt',
      ]);
      assert.equal(view.hasCredentials, true);
      assert.equal(JSON.stringify(await listAccounts(ledger, { owner: 'alice' })).includes(SECRET), false);
      // The table holds neither the secret, nor the API key, nor the password, in clear.
      const table = JSON.stringify((await sql.raw('select * from exchange_accounts').execute(ledger.database.db)).rows);
      for (const clear of [SECRET, API_KEY, 'pass-phrase-9']) assert.equal(table.includes(clear), false, `${clear} not in the table`);
      const row = await ledger.database.db
        .selectFrom('exchange_accounts')
        .select('credentials_ref')
        .where('id', '=', view.id)
        .executeTakeFirstOrThrow();
      assert.match(String(row.credentials_ref), /^aes-256-gcm:v1:/);
      // The key file: in the data folder (the SQLite file's folder), mode 0600; it decrypts them back, for this account only.
      const dir = secretKeyDirFor(ledger.database.target);
      if (dialect === 'sqlite') assert.equal(dir, dirname(url.slice('sqlite:'.length)));
      else assert.equal(dir, process.env[DATA_DIR_ENV]);
      assert.equal(statSync(join(dir, SECRET_KEY_FILE)).mode & 0o777, 0o600);
      const key = loadSecretKey(secretKeyDirFor(ledger.database.target));
      assert.deepEqual(decryptCredentials(key, view.id, String(row.credentials_ref)), {
        apiKey: API_KEY,
        secret: SECRET,
        password: 'pass-phrase-9',
      });
      assert.throws(() => decryptCredentials(key, 'another-account', String(row.credentials_ref)));

      // Bad input: named field, the secret never echoed, nothing stored.
      const count = async () => (await listAccounts(ledger)).length;
      const accounts = await count();
      for (const [input, field] of [
        [{ name: '', exchange: 'binance', credentials: { apiKey: 'k', secret: SECRET } }, 'name'],
        [{ name: 'x', exchange: 'Binance!', credentials: { apiKey: 'k', secret: SECRET } }, 'exchange'],
        [{ name: 'x', exchange: 'binance', credentials: { apiKey: 'k' } }, 'credentials.secret'],
        [{ name: 'x', exchange: 'binance', credentials: { apiKey: 'k', secret: SECRET, token: SECRET } }, 'credentials.token'],
        [{ name: 'x', exchange: 'binance', credentials: { apiKey: 'k', secret: `${SECRET}\u0000` } }, 'credentials.secret'],
        [{ name: 'x', exchange: 'binance', sandbox: 'yes', credentials: { apiKey: 'k', secret: SECRET } }, 'sandbox'],
      ] as const) {
        await assert.rejects(
          createAccount(ledger, { owner: 'alice', ...(input as object) } as never),
          (error: Error & { code?: string; details?: { field?: string } }) => {
            assert.equal(error.code, 'INVALID_FIELD');
            assert.equal(error.details?.field, field);
            assert.equal(error.message.includes(SECRET), false);
            return true;
          },
        );
      }
      assert.equal(await count(), accounts, 'nothing stored');

      // An account a bot trades on cannot be deleted; the shared paper account neither.
      await createBot(ledger, { id: 'a1', pluginId: 'scalper', symbol: SYMBOL, config: CONFIG, userId: 'alice' });
      await ledger.database.db.updateTable('bots').set({ exchange_account_id: view.id }).where('id', '=', 'a1').execute();
      await assert.rejects(deleteAccount(ledger, view.id, { owner: 'alice' }), { code: 'ACCOUNT_IN_USE' });
      await assert.rejects(deleteAccount(ledger, 'paper'), { code: 'ACCOUNT_SHARED' });
      await ledger.database.db.updateTable('bots').set({ exchange_account_id: 'paper' }).where('id', '=', 'a1').execute();
      assert.equal((await deleteAccount(ledger, view.id, { owner: 'alice' })).id, view.id);
      assert.deepEqual(
        (await listAccounts(ledger, { owner: 'alice' })).map((a) => a.id),
        ['paper'],
      );
    } finally {
      if (savedKey !== undefined) process.env.BOTLEDGER_SECRET_KEY = savedKey;
      await ledger.close();
    }
  });
});
