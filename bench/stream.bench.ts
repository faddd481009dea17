/**
 * `tsx bench/stream.bench.ts [--clients 100 --rate 2000 --seconds 5]` (SQLite)
 *
 * Stream delivery latency: from a transaction's COMMIT (when the storage unit of work publishes it)
 * to its arrival at each of `clients` WebSocket clients, while events are committed at `rate` per
 * second (in 10 ms transactions). Target (issue 9): p99 under 50 ms for 100 clients at 2,000
 * events/s. The clients run in this same process, so their parsing competes with the server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { buildApp } from '../src/api/build-app.ts';
import type { Principal } from '../src/api/principal.ts';
import { streamPlugin } from '../src/api/stream.ts';
import { openLedger } from '../src/app/open-ledger.ts';
import { commitHubFor } from '../src/storage/committed-changes.ts';
import { readEventsAfter } from '../src/storage/repositories/event-tail.ts';
import { insertEvents } from '../src/storage/repositories/events.ts';
import { writeTransaction } from '../src/storage/sql/executor.ts';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const clients = flag('clients', 100);
const rate = flag('rate', 2000);
const seconds = flag('seconds', 5);
const dir = mkdtempSync(join(tmpdir(), 'stream-bench-'));
writeFileSync(join(dir, 'bench.db'), '');
const ledger = await openLedger({ url: `sqlite:${join(dir, 'bench.db')}`, migrate: true, syncAtStart: false });
const admin: Principal = {
  userId: 'admin',
  username: 'admin',
  role: 'admin',
  scopes: ['read', 'trade', 'admin'],
  tokenId: 't',
  tokenKind: 'personal',
};
const app = await buildApp({ ledger, authenticate: async () => admin, actAs: async () => undefined, plugins: [streamPlugin()] });
await app.listen({ port: 0, host: '127.0.0.1' });
const url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/stream?token=x`;

const committedAt = new Map<string, number>();
const latencies: number[] = [];
let received = 0;
const sockets: WebSocket[] = [];
for (let i = 0; i < clients; i++) {
  const socket = new WebSocket(url);
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'subscribe', topics: ['events'] }));
  socket.on('message', (data) => {
    const text = data.toString();
    // Only the id is needed: a regex is cheaper than parsing 100 copies of every message.
    const id = /"type":"event","id":"(\d+)"/.exec(text)?.[1];
    if (!id) return;
    const at = committedAt.get(id);
    if (at !== undefined) latencies.push(performance.now() - at);
    received++;
  });
  sockets.push(socket);
}
await sleep(500);

const perTick = Math.max(1, Math.round(rate / 100));
const ticks = seconds * 100;
const start = performance.now();
let sent = 0;
for (let tick = 0; tick < ticks; tick++) {
  const at = new Date().toISOString();
  const rows = Array.from({ length: perTick }, (_, i) => ({
    source: 'engine' as const,
    type: 'BenchNote',
    message: `note ${tick}.${i}`,
    payload: { tick, i },
    applied: true,
    at,
  }));
  const ids = await writeTransaction(ledger.database, (q) => insertEvents(q, rows, { ids: true }));
  const events = (await readEventsAfter(ledger.database.db, (BigInt(ids[0]) - 1n).toString(), ids.length)).filter((row) =>
    ids.includes(row.id),
  );
  const now = performance.now();
  for (const id of ids) committedAt.set(id, now);
  commitHubFor(ledger.database).publish({ events, orders: [], fills: [], bots: [], positions: [], trades: [] });
  sent += ids.length;
  const due = start + (tick + 1) * 10;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
}
const elapsed = (performance.now() - start) / 1000;
for (let i = 0; i < 300 && received < sent * clients; i++) await sleep(20);

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1);
console.log(
  `stream, SQLite: ${clients} clients, ${(sent / elapsed).toFixed(0)} events/s for ${elapsed.toFixed(1)} s; ` +
    `delivered ${received}/${sent * clients}; commit -> client p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms (target p99 < 50 ms)`,
);
for (const socket of sockets) socket.terminate();
await app.close();
await ledger.close();
rmSync(dir, { recursive: true, force: true });
