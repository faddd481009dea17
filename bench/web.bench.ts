/**
 * `npm run bench:web`: the dashboard's Orders page over a million orders, as a person sees it: a
 * real `botledger serve` on a ledger seeded with 1,000,000 orders of one user (bench/seed-orders.ts,
 * finished ones: serve reconciles every pending order with the venue at start), Debian's Chromium
 * logged in through the login page. Measured in the browser (performance.now(), from the
 * navigation's start or the click):
 * - navigation to /orders, and to /orders?status=closed (the status with most rows), until the
 *   first rows are visible (target under 1 s);
 * - a click on Next until the next page's rows replaced the previous ones (target under 0.5 s);
 * - GET /api/v1/orders/counts (the tabs' counts) and GET /api/v1/orders?limit=50 alone, over HTTP.
 * Prints p50/p95/max of each, and where the time of one navigation goes (document, script, API
 * requests); never asserts on time.
 *
 * Flags: --dialect sqlite|postgres (default sqlite)  --orders 1000000  --rounds 10  --nexts 3
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { openLedger } from '../src/app/open-ledger.ts';
import { findUser, issueApiToken, updateUser } from '../src/app/users.ts';
import type { DialectName } from '../src/storage/database.ts';
import { BIN, ensureBuilt } from '../test/cli/cli-support.ts';
import { benchPostgresServer, createBenchDatabase } from './bench-database.ts';
import { FINISHED_STATUS_CYCLE, seedOrderHistory } from './seed-orders.ts';

// Browser globals of the functions run in the page (the Node tsconfig has no DOM types).
declare const document: any;
declare const performance: { now(): number };
declare const window: any;

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHROMIUM = process.env.BOTLEDGER_CHROMIUM ?? '/usr/bin/chromium';
const PASSWORD = 'bench-web-password';
const ROWS = 'table[aria-label$=" orders"] tbody tr';

interface Flags {
  dialect: DialectName;
  orders: number;
  rounds: number;
  nexts: number;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { dialect: 'sqlite', orders: 1_000_000, rounds: 10, nexts: 3 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--postgres') {
      flags.dialect = 'postgres';
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--dialect') flags.dialect = value as DialectName;
    else if (flag === '--orders') flags.orders = Number(value);
    else if (flag === '--rounds') flags.rounds = Number(value);
    else if (flag === '--nexts') flags.nexts = Number(value);
    else throw new Error(`unknown flag ${flag} (known: --dialect sqlite|postgres, --postgres, --orders, --rounds, --nexts)`);
  }
  return flags;
}

/** `botledger serve` on the seeded ledger; resolves with its base URL once it serves. */
async function serve(url: string, dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, BOTLEDGER_DATA_DIR: dataDir };
  delete env.BOTLEDGER_DB;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', url], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 5 minutes:\n${output}`)), 300_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const port = /botledger serving http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${port}` });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
}

