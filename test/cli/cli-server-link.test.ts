/**
 * The command line while a server holds the venue (issue 9, item 7): a real HTTP server (buildApp
 * over a ledger opened with its venue, listening on a port) writes serve.json next to the
 * database as `botledger serve` does, and the compiled CLI run against the same database sends
 * its write commands through it. Opening the venue itself would be refused (VENUE_IN_USE): the
 * server holds it, so a command that succeeds went through the server. The server records what it
 * was asked, so the tests see the request itself.
 *
 * Needs `npm run build` first (the CLI runs from dist/).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ApiInstance, buildApp } from '../../src/api/build-app.ts';
import { type Ledger, openLedger, venueOf } from '../../src/app/open-ledger.ts';
import { createUser, findUser, issueApiToken } from '../../src/app/users.ts';
import { tempDir } from '../support/dialects.ts';
import { runCli } from './cli-support.ts';

const CONFIG = '{"amount":"0.01","entryPrice":"59000","takeProfitPrice":"59500"}';
const NEW_CONFIG = '{"amount":"0.01","entryPrice":"58900","takeProfitPrice":"59400"}';
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly user: string | undefined;
}

interface Served {
  readonly dir: string;
  readonly db: string;
  readonly ledger: Ledger;
  readonly app: ApiInstance;
  readonly apiUrl: string;
  readonly seen: Seen[];
  readonly localToken: string;
}

/** A ledger made by the CLI (with a bot s1), then a server over it that left serve.json as `botledger serve` does. */
async function serve(): Promise<Served> {
  // Not tempDir(): its clean-up would run at the end of the `before` hook that calls this.
  const dir = mkdtempSync(join(tmpdir(), 'botledger-server-link-'));
  const db = `sqlite:${join(dir, 'ledger.db')}`;
  const created = await runCli(
    ['bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', 's1', '--config', CONFIG, '--migrate', '--db', db],
    dir,
  );
  assert.equal(created.code, 0, created.stderr);
  const ledger = await openLedger({ url: db, venue: { dir }, syncAtStart: false });
  // The server's local token (as serve writes it), of the first admin, who owns s1 (the CLI acted as it); and a second user.
  const admin = await findUser(ledger, 'admin');
  const { token: localToken } = await issueApiToken(ledger, admin.id, { name: 'serve', scopes: ['read', 'trade', 'admin'], kind: 'local' });
  await createUser(ledger, { username: 'ana', role: 'trader' });
  const seen: Seen[] = [];
  const app = await buildApp({
    ledger,
    plugins: [
      (instance) => {
        instance.addHook('onResponse', async (request, reply) => {
          const user = request.headers['x-botledger-user'];
          seen.push({
            method: request.method,
            url: request.url,
            status: reply.statusCode,
            user: typeof user === 'string' ? user : undefined,
          });
        });
      },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'serve.json'), JSON.stringify({ apiUrl, pid: process.pid, startedAt: new Date().toISOString(), localToken }), {
    mode: 0o600,
  });
  return { dir, db, ledger, app, apiUrl, seen, localToken };
}

describe('the CLI while a server holds the venue', () => {
  let served: Served;
  const cli = (...args: string[]) => runCli([...args, '--db', served.db], served.dir);
  const requests = (method: string, pattern: RegExp) => served.seen.filter((seen) => seen.method === method && pattern.test(seen.url));

  before(async () => {
    served = await serve();
  });
  after(async () => {
    await served.app.close();
    await served.ledger.close();
    rmSync(served.dir, { recursive: true, force: true });
  });

  test('bots update goes through the server and prints what it prints locally', async () => {
    const result = await cli('bots', 'update', 's1', '--config', NEW_CONFIG);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.doesNotMatch(result.stderr, /VENUE_IN_USE|in use/);
    assert.match(
      result.stdout,
      /^bot s1: active\n {2}plugin scalper, symbol BTC\/USDT, order TTL 86400 s\n {2}config \{"amount":"0.01","entryPrice":"58900","takeProfitPrice":"59400","repeat":true\}\n/,
    );
    assert.match(result.stdout, /cancelled \(UPDATE\):\nid .*\n-+.*\n\S+ +bl-s1-1 +s1 +entry +buy +limit +59000 .* cancelled +UPDATE/);
    assert.match(result.stdout, /placed:\nid .*\n-+.*\n\S+ +bl-s1-2 +s1 +entry +buy +limit +58900 .* pending/);
    const [put] = requests('PUT', /^\/api\/v1\/bots\/s1$/);
    assert.equal(put?.status, 200, JSON.stringify(served.seen));
    // The server's ledger did it: its venue has the new order resting.
    const live = await venueOf(served.ledger).paper.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: 'bl-s1-2' });
    assert.equal(live?.state, 'open');
  });

  test('bots stop --json goes through the server: the usual document, exit 0, the venue named with the server', async () => {
    const result = await cli('bots', 'stop', 's1', '--json');
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const document = JSON.parse(result.stdout);
    assert.deepEqual(
      Object.keys(document).sort(),
      ['before', 'bot', 'positions', 'venue'].filter((key) => key !== 'positions' || 'positions' in document).sort(),
    );
    assert.equal(document.bot.id, 's1');
    assert.equal(document.bot.status, 'stopped');
    assert.equal(document.bot.orderTtlSeconds, 86400);
    assert.deepEqual(document.before, { status: 'active' });
    assert.equal(document.venue.exchange, 'paper');
    assert.equal(document.venue.server, served.apiUrl);
    assert.match(document.venue.file, /ledger-[0-9a-f]+\/paper-exchange\.db$/);
    assert.equal(requests('POST', /^\/api\/v1\/bots\/s1\/stop$/).length, 1);
    const order = await venueOf(served.ledger).paper.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: 'bl-s1-2' });
    assert.equal(order?.state, 'cancelled', 'the server cancelled the live order at its venue');
  });

  test('--user names the user the command acts as (x-botledger-user): another user does not see the bot', async () => {
    const result = await cli('bots', 'start', 's1', '--user', 'ana');
    assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /BOT_NOT_FOUND/, "ana acts as herself: admin's bot s1 is not hers");
    assert.equal(requests('POST', /^\/api\/v1\/bots\/s1\/start$/).at(-1)?.user, 'ana');
    const env = await runCli(['bots', 'stop', 's1', '--db', served.db], served.dir, { BOTLEDGER_USER: 'ana' });
    assert.equal(env.code, 2, env.stderr);
    assert.equal(requests('POST', /^\/api\/v1\/bots\/s1\/stop$/).at(-1)?.user, 'ana');
    const owner = await cli('bots', 'start', 's1', '--user', 'admin');
    assert.equal(owner.code, 0, `${owner.stdout}\n${owner.stderr}`);
    assert.match(owner.stdout, /^bot s1: active\n/);
  });

  test("the server's errors come back with their code and exit code", async () => {
    const missing = await cli('bots', 'stop', 'nope', '--json');
    assert.equal(missing.code, 2, 'BOT_NOT_FOUND exits 2, as locally');
    assert.equal(JSON.parse(missing.stdout).error.code, 'BOT_NOT_FOUND');
    assert.equal(requests('POST', /^\/api\/v1\/bots\/nope\/stop$/)[0]?.status, 404);

    const stranger = await cli('bots', 'stop', 's1', '--user', 'mallory');
    assert.equal(stranger.code, 4, `UNAUTHENTICATED exits 4\n${stranger.stderr}`);
    assert.match(stranger.stderr, /^error \[UNAUTHENTICATED\]: x-botledger-user: no user "mallory"/m);

    const started = await cli(
      'bots',
      'update',
      's1',
      '--config',
      '{"amount":"0.01","entryPrice":"58900","takeProfitPrice":"58000"}',
      '--json',
    );
    assert.notEqual(started.code, 0);
    assert.match(JSON.parse(started.stdout).error.code, /^[A-Z_]+$/);
  });

  test('paper price moves the price through the server', async (t) => {
    if (!served.app.hasRoute({ method: 'POST', url: '/api/v1/paper/markets/:symbol/price' }))
      return t.skip('the /api/v1/paper routes are not on this branch yet');
    const result = await cli('paper', 'price', 'BTC/USDT', '59123.45');
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^BTC\/USDT: price 59123.45 /);
    assert.equal((await venueOf(served.ledger).paper.fetchTicker('BTC/USDT')).last, '59123.45');
  });

  test('--url that does not answer: SERVER_UNREACHABLE, exit 1; a bad one: SERVER_URL_INVALID, exit 2', async () => {
    const dead = await cli('bots', 'stop', 's1', '--url', 'http://127.0.0.1:9', '--json');
    assert.equal(dead.code, 1, dead.stdout);
    assert.equal(JSON.parse(dead.stdout).error.code, 'SERVER_UNREACHABLE');
    const bad = await cli('bots', 'stop', 's1', '--url', 'not a url');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^error \[SERVER_URL_INVALID\]: --url must be an http\(s\) URL/m);
  });

  test('--url with $BOTLEDGER_TOKEN reaches the server', async () => {
    const before = requests('POST', /^\/api\/v1\/bots\/s1\/start$/).length;
    const result = await runCli(['bots', 'start', 's1', '--db', served.db, '--url', served.apiUrl], served.dir, {
      BOTLEDGER_TOKEN: served.localToken,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(requests('POST', /^\/api\/v1\/bots\/s1\/start$/).length, before + 1);
  });
  test('paper cancel through the server: the outside cancel stops the bot, printed as locally', async (t) => {
    if (!served.app.hasRoute({ method: 'POST', url: '/api/v1/paper/orders/:id/cancel' }))
      return t.skip('the /api/v1/paper routes are not on this branch yet');
    const [pending] = JSON.parse((await cli('orders', 'list', '--status', 'pending', '--bot', 's1', '--json')).stdout).orders;
    assert.ok(pending, 'bot s1 (started by the test before) has a pending order');
    const result = await cli('paper', 'cancel', pending.clientOrderId);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(
      result.stdout,
      new RegExp(
        `^order ${pending.clientOrderId} \\(venue \\d+\\): cancelled by hand at the paper exchange; now cancelled, filled 0\n {2}in the ledger: order ${pending.clientOrderId} cancelled \\(OUTSIDE\\)`,
      ),
    );
    assert.equal(requests('POST', /^\/api\/v1\/paper\/orders\/[^/]+\/cancel$/).at(-1)?.status, 200);
    const bot = JSON.parse((await cli('bots', 'show', 's1', '--json')).stdout).bot;
    assert.equal(bot.status, 'stopped');
    assert.match(bot.stopReason, /cancelled outside botledger/);
  });
});

