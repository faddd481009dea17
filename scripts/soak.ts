/**
 * The soak (issue 6): `botledger run`'s loop (the app's runSteps, which the command runs too) for
 * several minutes with 12 scalper bots, on a price walk driven through the paper exchange's
 * control surface that crosses every bot's stop-loss several times. It checks that every step
 * finishes in bounded time and that no bot places more orders in any 60 s than its protection
 * allows, prints its figures, and exits 1 when a check fails. Not part of `npm test`.
 *
 *   npm run soak                       # 5 minutes, SQLite in a temporary folder
 *   npm run soak -- --minutes 1        # shorter
 *   npm run soak -- --db postgres://postgres@127.0.0.1:5432/soak   # an existing, empty database
 *
 * The walk: 60000 + 1500 x sin(2 pi t / period) + seeded noise of up to 8, with four periods in
 * the run, so each stop-loss (59100 to 59540) is crossed downwards and upwards four times, and the
 * noise makes the price hover around each stop-loss on the way (the whipsaw protections exist for).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProtectionStop, protectionLimits } from '../src/domain/bot/protections.ts';
import { Decimal, formatDecimal } from '../src/domain/money.ts';
import { createBot, listBots } from '../src/app/bots.ts';
import { openLedger } from '../src/app/open-ledger.ts';
import { listOrders } from '../src/app/orders.ts';
import { runSteps } from '../src/app/runs.ts';
import { countEvents } from '../src/storage/repositories/events.ts';
import { Prng } from '../src/exchange/paper/prng.ts';

const SYMBOL = 'BTC/USDT';
const BOTS = 12;
/** A step (price move, plugin ticks, retries, reconciliation, settling) must end within this. */
const STEP_BOUND_MS = 5_000;
const MID = 60_000;
const AMPLITUDE = 1_500;
const NOISE = 8;
const PERIODS = 4;

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
}

const minutes = Number(flag('--minutes') ?? '5');
if (!(minutes > 0) || minutes > 24 * 60) {
  console.error(`--minutes must be a number above 0, got ${flag('--minutes')}`);
  process.exit(2);
}

/**
 * Bot i: entry 59800 - 40 i, take-profit 150 above, stop-loss 300 + 20 i below: from 59100 to 59540.
 * Even bots keep the default protections (the whipsaw around their stop-loss stops them after five
 * losing round trips); odd bots allow a million losses in a row, so they trade through every
 * crossing of the whole soak, held only by the scalper's re-entry rule and the orders-per-minute
 * protection. Without them the run would end once the protections had stopped every bot.
 */
function botConfig(i: number) {
  const entry = 59_800 - 40 * i;
  const config = {
    amount: '0.01',
    entryPrice: String(entry),
    takeProfitPrice: String(entry + 150),
    stopLossPrice: String(entry - 300 - 20 * i),
  };
  return i % 2 === 1 ? { ...config, protections: { maxConsecutiveLosses: 1_000_000 } } : config;
}

