/**
 * `botledger positions`, `positions show`, `positions close` and `bots stop|delete
 * [--close-position]` as a user runs them (`node bin/botledger.js`, the compiled CLI when
 * `npm run build` is current). The fills are made deterministic in this process first: the
 * ledger's own venue file, opened through the application core, with the price set by hand.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createBot } from '../../src/app/bots.ts';
import { type Ledger, openLedger, venueOf } from '../../src/app/open-ledger.ts';
import { listPositions } from '../../src/app/positions.ts';
import { add, mul, sub } from '../../src/domain/money.ts';
import { setStopLoss } from '../../src/domain/position/position.ts';
import { createTestPostgresDatabase } from '../support/postgres.ts';
import { startCli } from './cli-support.ts';
import { cliLedger } from './cli-ledger.ts';

const SYMBOL = 'BTC/USDT';
const CONFIG = { amount: '0.01', entryPrice: '59950', takeProfitPrice: '60050' };

/** A CLI ledger (an empty SQLite file, or the PostgreSQL `url`) and the application core on the same ledger and venue file. */
function positionsLedger(url?: string) {
  const l = cliLedger(url);
  // Reading commands refuse a file that does not exist (database-open-cli.test.ts).
  if (!url) writeFileSync(join(l.dir, 'ledger.db'), '');
  return {
    ...l,
    /** No CLI command may be running meanwhile. */
    async inProcess(work: (ledger: Ledger) => Promise<void>): Promise<void> {
      // The venue dir the CLI uses (BOTLEDGER_DATA_DIR = the test's folder), so both open one venue file.
      const ledger = await openLedger({ url: l.db, migrate: true, venue: { dir: l.dir } });
      try {
        await work(ledger);
        await ledger.settle();
      } finally {
        await ledger.close();
      }
    },
  };
}

type CliLedger = ReturnType<typeof positionsLedger>;

async function move(ledger: Ledger, price: string): Promise<void> {
  venueOf(ledger).paper.control.setPrice(SYMBOL, price);
  await ledger.settle();
}

/** A stop-market sell protecting the bot's position, as the engine's stop-loss manager places it. */
async function protect(ledger: Ledger, botId: string, stopPrice: string): Promise<void> {
  const [position] = (await listPositions(ledger, { botId, status: 'open' }, {})).items;
  assert.ok(position);
  const { execution } = venueOf(ledger).runtime;
  const order = await execution.placeOrder({ botId, side: 'sell', type: 'market', intent: 'stop_loss', amount: position.amount, stopPrice, protective: true }, 'engine');
  await execution.transact(async (uow) => {
    const held = await uow.positions.positionById(position.id);
    if (held) uow.positions.savePosition(held, setStopLoss(held, { stopLossPrice: stopPrice, slOrderId: order.id }, execution.now()));
  });
}

/** Bot `rt` makes one round trip (59950 -> 60050, once); `oc`, `ks`, `cp` and `dl` then hold 0.01 each, `ks` under a stop at 59000. */
async function setUp(l: CliLedger): Promise<void> {
  await l.inProcess(async (ledger) => {
    await createBot(ledger, { id: 'rt', pluginId: 'scalper', symbol: SYMBOL, config: { ...CONFIG, repeat: false } });
    await move(ledger, '59900');
    await move(ledger, '60100');
    for (const id of ['oc', 'ks', 'cp', 'dl']) await createBot(ledger, { id, pluginId: 'scalper', symbol: SYMBOL, config: CONFIG });
    await move(ledger, '59900');
    await protect(ledger, 'ks', '59000');
    await move(ledger, '59500');
  });
}