describe('serve.json of a server that is gone', () => {
  test('is ignored (said once on stderr) and the command works on the venue itself', async () => {
    const dir = tempDir('botledger-server-link-stale-');
    const db = `sqlite:${join(dir, 'ledger.db')}`;
    const created = await runCli(
      ['bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', 's1', '--config', CONFIG, '--migrate', '--db', db],
      dir,
    );
    assert.equal(created.code, 0, created.stderr);
    // A pid that ran and is gone.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(gone.stdout);
    writeFileSync(
      join(dir, 'serve.json'),
      JSON.stringify({ apiUrl: 'http://127.0.0.1:9', pid, startedAt: '2026-11-29T00:00:00.000Z', localToken: 'blt_x' }),
    );
    const result = await runCli(['bots', 'stop', 's1', '--db', db], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^bot s1: stopped/);
    const notices = result.stderr.split('\n').filter((line) => line.includes('serve.json'));
    assert.equal(notices.length, 1, result.stderr);
    assert.match(
      notices[0] as string,
      new RegExp(`ignoring .*serve\\.json: its server \\(pid ${pid}, started 2026-11-29T00:00:00.000Z\\) is not running`),
    );
  });
});

describe('paper commands without a server', () => {
  test("paper price moves the price on the ledger's own paper exchange and fills what it crosses", async () => {
    const dir = tempDir('botledger-paper-local-');
    const db = `sqlite:${join(dir, 'ledger.db')}`;
    const cli = (...args: string[]) => runCli([...args, '--db', db], dir);
    assert.equal(
      (await cli('bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', 's1', '--config', CONFIG, '--migrate')).code,
      0,
    );
    const moved = await cli('paper', 'price', 'BTC/USDT', '58990', '--json');
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(JSON.parse(moved.stdout).market.price, '58990');
    const markets = JSON.parse((await cli('paper', 'markets', '--json')).stdout).markets;
    assert.equal(markets.find((m: { symbol: string }) => m.symbol === 'BTC/USDT').price, '58990');
    const entry = JSON.parse((await cli('orders', 'show', 'bl-s1-1', '--json')).stdout).order;
    assert.equal(entry.filledAmount, '0.01', 'the entry at 59000 filled when the price crossed it');

    const cancelled = await cli('paper', 'cancel', 'bl-s1-2');
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(
      cancelled.stdout,
      /^order bl-s1-2 \(venue \d+\): cancelled by hand at the paper exchange; now cancelled, filled 0\n {2}in the ledger: order bl-s1-2 cancelled \(OUTSIDE\)/,
    );
    const bot = JSON.parse((await cli('bots', 'show', 's1', '--json')).stdout).bot;
    assert.equal(bot.status, 'stopped');
    assert.match(bot.stopReason, /cancelled outside botledger/);

    const bad = await cli('paper', 'price', 'BTC/USDT', '-5');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error \[INVALID_DECIMAL\]: PRICE must be a plain decimal/m);
  });
});
