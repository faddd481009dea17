/**
 * `npm run bench:api`: the REST API under load over HTTP (autocannon, 32 connections), on SQLite
 * and PostgreSQL with a million orders of one user: GET /api/v1/orders?status=pending&limit=50
 * (target p99 under 20 ms), GET /api/v1/orders/:id, and a write route (PUT /api/v1/bots/:id: a
 * config update that cancels and replaces the bot's order on the paper exchange). Prints p50, p99
 * and requests/s. Stream delivery is measured by `npm run bench:stream`.
 *
 * Flags: --dialect sqlite,postgres  --orders 1000000  --seconds 10  --connections 32
 */
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { buildServerApp } from '../src/api/server-app.ts';
import { createBot } from '../src/app/bots.ts';
import { openLedger } from '../src/app/open-ledger.ts';
import { findUser, issueApiToken } from '../src/app/users.ts';
import type { DialectName } from '../src/storage/database.ts';
import { benchPostgresServer, createBenchDatabase } from './bench-database.ts';
import { BENCH_SYMBOL, seedOrderHistory } from './seed-orders.ts';

interface Flags {
  dialects: DialectName[];
  orders: number;
  seconds: number;
  connections: number;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { dialects: ['sqlite', 'postgres'], orders: 1_000_000, seconds: 10, connections: 32 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--dialect') flags.dialects = value.split(',') as DialectName[];
    else if (flag === '--orders') flags.orders = Number(value);
    else if (flag === '--seconds') flags.seconds = Number(value);
    else if (flag === '--connections') flags.connections = Number(value);
    else throw new Error(`unknown flag ${flag} (known: --dialect, --orders, --seconds, --connections)`);
  }
  return flags;
}

const SYMBOL = BENCH_SYMBOL;

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  readonly errors: number;
}

async function load(url: string, token: string, flags: Flags, request: autocannon.Request): Promise<Figures> {
  process.stderr.write(`  ${request.method} ${request.path ?? '(varied)'} ...\n`);
  const result = await autocannon({
    url,
    connections: flags.connections,
    duration: flags.seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [request],
  });
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, errors: result.non2xx + result.errors };
}

async function benchDialect(dialect: DialectName, flags: Flags, serverUrl?: string): Promise<void> {
  const database = await createBenchDatabase(dialect, 'api', serverUrl);
  const ledger = await openLedger({
    url: database.url,
    migrate: true,
    venue: { seed: 1, dir: database.dir },
    syncAtStart: false,
    syncEveryMs: 0,
  });
  try {
    const admin = await findUser(ledger, 'admin');
    const { token } = await issueApiToken(ledger, admin.id, { name: 'bench', scopes: ['read', 'trade', 'admin'] });
    const bots = Array.from({ length: flags.connections }, (_, i) => `w${i}`);
    for (const id of bots)
      await createBot(ledger, {
        id,
        pluginId: 'scalper',
        symbol: SYMBOL,
        config: { amount: '0.01', entryPrice: '50000', takeProfitPrice: '70000' },
        userId: admin.id,
      });
    const started = Date.now();
    const sample = await seedOrderHistory(ledger, admin.id, flags.orders);
    process.stderr.write(
      `${dialect}: ${flags.orders.toLocaleString('en')} orders seeded in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
    const app = await buildServerApp({ ledger });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    let next = 0;
    const rows: [string, Figures][] = [];
    rows.push([
      'GET /orders?status=pending&limit=50',
      await load(url, token, flags, { method: 'GET', path: '/api/v1/orders?status=pending&limit=50' }),
    ]);
    rows.push([
      'GET /orders/:id',
      await load(url, token, flags, {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: `/api/v1/orders/${sample[next++ % sample.length]}` }),
      }),
    ]);
    rows.push([
      'PUT /bots/:id (config update)',
      await load(url, token, flags, {
        method: 'PUT',
        setupRequest: (request) => {
          const n = next++;
          const entry = 50_000 + (n % 50);
          return {
            ...request,
            path: `/api/v1/bots/${bots[n % bots.length]}`,
            body: JSON.stringify({ config: { amount: '0.01', entryPrice: String(entry), takeProfitPrice: '70000' } }),
          };
        },
      }),
    ]);
    await app.close();
    console.log(`\n${dialect}, ${flags.orders.toLocaleString('en')} orders, ${flags.connections} connections, ${flags.seconds} s each`);
    console.log('| route | p50 ms | p99 ms | requests/s | non-2xx |');
    console.log('|---|---|---|---|---|');
    for (const [route, f] of rows) console.log(`| ${route} | ${f.p50} | ${f.p99} | ${Math.round(f.rps)} | ${f.errors} |`);
  } finally {
    await ledger.close();
    await database.drop();
  }
}

const flags = parseFlags(process.argv.slice(2));
for (const dialect of flags.dialects) {
  if (dialect === 'postgres') {
    const server = await benchPostgresServer();
    if ('error' in server) {
      console.log(`postgres: skipped, ${server.error}`);
      continue;
    }
    await benchDialect(dialect, flags, server.url);
  } else await benchDialect(dialect, flags);
}