function suite(name: string, url?: string): void {
  describe(name, () => {
    // Made in the suite's body: its folder lives until the suite ends.
    const l = positionsLedger(url);
    const positionOf = async (botId: string) => (await l.json('positions', '--bot', botId)).positions[0];

    test('a scalper round trip: one closed position, its trade with the exact pnl (fees included)', async () => {
      await setUp(l);
      const closed = (await l.json('positions', '--status', 'closed')).positions;
      assert.equal(closed.length, 1);
      const [trip] = closed;
      assert.equal(trip.botId, 'rt');
      assert.equal(trip.closedAmount, '0.01');
      assert.equal(trip.exitReason, 'Take-profit filled at 60050');
      // 0.01 x (60050 - 59950) = 1, minus 0.1% fees of 599.5 and 600.5.
      assert.equal(trip.realizedPnl, '-0.2');
      const shown = await l.json('positions', 'show', trip.id);
      assert.equal(shown.trade.pnl, '-0.2');
      assert.equal(shown.trade.fees, '1.2');
      assert.equal(shown.trade.exitReason, 'Take-profit filled at 60050');
      assert.equal(shown.stopLoss.state, 'none');
      assert.ok(shown.events.some((e: any) => e.type === 'PositionClosed'));
      assert.equal((await l.json('positions', '--status', 'open')).positions.length, 4);
      assert.equal((await l.json('positions', 'list', '--plugin', 'scalper', '--symbol', SYMBOL)).positions.length, 5);
      const page = await l.json('positions', '--limit', '2');
      assert.equal(page.positions.length, 2);
      assert.equal((await l.json('positions', '--limit', '2', '--cursor', page.nextCursor)).positions.length, 2);
      const table = await l.cli('positions');
      assert.match(table.stdout, /^id\s+bot\s+plugin\s+symbol\s+side\s+amount/);
      assert.match(table.stdout, /rt\s+scalper\s+BTC\/USDT\s+long\s+0\.01\s+59950\s+60050\s+-0\.2\s+1\.2\s+closed/);
      const text = await l.cli('positions', 'show', trip.id);
      assert.match(text.stdout, new RegExp(`^position ${trip.id}: closed long 0\\.01 BTC/USDT`));
      assert.match(text.stdout, /stop-loss: none/);
      assert.match(text.stdout, /exit reason: Take-profit filled at 60050/);
      assert.match(text.stdout, /events:\n.*PositionOpened/s);
    });

    test('bad flags exit 2 naming the flag', async () => {
      const cases: [string[], RegExp][] = [
        [['positions', '--status', 'maybe'], /--status must be one of open, closed/],
        [['positions', '--limit', '0'], /--limit must be a whole number/],
        [['positions', '--symbol', 'btc'], /--symbol must look like BASE\/QUOTE/],
        [['positions', '--cursor', 'garbage'], /--cursor/],
        [['positions', 'close', 'p-x', '--limit', 'cheap'], /--limit must be a price above 0/],
        [['positions', 'show', 'p-ghost'], /position p-ghost does not exist/],
        [['positions', 'close', 'p-ghost'], /position p-ghost does not exist/],
        [['bots', 'stop', 'ks', '--close-positions'], /unknown option '--close-positions'/],
      ];
      const results = await Promise.all(cases.map(([args]) => l.cli(...args)));
      cases.forEach(([args, message], i) => {
        assert.equal(results[i]?.code, 2, `${args.join(' ')}: ${results[i]?.stderr}`);
        assert.match(results[i]?.stderr ?? '', message, args.join(' '));
      });
      const json = JSON.parse((await l.cli('positions', 'close', 'p-ghost', '--json')).stdout);
      assert.equal(json.error.code, 'POSITION_NOT_FOUND');
    });

    test('positions close: at market, "Closed by hand at market (cli)", its trade; a second close exits 4', async () => {
      const position = await positionOf('oc');
      const done = await l.json('positions', 'close', position.id);
      assert.equal(done.position.status, 'closed');
      assert.equal(done.position.exitReason, 'Closed by hand at market (cli)');
      assert.equal(done.order.type, 'market');
      assert.equal(done.order.averagePrice, '59500');
      // Sold at 59500: 0.01 x (59500 - 59950) = -4.5, fees 0.5995 + 0.595.
      assert.equal(done.trade.pnl, '-5.6945');
      assert.equal(done.trade.pnl, sub(mul('0.01', sub('59500', '59950')), add('0.5995', '0.595')));
      assert.equal(done.trade.exitReason, 'Closed by hand at market (cli)');
      const shown = await l.json('positions', 'show', position.id);
      const tp = shown.events.find((e: any) => e.type === 'OrderCancelRequested');
      assert.match(tp?.message ?? '', /REPLACED/, 'its take-profit was replaced by the closing order');
      const again = await l.cli('positions', 'close', position.id);
      assert.equal(again.code, 4, again.stderr);
      assert.match(again.stderr, /error \[POSITION_NOT_OPEN\]: position \S+ is already closed \(Closed by hand at market \(cli\)\)/);
    });

    test('bots stop keeps the stop-loss and says so; delete without one says NOT protected and how to close', async () => {
      const position = await positionOf('ks');
      const stopped = await l.cli('bots', 'stop', 'ks');
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.match(stopped.stdout, new RegExp(`Bot ks stopped; it still holds long 0\\.01 BTC/USDT \\(position ${position.id}\\), protected by its stop-loss at 59000`));
      const shown = await l.json('positions', 'show', position.id);
      assert.equal(shown.position.status, 'open');
      assert.equal(shown.stopLoss.state, 'protected');
      assert.equal(shown.stopLoss.order.status, 'pending', 'the stop order stays at the venue');
      assert.equal(shown.stopLoss.order.cancellationReason, null);
      assert.ok(shown.events.some((e: any) => e.type === 'BotHoldsPosition' && /protected by its stop-loss at 59000/.test(e.message)));
      const tp = (await l.json('orders', 'list', '--bot', 'ks', '--status', 'cancelled')).orders;
      assert.deepEqual(tp.map((o: any) => [o.intent, o.cancellationReason]), [['exit', 'STOP']], 'only the take-profit was taken down');

      const bare = await positionOf('dl');
      const deleted = await l.json('bots', 'delete', 'dl');
      assert.equal(deleted.bot.status, 'deleted');
      assert.equal(
        deleted.positions[0].message,
        `Bot dl deleted; it still holds long 0.01 BTC/USDT (position ${bare.id}), NOT protected: no stop-loss; close it with \`botledger positions close ${bare.id}\``,
      );
      assert.equal(deleted.positions[0].stopLossState, 'none');
    });

    test('bots stop --close-position closes the position at market', async () => {
      const position = await positionOf('cp');
      const stopped = await l.json('bots', 'stop', 'cp', '--close-position');
      assert.equal(stopped.bot.status, 'stopped');
      assert.equal(stopped.positions[0].position.id, position.id);
      assert.equal(stopped.positions[0].position.status, 'closed');
      assert.equal(stopped.positions[0].position.exitReason, 'Closed at market when bot cp was stopped (cli)');
      assert.equal((await l.json('positions', 'show', position.id)).trade.exitReason, 'Closed at market when bot cp was stopped (cli)');
      assert.deepEqual((await l.json('orders', 'list', '--bot', 'cp', '--status', 'pending')).orders, [], 'nothing of the bot left live');
    });

    test('while `run` holds the venue: a close exits 3 (VENUE_IN_USE); refusing a closed position needs no venue', async () => {
      // `oc` is active again (its round trip was closed by hand, and it repeats).
      const running = startCli(['run', '--db', l.db, '--ticks', '100000', '--tick-ms', '500'], l.dir);
      await running.waitFor(/running \d+ bot\(s\)/);
      try {
        const open = await positionOf('ks');
        const busy = await l.cli('positions', 'close', open.id);
        assert.equal(busy.code, 3, busy.stderr);
        assert.match(busy.stderr, /VENUE_IN_USE/);
        const closed = await positionOf('cp');
        const refused = await l.cli('positions', 'close', closed.id);
        assert.equal(refused.code, 4, refused.stderr);
        assert.equal((await l.cli('positions')).code, 0, 'reading works while run holds the venue');
      } finally {
        running.child.kill('SIGINT');
        await running.done;
      }
    });
  });
}

suite('positions from the command line [sqlite]');

describe('positions from the command line [postgres]', async () => {
  const database = await createTestPostgresDatabase();
  if (!database) {
    if (process.env.CI === 'true') throw new Error('PostgreSQL is unavailable under CI');
    console.log('# SKIPPED: PostgreSQL unavailable, the positions CLI ran on SQLite only');
    return;
  }
  const { after } = await import('node:test');
  after(() => database.drop());
  suite('on PostgreSQL', database.url);
});
