/**
 * `botledger serve` as a user runs it: the compiled server (bin/botledger.js, dist/ built first)
 * on a temporary SQLite database and a free port (`--port 0` prints the real one). It serves and
 * turns ready, --demo bots trade within seconds, SIGTERM stops it cleanly (exit 0, serve.json gone,
 * the ledger equal to its venue), a kill -9 is reconciled at the next start, pending migrations are
 * refused without --migrate, a taken port is PORT_IN_USE, and a newcomer's
 * `serve --migrate --demo` in an empty folder creates data/botledger.db and serves.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../support/dialects.ts';
import { eventually, type Server, startServer, terminate } from '../support/serve-process.ts';
import { ensureBuilt, runCli } from './cli-support.ts';

/** The compiled server, as `npm start` runs it. */
before(() => ensureBuilt());

async function readyz(server: Server): Promise<{ status: number; body: { ready: boolean; checks: Record<string, unknown> } }> {
  const response = await fetch(`${server.base}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; checks: Record<string, unknown> } };
}

/** Orders by status, read from the database file. */
function orderCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('select status, count(*) as n from orders group by status').all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  } finally {
    db.close();
  }
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);


test('serve --migrate --demo: ready at once, orders within seconds, SIGTERM exits 0 with serve.json removed and the ledger equal to its venue', async () => {
  const dir = tempDir();
  const file = join(dir, 'ledger.db');
  const server = await startServer(['--db', `sqlite:${file}`, '--migrate', '--demo'], { dataDir: dir });
  const startedAt = Date.now();

  const ready = await readyz(server);
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { ready: true, checks: { database: 'ok', venue: 'connected', migrations: 'current' } });
  assert.match(server.output(), /demo: created scalper bots demo-btc-tight, demo-btc-wide, demo-eth/);
  const token = /first login: user \S+, one-time token (blt_[A-Za-z0-9_-]{43})/.exec(server.output())?.[1];
  assert.ok(token, `the one-time login token is printed:\n${server.output()}`);
  // The printed token logs in once; the session token it gives reads the demo bots (the first admin's); nothing without a token.
  const login = async () =>
    fetch(`${server.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
  const session = await login();
  assert.equal(session.status, 200);
  const { token: sessionToken } = (await session.json()) as { token: string };
  assert.equal((await login()).status, 401, 'the one-time token works once');
  const bots = await fetch(`${server.base}/api/v1/bots`, { headers: { authorization: `Bearer ${sessionToken}` } });
  assert.equal(bots.status, 200);
  assert.deepEqual(((await bots.json()) as { items: { id: string }[] }).items.map((bot) => bot.id).sort(), [
    'demo-btc-tight',
    'demo-btc-wide',
    'demo-eth',
  ]);
  assert.equal((await fetch(`${server.base}/api/v1/bots`)).status, 401);

  const serveFile = join(dir, 'serve.json');
  const written = JSON.parse(readFileSync(serveFile, 'utf8')) as {
    apiUrl: string;
    pid: number;
    startedAt: string;
    localToken: string | null;
  };
  assert.equal(written.apiUrl, server.base);
  assert.equal(written.pid, server.child.pid);
  assert.ok(!Number.isNaN(Date.parse(written.startedAt)));
  assert.equal(statSync(serveFile).mode & 0o777, 0o600, 'serve.json holds a token: owner only');

  // Orders at once (each bot's entry), and the market moves them: fills within seconds.
  await eventually('an order of a demo bot', 3_000, () => (total(orderCounts(file)) > 0 ? true : undefined));
  const closed = await eventually('a filled order', 20_000, () => orderCounts(file).closed);
  assert.ok(closed > 0);
  process.stderr.write(`# first fill ${Date.now() - startedAt} ms after serving\n`);

  const exit = await terminate(server);
  assert.deepEqual(exit, { code: 0, signal: null }, server.output());
  assert.match(server.output(), /botledger stopped/);
  assert.equal(existsSync(serveFile), false, 'serve.json is removed at stop');

  // Nothing half-written: the next start finds the ledger equal to the venue (nothing to change).
  const again = await startServer(['--db', `sqlite:${file}`], { dataDir: dir });
  assert.match(again.output(), /reconciled with the venue at start: \d+ pending order\(s\) checked, 0 changed/);
  assert.doesNotMatch(again.output(), /did not stop cleanly/);
  assert.equal((await readyz(again)).status, 200);
  assert.equal((await terminate(again)).code, 0);
});

test('after kill -9 the next start replaces the left-over serve.json, reconciles and serves again', async () => {
  const dir = tempDir();
  const file = join(dir, 'ledger.db');
  const first = await startServer(['--db', `sqlite:${file}`, '--migrate', '--demo', '--speed', '10'], { dataDir: dir });
  await eventually('a filled order', 20_000, () => orderCounts(file).closed);
  first.child.kill('SIGKILL');
  await first.exited;
  assert.equal(existsSync(join(dir, 'serve.json')), true, 'a killed server cannot remove serve.json');
  const before = total(orderCounts(file));

  const second = await startServer(['--db', `sqlite:${file}`, '--speed', '10'], { dataDir: dir });
  assert.match(second.output(), /serve\.json of an earlier server \(pid \d+, .*\) was left behind: it did not stop cleanly; replaced/);
  assert.match(second.output(), /reconciled with the venue at start: \d+ pending order\(s\) checked/);
  assert.equal((await readyz(second)).status, 200);
  const written = JSON.parse(readFileSync(join(dir, 'serve.json'), 'utf8')) as { pid: number; apiUrl: string };
  assert.deepEqual([written.pid, written.apiUrl], [second.child.pid, second.base]);
  // The demo bots are not created twice, and they keep trading.
  assert.match(second.output(), /demo|reconciled/);
  await eventually('more orders after the restart', 20_000, () => (total(orderCounts(file)) > before ? true : undefined));
  assert.equal((await terminate(second)).code, 0);
});

test('pending core migrations are refused without --migrate (MIGRATIONS_PENDING, saying what to do); a taken port is PORT_IN_USE', async () => {
  const dir = tempDir();
  const file = join(dir, 'ledger.db');
  const up = await runCli(['migrate', 'up', '--db', `sqlite:${file}`, '--to', '0002', '--yes'], dir);
  assert.equal(up.code, 0, up.stderr);
  const refused = await runCli(['serve', '--db', `sqlite:${file}`, '--port', '0'], dir);
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /error \[MIGRATIONS_PENDING\]: .*needs \d{4}.*serve --migrate/);
  assert.doesNotMatch(refused.stdout, /botledger serving/);

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const taken = await runCli(['serve', '--db', `sqlite:${file}`, '--migrate', '--port', String(port)], dir);
    assert.equal(taken.code, 3, taken.stderr);
    assert.match(taken.stderr, new RegExp(`error \\[PORT_IN_USE\\]: cannot listen on 127\\.0\\.0\\.1:${port}`));
    assert.equal(existsSync(join(dir, 'serve.json')), false);
    // Refused before anything is opened: no database made, no migration, no demo bot.
    const fresh = join(dir, 'fresh.db');
    const early = await runCli(['serve', '--db', `sqlite:${fresh}`, '--migrate', '--demo', '--port', String(port)], dir);
    assert.equal(early.code, 3, early.stderr);
    assert.match(early.stderr, /PORT_IN_USE/);
    assert.equal(existsSync(fresh), false);
  } finally {
    blocker.close();
  }
  // The refusals changed nothing and left the venue free: with --migrate a server starts on it.
  const server = await startServer(['--db', `sqlite:${file}`, '--migrate'], { dataDir: dir });
  assert.equal((await readyz(server)).status, 200);
  assert.equal((await terminate(server)).code, 0);
});

test('a newcomer: `serve --migrate --demo --port 0` in a folder with no data/ creates data/botledger.db and serves', async () => {
  const cwd = tempDir();
  assert.equal(existsSync(join(cwd, 'data')), false);
  const server = await startServer(['--migrate', '--demo'], { cwd });
  assert.equal(existsSync(join(cwd, 'data', 'botledger.db')), true);
  assert.equal(existsSync(join(cwd, 'data', 'serve.json')), true, 'serve.json is in the data folder (that of the SQLite file)');
  await eventually('/readyz ready', 5_000, async () => ((await readyz(server)).status === 200 ? true : undefined));
  await eventually('an order', 3_000, () => (total(orderCounts(join(cwd, 'data', 'botledger.db'))) > 0 ? true : undefined));
  assert.equal((await terminate(server)).code, 0);
  assert.equal(existsSync(join(cwd, 'data', 'serve.json')), false);
});
