import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { ChangeFeed, type FeedChange } from '../../src/app/change-feed.ts';
import { EventLogTail } from '../../src/app/event-log-tail.ts';
import { type CommittedChange, commitHubFor } from '../../src/storage/committed-changes.ts';
import { type BotledgerDatabase, openDatabase } from '../../src/storage/database.ts';
import { insertEvents } from '../../src/storage/repositories/events.ts';
import { writeTransaction } from '../../src/storage/sql/executor.ts';
import { latestEventId, readEventsAfter } from '../../src/storage/repositories/event-tail.ts';
import type { LedgerSchema } from '../../src/storage/schema.ts';
import { type DialectTarget, forEachDialect, postgresTarget } from '../support/dialects.ts';
import { openLedgerDatabase } from '../support/ledger-database.ts';
import { postgresServerUrl } from '../support/postgres.ts';
import { openEngineFixture, SYMBOL, scalperConfig } from '../engine/engine-fixture.ts';

const typed = (database: BotledgerDatabase) => database.db as Kysely<LedgerSchema>;

function entries(count: number, tag: string) {
  return Array.from({ length: count }, (_, i) => ({
    occurredAt: new Date().toISOString(),
    at: new Date().toISOString(),
    source: 'engine' as const,
    type: 'FeedProbe',
    message: `${tag} row ${i}`,
    payload: { tag, n: i },
    applied: true,
  }));
}

/** One committed transaction of `count` rows; returns their ids. Publishes nothing. */
async function commitRows(database: BotledgerDatabase, count: number, tag: string): Promise<string[]> {
  return writeTransaction(database, (q) => insertEvents(q, entries(count, tag), { ids: true }));
}

/** What the storage unit of work does: commit, then publish the committed rows with their ids. */
async function commitAndPublish(database: BotledgerDatabase, count: number, tag: string): Promise<string[]> {
  const ids = await commitRows(database, count, tag);
  publish(database, await committedChange(database, ids));
  return ids;
}

async function committedChange(database: BotledgerDatabase, ids: readonly string[]): Promise<CommittedChange> {
  const from = (BigInt(ids[0]) - 1n).toString();
  const rows = await readEventsAfter(typed(database), from, ids.length + 100);
  return { events: rows.filter((row) => ids.includes(row.id)), orders: [], fills: [], bots: [], positions: [], trades: [] };
}

function publish(database: BotledgerDatabase, change: CommittedChange): void {
  commitHubFor(database).publish(change);
}

async function allIds(database: BotledgerDatabase, after = '0'): Promise<string[]> {
  return (await readEventsAfter(typed(database), after, 10_000)).map((row) => row.id);
}

function deliveredIds(changes: readonly FeedChange[]): string[] {
  return changes.flatMap((change) => change.events.map((event) => event.id));
}

const byNumber = (a: string, b: string) => Number(a) - Number(b);

