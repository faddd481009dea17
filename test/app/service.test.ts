/**
 * The running service (src/app/service.ts) in process, on both dialects: ready once open, the
 * market moves in real time and the demo bots trade, a broken bot is stopped while the loop and the
 * bots next to it go on, and stop() is idempotent, waits for the step in flight and leaves the
 * ledger closed and equal to its venue.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listBots } from '../../src/app/bots.ts';
import { openLedger } from '../../src/app/open-ledger.ts';
import { startLedgerService, tickMsForSpeed } from '../../src/app/service.ts';
import { PluginRegistry } from '../../src/plugins/plugin-api.ts';
import { SCALPER_PLUGIN } from '../../src/plugins/scalper.ts';
import { countOrdersByStatus } from '../../src/storage/repositories/orders.ts';
import { THROWER_PLUGIN } from '../engine/runtime-fixture.ts';
import { forEachDialect } from '../support/dialects.ts';

const previousDataDir = process.env.BOTLEDGER_DATA_DIR;
after(() => {
  if (previousDataDir === undefined) delete process.env.BOTLEDGER_DATA_DIR;
  else process.env.BOTLEDGER_DATA_DIR = previousDataDir;
});

async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

test('speed gives the pause between market steps; a speed out of range is refused', () => {
  assert.equal(tickMsForSpeed(1), 1000);
  assert.equal(tickMsForSpeed(4), 250);
  assert.equal(tickMsForSpeed(1000), 1);
  for (const bad of [0, -1, 1001, Number.NaN]) assert.throws(() => tickMsForSpeed(bad), RangeError);
});

forEachDialect('the running service', (target) => {
  test('ready, demo bots trade at once, a broken bot is stopped and the loop goes on, stop() is idempotent and closes', {
    timeout: 60_000,
  }, async () => {
    const database = await target.create();
    process.env.BOTLEDGER_DATA_DIR = database.dir;
    const service = await startLedgerService({
      url: database.url,
      migrate: true,
      demo: true,
      tickMs: 20,
      plugins: new PluginRegistry([SCALPER_PLUGIN, THROWER_PLUGIN]),
    });
    const { ledger } = service;
    try {
      assert.deepEqual(await service.readiness(), { ready: true, checks: { database: 'ok', venue: 'connected', migrations: 'current' } });
      assert.deepEqual(service.demoBots, ['demo-btc-tight', 'demo-btc-wide', 'demo-eth']);
      const price = ledger.venue?.paper.control.ticker('BTC/USDT').last;
      await service.ledger.venue?.runtime.bots.create(
        { id: 'broken', pluginId: 'thrower', symbol: 'BTC/USDT', config: { throwOnTick: true } },
        'cli',
      );
      // The demo bots' entries are placed at creation; the market fills them within steps.
      const closed = await eventually(
        'a filled demo order',
        30_000,
        async () => (await countOrdersByStatus(ledger.database.db, {})).closed || undefined,
      );
      assert.ok(closed > 0);
      assert.notEqual(ledger.venue?.paper.control.ticker('BTC/USDT').last, price, 'the market moves');
      const broken = await eventually('the broken bot stopped', 10_000, async () =>
        (await listBots(ledger)).find((b) => b.id === 'broken' && b.status === 'stopped'),
      );
      assert.match(broken.stopReason ?? '', /division by zero in my strategy/);
      const stepsThen = service.steps();
      await eventually('more steps after the broken bot stopped', 10_000, async () => (service.steps() > stepsThen + 5 ? true : undefined));
      assert.equal((await listBots(ledger, 'active')).length, 3, 'the demo bots go on');
    } finally {
      const first = service.stop();
      const second = service.stop();
      await Promise.all([first, second]);
    }
    assert.equal((await service.readiness()).ready, false, 'a stopped service is not ready');
    const steps = service.steps();
    await sleep(100);
    assert.equal(service.steps(), steps, 'no step after stop');

    // Closed, and nothing half-written: reopening reconciles without changing anything; no demo bots twice.
    const lines: string[] = [];
    const again = await startLedgerService({
      url: database.url,
      demo: true,
      tickMs: 20,
      plugins: new PluginRegistry([SCALPER_PLUGIN, THROWER_PLUGIN]),
      onNotice: (line) => lines.push(line),
    });
    try {
      assert.match(lines.join('\n'), /reconciled with the venue at start: \d+ pending order\(s\) checked, 0 changed/);
      assert.deepEqual(again.demoBots, []);
      assert.match(lines.join('\n'), /demo: the ledger has bots already; none created/);
    } finally {
      await again.stop();
    }
  });

  test('a ledger with pending core migrations is refused without migrate, with the advice given', async () => {
    const database = await target.create();
    process.env.BOTLEDGER_DATA_DIR = database.dir;
    await assert.rejects(
      startLedgerService({ url: database.url, migrateAdvice: 'start with --migrate' }),
      (error: { code?: string; message: string }) => error.code === 'MIGRATIONS_PENDING' && /start with --migrate/.test(error.message),
    );
    // Nothing was left open: the database opens for writing at once.
    const ledger = await openLedger({ url: database.url, migrate: true });
    await ledger.close();
  });
});
