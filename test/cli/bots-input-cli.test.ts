/**
 * Issue 6, defects 2 and 9, as a user meets them: `botledger bots create|update` check every value
 * before anything is stored (exit 2 naming the flag or config field, no table changes), `run` goes
 * on when one stored bot cannot run, and `bots update` refuses to sell an open position at once at
 * a loss without --yes and shows the orders it cancelled and placed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBot } from '../../src/domain/bot/bot.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { UnitOfWork } from '../../src/storage/unit-of-work.ts';
import { createTestPostgresDatabase } from '../support/postgres.ts';
import { type CliLedger, cliLedger } from './cli-ledger.ts';

const config = (entryPrice: string, takeProfitPrice: string, extra: Record<string, string> = {}) =>
  JSON.stringify({ amount: '0.01', entryPrice, takeProfitPrice, ...extra });

const create = (l: CliLedger, id: string, json: string, ...extra: string[]) =>
  l.cli('bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', id, '--config', json, ...extra);

/** The reproductions of defect 2 and 9 (first bullet): each exits 2 naming the flag and the field. */
const REFUSED: [string[], RegExp][] = [
  [['--config', config('59950', '60050', { amount: '0.0000000000000000001' })], /--config: .*amount: amount has 19 digits after the point/],
  [['--config', config('123456789012345678901', '123456789012345678902')], /--config: .*entryPrice: entryPrice has 21 digits before the point/],
  [['--config', config('59950', `1${'0'.repeat(39)}`)], /--config: .*takeProfitPrice: takeProfitPrice has 40 digits before the point/],
  [['--config', config('59950', '1e39')], /--config: .*takeProfitPrice: takeProfitPrice must be a decimal string/],
  [['--config', config('59000.001', '60050')], /--config: .*entryPrice: entryPrice 59000\.001 is not on the tick grid of BTC\/USDT \(tick size 0\.01\)/],
  [['--config', JSON.stringify({ amount: '0.00005', entryPrice: '59950', takeProfitPrice: '60050' })], /--config: .*amount x entryPrice = 2\.9975 is below the minimum order value \(notional\) 5/],
  [['--config', config('59950', '60050'), '--ttl', '8640000000000'], /--ttl must be a whole number from 1 to 31536000/],
];

/** `bots create` with good flags, except those in `extra` (flag, value pairs). */
function createArgs(extra: string[]): string[] {
  const flags = new Map([
    ['--plugin', 'scalper'],
    ['--symbol', 'BTC/USDT'],
    ['--id', 'bad'],
    ['--config', config('59950', '60050')],
  ]);
  for (let i = 0; i < extra.length; i += 2) flags.set(extra[i] as string, extra[i + 1] as string);
  return ['bots', 'create', ...[...flags].flat()];
}