function figures(samples: readonly number[]): { p50: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

/** Milliseconds from the navigation's start until the first order row is in the page. */
async function timeNavigation(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction((rows) => (document.querySelector(rows) ? performance.now() : false), ROWS, { polling: 'raf', timeout: 30_000 });
  return Number(await handle.jsonValue());
}

/** Milliseconds from a click on Next until the next page's rows replaced the shown ones (not the kept previous page). */
async function timeNext(page: Page): Promise<number> {
  const before = await page.locator(ROWS).first().getAttribute('data-row-id');
  await page.evaluate(() => {
    window.__nextClickedAt = performance.now();
    document.querySelector('button[name=next]').click();
  });
  const handle = await page.waitForFunction(
    ({ rows, before }) => {
      const first = document.querySelector(rows);
      const fresh = first && first.getAttribute('data-row-id') !== before && !document.querySelector('.orders-list.stale');
      return fresh ? performance.now() - window.__nextClickedAt : false;
    },
    { rows: ROWS, before },
    { polling: 'raf', timeout: 30_000 },
  );
  return Number(await handle.jsonValue());
}

async function timeRequest(base: string, token: string, path: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return performance.now() - started;
}

async function bench(flags: Flags, serverUrl?: string): Promise<void> {
  ensureBuilt();
  const web = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { encoding: 'utf8', cwd: ROOT });
  if (web.status !== 0) throw new Error(`npm run build:web failed:\n${web.stdout}\n${web.stderr}`);
  const database = await createBenchDatabase(flags.dialect, 'web', serverUrl);
  let server: ChildProcess | undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const ledger = await openLedger({ url: database.url, migrate: true, venue: { seed: 1, dir: database.dir }, syncAtStart: false, syncEveryMs: 0 });
    let token: string;
    const started = Date.now();
    try {
      const admin = await findUser(ledger, 'admin');
      token = (await issueApiToken(ledger, admin.id, { name: 'bench-web', scopes: ['read', 'trade', 'admin'] })).token;
      await updateUser(ledger, admin.id, { password: PASSWORD });
      await seedOrderHistory(ledger, admin.id, flags.orders, { cycle: FINISHED_STATUS_CYCLE });
    } finally {
      await ledger.close();
    }
    process.stderr.write(`${flags.dialect}: ${flags.orders.toLocaleString('en')} orders seeded in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    const served = await serve(database.url, database.dir);
    server = served.child;
    const { base } = served;

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByRole('navigation', { name: 'sections' })
      .waitFor({ timeout: 15_000 })
      .catch(async (error) => {
        throw new Error(`login failed: ${(await page.locator('body').innerText()).slice(0, 500)}`, { cause: error });
      });

    const samples: Record<string, number[]> = {};
    const add = (name: string, ms: number) => {
      samples[name] ??= [];
      samples[name].push(ms);
    };
    const views: [string, string][] = [
      ['/orders', 'all'],
      ['/orders?status=closed', 'closed'],
    ];
    // One warm-up navigation (assets into the cache, the server's first queries), not counted.
    await timeNavigation(page, `${base}/orders`);
    for (let round = 0; round < flags.rounds; round++) {
      for (const [path, name] of views) {
        add(`first rows: ${path}`, await timeNavigation(page, `${base}${path}`));
        for (let n = 0; n < flags.nexts; n++) add(`Next page: ${name}`, await timeNext(page));
      }
      add('GET /orders/counts', await timeRequest(base, token, '/orders/counts'));
      add('GET /orders/counts?bot=hist&side=buy', await timeRequest(base, token, '/orders/counts?bot=hist&side=buy'));
      add('GET /orders?limit=50', await timeRequest(base, token, '/orders?limit=50'));
      add('GET /orders?status=closed&limit=50', await timeRequest(base, token, '/orders?status=closed&limit=50'));
      process.stderr.write(`  round ${round + 1}/${flags.rounds}\n`);
    }
    // Where the time of one navigation goes: the document, the script, the list request, the rows.
    const rowsAt = await timeNavigation(page, `${base}/orders`);
    const timeline = (await page.evaluate(() =>
      (performance as any)
        .getEntries()
        .filter((entry: any) => entry.entryType === 'navigation' || entry.entryType === 'resource')
        .map((entry: any) => `${entry.name.replace(/^https?:\/\/[^/]+/, '') || '/'} ${entry.startTime.toFixed(0)}-${entry.responseEnd.toFixed(0)} ms`),
    )) as string[];
    const counts = (await (await fetch(`${base}/api/v1/orders/counts`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      counts: Record<string, number>;
    };
    console.log(`\n${flags.dialect}, ${flags.orders.toLocaleString('en')} orders (${JSON.stringify(counts.counts)}), ${flags.rounds} rounds, Chromium at 1280x800`);
    console.log(`One navigation to /orders (rows in the page at ${rowsAt.toFixed(0)} ms): ${timeline.join('; ')}`);
    console.log('| measurement | samples | p50 ms | p95 ms | max ms | target |');
    console.log('|---|---|---|---|---|---|');
    for (const [name, list] of Object.entries(samples)) {
      const f = figures(list);
      const target = name.startsWith('first rows') ? '< 1000' : name.startsWith('Next') ? '< 500' : '';
      console.log(`| ${name} | ${list.length} | ${f.p50.toFixed(0)} | ${f.p95.toFixed(0)} | ${f.max.toFixed(0)} | ${target} |`);
    }
  } finally {
    await browser.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await database.drop();
  }
}

const flags = parseFlags(process.argv.slice(2));
if (flags.dialect === 'postgres') {
  const server = await benchPostgresServer();
  if ('error' in server) console.log(`postgres: skipped, ${server.error}`);
  else await bench(flags, server.url);
} else await bench(flags);