function runWriter(url: string, count: number, batch: number, tag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'append-events.ts'), url, String(count), String(batch), tag],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${tag} exited ${code}: ${output}`))));
  });
}

forEachDialect('change feed', (target: DialectTarget) => {
  test('from now: each change committed in this process arrives live, in commit order, with its event ids', async () => {
    const database = await openLedgerDatabase(target);
    const got: FeedChange[] = [];
    const subscription = new ChangeFeed(database).subscribe((change) => got.push(change));
    try {
      await commitRows(database, 2, 'before'); // committed before anyone published: not "now"
      const first = await commitAndPublish(database, 2, 'a');
      const second = await commitAndPublish(database, 1, 'b');
      assert.deepEqual(
        got.map((change) => [change.origin, change.lastId, change.events.map((e) => e.id)]),
        [
          ['live', first[1], first],
          ['live', second[0], second],
        ],
      );
      assert.equal(got[0].events[0].message, 'a row 0');
    } finally {
      subscription.stop();
      await database.close();
    }
  });

  test('replay from an id, then live: every id after it exactly once, none lost across the switch', async () => {
    const database = await openLedgerDatabase(target);
    const got: FeedChange[] = [];
    try {
      const before = await commitRows(database, 40, 'old');
      const after = before[9];
      const subscription = new ChangeFeed(database, { pageSize: 4 }).subscribe((change) => got.push(change), { after });
      // Writers commit and publish while the replay is reading.
      const during = (async () => {
        for (let i = 0; i < 20; i++) await commitAndPublish(database, 2, `during-${i}`);
      })();
      await subscription.live;
      await during;
      for (let i = 0; i < 5; i++) await commitAndPublish(database, 3, `after-${i}`);
      subscription.stop();
      const delivered = deliveredIds(got);
      assert.equal(new Set(delivered).size, delivered.length, `an id was delivered twice: ${delivered.join(',')}`);
      assert.deepEqual([...delivered].sort(byNumber), await allIds(database, after));
      assert.deepEqual(
        got
          .filter((change) => change.origin === 'replay')
          .slice(0, 30)
          .map((change) => change.lastId),
        before.slice(10),
      );
      assert.ok(got.at(-1)?.origin === 'live');
    } finally {
      await database.close();
    }
  });

  test('a change committed before the switch and published during the replay is delivered once, whole', async () => {
    const database = await openLedgerDatabase(target);
    const got: FeedChange[] = [];
    try {
      await commitRows(database, 3, 'old');
      const ids = await commitRows(database, 2, 'racing');
      const change = await committedChange(database, ids);
      const subscription = new ChangeFeed(database).subscribe((c) => got.push(c), { after: '0' });
      publish(database, change); // heard while the replay has not read it yet
      await subscription.live;
      publish(database, change); // and again after the switch, as a publish that lagged its commit
      subscription.stop();
      assert.deepEqual(deliveredIds(got), await allIds(database));
      assert.deepEqual(
        got.map((c) => c.origin),
        ['replay', 'replay', 'replay', 'live'],
      );
    } finally {
      await database.close();
    }
  });

  test('a listener that throws is warned about and the feed goes on, in the replay and live', async () => {
    const database = await openLedgerDatabase(target);
    const got: string[] = [];
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const old = await commitRows(database, 3, 'old');
      const subscription = new ChangeFeed(database).subscribe(
        (change) => {
          if (change.lastId === old[0]) throw new Error('listener broke on the first row');
          got.push(change.lastId as string);
        },
        { after: '0' },
      );
      await subscription.live;
      const live = await commitAndPublish(database, 1, 'live');
      subscription.stop();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(got, [old[1], old[2], live[0]]);
      assert.ok(warnings.some((message) => message.includes('listener broke on the first row')));
    } finally {
      process.off('warning', onWarning);
      await database.close();
    }
  });

  test('a second process is tailed to the end: ids strictly increasing, none missing', async () => {
    const database = await openLedgerDatabase(target);
    const abort = new AbortController();
    const guard = setTimeout(() => abort.abort(), 60_000);
    try {
      const writers = Promise.all([runWriter(database.url, 150, 1, 'p1'), runWriter(database.url, 150, 3, 'p2')]);
      const seen: string[] = [];
      const tail = new EventLogTail(typed(database), { pageSize: 25 });
      let done = false;
      writers.then(
        () => {
          done = true;
        },
        () => abort.abort(),
      );
      for await (const event of tail.follow({ intervalMs: 10, signal: abort.signal })) {
        seen.push(event.id);
        if (seen.length === 300) break;
      }
      await writers;
      assert.ok(done);
      for (let i = 1; i < seen.length; i++) assert.ok(BigInt(seen[i]) > BigInt(seen[i - 1]), `id ${seen[i]} after ${seen[i - 1]}`);
      assert.deepEqual(seen, await allIds(database));
      assert.equal(tail.position, seen.at(-1));
    } finally {
      clearTimeout(guard);
      await database.close();
    }
  });

  test('a reader that reconnects from its last id loses nothing and repeats nothing', async () => {
    const first = await openLedgerDatabase(target);
    await commitRows(first, 30, 'first');
    const tail = new EventLogTail(typed(first), { pageSize: 7 });
    const seen = [...(await tail.read()), ...(await tail.read())].map((row) => row.id);
    const stored = tail.position;
    assert.equal(stored, seen.at(-1));
    await first.close(); // the connection drops; the consumer kept `stored`
    const writer = await openDatabase(first.test.url);
    await commitRows(writer, 10, 'meanwhile');
    await writer.close();
    const second = await openDatabase(first.test.url);
    try {
      const resumed = new EventLogTail(typed(second), { after: stored, pageSize: 7 });
      for (let rows = await resumed.read(); rows.length > 0; rows = await resumed.read()) seen.push(...rows.map((row) => row.id));
      assert.equal(new Set(seen).size, seen.length);
      assert.deepEqual(seen, await allIds(second));
      assert.equal(seen.length, 40);
      assert.equal(resumed.position, await latestEventId(typed(second)));
    } finally {
      await second.close();
    }
  });

  test('an id that is not an event_log id is refused, naming it', async () => {
    const database = await openLedgerDatabase(target);
    try {
      assert.throws(() => new EventLogTail(typed(database), { after: '12abc' }), /after must be an event_log id.*"12abc"/);
      await assert.rejects(readEventsAfter(typed(database), '-1', 10), /after must be an event_log id.*"-1"/);
    } finally {
      await database.close();
    }
  });

  test('a bot created and an order placed through the engine reach a subscriber with their event ids', async () => {
    const f = await openEngineFixture(target);
    const got: FeedChange[] = [];
    const subscription = new ChangeFeed(f.caller).subscribe((change) => got.push(change));
    try {
      await f.bots.create({ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const order = await f.execution.placeOrder({
        botId: 'b1',
        side: 'buy',
        type: 'limit',
        intent: 'entry',
        amount: '0.01',
        price: '50000',
      });
      await f.settle();
      assert.ok(got.some((change) => change.bots.some((bot) => bot.id === 'b1') && change.events.length > 0));
      assert.ok(got.some((change) => change.orders.some((o) => o.id === order.id) && change.events.some((e) => e.orderId === order.id)));
      const delivered = deliveredIds(got);
      assert.equal(new Set(delivered).size, delivered.length);
      assert.deepEqual([...delivered].sort(byNumber), await allIds(f.caller));
    } finally {
      subscription.stop();
      await f.close();
    }
  });
});

/** Holds a transaction open after its insert until released: its id is taken, its rows not yet committed. */
function openTransaction(database: BotledgerDatabase, tag: string, outcome: 'commit' | 'rollback' = 'commit') {
  let inserted!: (ids: string[]) => void;
  let release!: () => void;
  const ids = new Promise<string[]>((resolve) => {
    inserted = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const done = writeTransaction(database, async (q) => {
    inserted(await insertEvents(q, entries(1, tag), { ids: true }));
    await released;
    if (outcome === 'rollback') throw new Error('rolled back on purpose');
  }).catch((error: Error) => {
    if (outcome !== 'rollback') throw error;
  });
  return { ids, release, done };
}

describe('event-log gaps [postgres]', async () => {
  if (!(await postgresServerUrl())) return;

  test('a lower id committed after a higher one is not skipped: rows after the gap wait for it', async () => {
    const database = await openLedgerDatabase(postgresTarget);
    try {
      await commitRows(database, 2, 'start');
      let now = 0;
      const tail = new EventLogTail(typed(database), { now: () => now });
      assert.equal((await tail.read()).length, 2);
      const slow = openTransaction(database, 'slow'); // takes the lower id, commits last
      const [low] = await slow.ids;
      const [high] = await commitRows(database, 1, 'fast');
      assert.ok(BigInt(low) < BigInt(high));
      assert.deepEqual(await tail.read(), []);
      assert.equal(tail.holding, true);
      now += 4_000; // within the grace period
      assert.deepEqual(await tail.read(), []);
      slow.release();
      await slow.done;
      assert.deepEqual(
        (await tail.read()).map((row) => row.id),
        [low, high],
      );
      assert.equal(tail.holding, false);
    } finally {
      await database.close();
    }
  });

  test('an id skipped by a rollback is given up after the grace period, and only then', async () => {
    const database = await openLedgerDatabase(postgresTarget);
    try {
      let now = 0;
      const tail = new EventLogTail(typed(database), { gapGraceMs: 1_000, now: () => now });
      const lost = openTransaction(database, 'lost', 'rollback');
      await lost.ids;
      lost.release();
      await lost.done;
      const [kept] = await commitRows(database, 1, 'kept');
      assert.deepEqual(await tail.read(), []);
      now += 999;
      assert.deepEqual(await tail.read(), []);
      now += 1;
      assert.deepEqual(
        (await tail.read()).map((row) => row.id),
        [kept],
      );
    } finally {
      await database.close();
    }
  });

  test('the feed does not switch to live while a lower id is still in flight, and loses neither row', async () => {
    const database = await openLedgerDatabase(postgresTarget);
    const got: FeedChange[] = [];
    try {
      const slow = openTransaction(database, 'slow');
      const [low] = await slow.ids;
      const [high] = await commitRows(database, 1, 'fast');
      const subscription = new ChangeFeed(database, { holdPollMs: 10 }).subscribe((change) => got.push(change), { after: '0' });
      let live = false;
      subscription.live.then(() => {
        live = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(live, false);
      assert.deepEqual(got, []);
      slow.release();
      await slow.done;
      publish(database, await committedChange(database, [low]));
      await subscription.live;
      subscription.stop();
      assert.deepEqual(deliveredIds(got), [low, high]);
    } finally {
      await database.close();
    }
  });
});