describe('bots create and update check their input [sqlite]', () => {
  const l = cliLedger();

  test('every refused value exits 2 naming the flag and field, and no table changes (defect 2)', async () => {
    assert.equal((await l.cli('bots', 'list', '--migrate')).code, 0);
    const before = await l.counts();
    const cases: [string[], RegExp][] = [
      ...REFUSED,
      [['--symbol', 'DOGE/USDT'], /--symbol: symbol "DOGE\/USDT" is not a market of Paper exchange; its markets: BTC\/USDT, ETH\/USDT/],
    ];
    for (const [extra, message] of cases) {
      const result = await l.cli(...createArgs(extra));
      assert.equal(result.code, 2, `${extra.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, extra.join(' '));
      assert.doesNotMatch(result.stderr, /RangeError|\bprice has\b/, 'the field is named, not the column');
      assert.deepEqual(await l.counts(), before, `${extra.join(' ')}: no table changed`);
    }
    const json = await l.cli(...createArgs(['--config', config('59000.001', '60050')]), '--json');
    assert.equal(json.code, 2);
    const error = JSON.parse(json.stdout).error;
    assert.equal(error.details.flag, '--config');
    assert.equal(error.details.field, 'entryPrice');
  });

  test('run goes on when a stored bot cannot run: that bot is stopped with a reason, the others trade (defect 2)', async () => {
    assert.equal((await create(l, 'good', config('59950', '60050'))).code, 0);
    // A bot as an older botledger stored it: its take-profit can never be placed.
    const database = await openDatabase(l.db);
    try {
      const base = createBot({ id: 'huge-tp', pluginId: 'scalper', symbol: 'BTC/USDT' }, new Date());
      await UnitOfWork.run(database, async (uow) => uow.insertBot({ ...base, config: { amount: '0.01', entryPrice: '61000', takeProfitPrice: `1${'0'.repeat(39)}`, repeat: true } }));
    } finally {
      await database.close();
    }
    const run = await l.cli('run', '--ticks', '5', '--json');
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.ticks, 5, 'every step ran');
    assert.deepEqual(summary.errors, []);
    const bots = Object.fromEntries(summary.bots.map((bot: any) => [bot.id, bot.status]));
    assert.deepEqual(bots, { good: 'active', 'huge-tp': 'stopped' });
    const shown = JSON.parse((await l.cli('bots', 'show', 'huge-tp', '--json')).stdout);
    assert.match(shown.bot.stopReason, /^Bot cannot run: config for plugin "scalper" is invalid: takeProfitPrice: takeProfitPrice has 40 digits before the point/);
  });

  test('update: a take-profit below the market is refused without --yes (exit 4, nothing changed), and shows what it cancelled and placed (defect 9)', async () => {
    // The entry at 61000 crosses the 60000 market: bought at once at 60000; the take-profit at 62000 rests.
    await l.withVenue((paper) => paper.control.setPrice('BTC/USDT', '60000'));
    const created = await create(l, 'tp', config('61000', '62000'), '--json');
    assert.equal(created.code, 0, created.stderr);
    await l.withVenue((paper) => paper.control.setPrice('BTC/USDT', '59800'));
    const lower = config('59000', '59700');
    // That move also filled bot good's entry at the venue while no botledger listened: the next
    // command that opens the venue records it first (reconciliation at start, issue 6 defect 6).
    // So the tables are counted after one such command (this same refused update).
    assert.equal((await l.cli('bots', 'update', 'tp', '--config', lower)).code, 4);
    const before = await l.counts();
    const refused = await l.cli('bots', 'update', 'tp', '--config', lower);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(
      refused.stderr,
      /the new config of bot tp sells its open position at a loss: a limit sell at 59700 of 0\.01 would execute at once at about 59800 \(the bid\), below the 60000 it was bought at: a loss of about 2 before fees\. Nothing was changed; pass --yes to update anyway\./,
    );
    assert.deepEqual(await l.counts(), before, 'refused: no table changed');

    const confirmed = await l.cli('bots', 'update', 'tp', '--config', lower, '--yes', '--json');
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stderr, /warning: the new config of bot tp sells its open position at a loss: .*; updating anyway \(--yes\)/);
    const doc = JSON.parse(confirmed.stdout);
    assert.deepEqual(doc.cancelled.map((o: any) => [o.intent, o.price, o.status, o.cancellationReason]), [['exit', '62000', 'cancelled', 'UPDATE']]);
    assert.deepEqual(
      doc.placed.map((o: any) => [o.intent, o.price, o.status]).sort(),
      [
        ['entry', '59000', 'pending'],
        ['exit', '59700', 'closed'],
      ],
    );
    const text = await l.cli('bots', 'update', 'tp', '--config', config('58000', '59000'));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /cancelled \(UPDATE\):\nid\s+client order id.*\n-[- ]+\n\S+\s+bl-tp-\w+\s+tp\s+entry\s+buy\s+limit\s+59000\s+.*cancelled\s+UPDATE/);
    assert.match(text.stdout, /placed:\nid\s+client order id.*\n-[- ]+\n\S+\s+bl-tp-\w+\s+tp\s+entry\s+buy\s+limit\s+58000\s+.*pending/);
  });
});

describe('bots create checks its input [postgres]', async () => {
  const database = await createTestPostgresDatabase();
  if (!database) {
    if (process.env.CI === 'true') throw new Error('PostgreSQL is unavailable under CI');
    console.log('# SKIPPED: PostgreSQL unavailable, the bots input CLI tests ran on SQLite only');
    return;
  }
  const { after } = await import('node:test');
  after(() => database.drop());

  test('refused values exit 2 naming the field; no table changes', async () => {
    const l = cliLedger(database.url);
    assert.equal((await l.cli('bots', 'list', '--migrate')).code, 0);
    const before = await l.counts();
    for (const [extra, message] of REFUSED.slice(0, 5)) {
      const result = await l.cli(...createArgs(extra));
      assert.equal(result.code, 2, `${extra.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.deepEqual(await l.counts(), before, `${extra.join(' ')}: no table changed`);
    }
    assert.equal((await create(l, 'ok', config('59950', '60050'))).code, 0);
  });
});