/** A seeded draw in [0, 1): the paper exchange's mulberry32, so every run draws the same sequence. */
function prng(seed: number): () => number {
  const generator = new Prng(seed);
  return () => generator.nextUnit();
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Most orders made within any 60 s window. */
function maxPerMinute(createdAt: readonly string[]): number {
  const times = createdAt.map((at) => Date.parse(at)).sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= 60_000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'botledger-soak-'));
  const url = flag('--db') ?? `sqlite:${join(dir, 'soak.db')}`;
  const ledger = await openLedger({
    url,
    migrate: true,
    venue: { dir, seed: 11, markets: { [SYMBOL]: { startPrice: String(MID), tickSize: '0.01', volatility: '0.001', spread: '0' } } },
  });
  const { runtime, paper } = ledger.venue as NonNullable<typeof ledger.venue>;
  const interrupt = new AbortController();
  process.on('SIGINT', () => interrupt.abort());
  try {
    for (let i = 0; i < BOTS; i++) await createBot(ledger, { id: `soak${i + 1}`, pluginId: 'scalper', symbol: SYMBOL, config: botConfig(i) });

    const durationMs = minutes * 60_000;
    const started = Date.now();
    const period = durationMs / PERIODS;
    const noise = prng(11);
    const prices: number[] = [];
    const stepMs: number[] = [];
    let failures = 0;
    console.error(`soak: ${BOTS} scalper bots on ${SYMBOL} for ${minutes} min (${url.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL'}) ...`);
    const steps = await runSteps(ledger, [SYMBOL], {
      ticks: Number.POSITIVE_INFINITY,
      until: started + durationMs,
      signal: interrupt.signal,
      move: () => {
        const t = Date.now() - started;
        const raw = MID + AMPLITUDE * Math.sin((2 * Math.PI * t) / period) + (noise() * 2 - 1) * NOISE;
        const price = Math.round(raw * 100) / 100;
        prices.push(price);
        paper.control.setPrice(SYMBOL, formatDecimal(new Decimal(price).toFixed(2)));
      },
      onStep: (number, report, ms) => {
        stepMs.push(ms);
        failures += report.failures.length;
        if (number % 500 === 0) console.error(`  step ${number}, ${Math.round((Date.now() - started) / 1000)} s, price ${prices.at(-1)}`);
      },
    });
    await runtime.stop();

    const bots = await listBots(ledger);
    const perBot: { id: string; orders: number; maxPerMinute: number; limit: number; crossings: number; status: string; stopReason: string | null }[] = [];
    for (const bot of bots) {
      const createdAt: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await listOrders(ledger, { botId: bot.id }, { limit: 1000, cursor });
        createdAt.push(...page.items.map((order) => order.createdAt));
        cursor = page.nextCursor;
      } while (cursor);
      const stopLoss = Number(bot.config.stopLossPrice);
      let crossings = 0;
      for (let i = 1; i < prices.length; i++) if (prices[i - 1] > stopLoss !== prices[i] > stopLoss) crossings++;
      perBot.push({
        id: bot.id,
        orders: createdAt.length,
        maxPerMinute: maxPerMinute(createdAt),
        limit: protectionLimits(bot.config).maxOrdersPerMinute,
        crossings,
        status: bot.status,
        stopReason: bot.stopReason,
      });
    }
    const sorted = [...stepMs].sort((a, b) => a - b);
    const stoppedByProtection = perBot.filter((b) => isProtectionStop(b.stopReason));
    const elapsedMinutes = Math.round(((Date.now() - started) / 60_000) * 100) / 100;
    const figures = {
      minutes,
      elapsedMinutes,
      steps,
      stepMs: {
        p50: Math.round(percentile(sorted, 50) * 10) / 10,
        p99: Math.round(percentile(sorted, 99) * 10) / 10,
        max: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
      },
      ordersPerBotMaxPerMinute: Math.max(...perBot.map((b) => b.maxPerMinute)),
      orders: perBot.reduce((total, b) => total + b.orders, 0),
      stopLossCrossingsPerBotMin: Math.min(...perBot.map((b) => b.crossings)),
      botsStoppedByProtections: stoppedByProtection.length,
      botsActiveAtTheEnd: perBot.filter((b) => b.status === 'active').length,
      eventsWritten: await countEvents(ledger.database.db),
      stepFailures: failures,
    };
    const checks: [string, boolean][] = [
      [`every step ended within ${STEP_BOUND_MS} ms (max ${figures.stepMs.max} ms)`, figures.stepMs.max <= STEP_BOUND_MS],
      [
        `no bot placed more orders in any 60 s than its protection allows (max ${figures.ordersPerBotMaxPerMinute})`,
        perBot.every((b) => b.maxPerMinute <= b.limit),
      ],
      [
        `the walk crossed every bot's stop-loss several times (at least ${figures.stopLossCrossingsPerBotMin})`,
        figures.stopLossCrossingsPerBotMin >= 4,
      ],
      [
        `the soak ran its whole ${minutes} min (${elapsedMinutes} min; not interrupted, not ended early)`,
        !interrupt.signal.aborted && elapsedMinutes >= minutes * 0.99,
      ],
      [`bots that allow the losses still trade at the end (${figures.botsActiveAtTheEnd} active)`, figures.botsActiveAtTheEnd > 0],
    ];
    console.log(JSON.stringify(figures, null, 2));
    for (const b of perBot)
      console.log(
        `${b.id}: ${b.orders} orders, max ${b.maxPerMinute}/min (limit ${b.limit}), stop-loss crossed ${b.crossings} times, ${b.status}${b.stopReason ? `: ${b.stopReason}` : ''}`,
      );
    for (const [what, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await ledger.close();
    if (!flag('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
