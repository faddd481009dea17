/**
 * What the dashboard's tests share: a real `botledger serve` (the compiled command, with the built
 * dashboard), Debian's Chromium driven by playwright-core, pages that record every console error
 * or warning, page error and request to anywhere but the server (the tests assert there are none),
 * logging in as a user does, the REST API for setting up what a test is not about, and screenshots
 * written to test-artifacts/screenshots/ (the folder is printed once).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ensureBuilt } from '../cli/cli-support.ts';
import { createTestPostgresDatabase } from '../support/postgres.ts';
import { ONE_TIME_TOKEN, type Server, startServer } from '../support/serve-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');
export const CHROMIUM = process.env.BOTLEDGER_CHROMIUM ?? '/usr/bin/chromium';

/**
 * `{ skip: BROWSER_SKIP }` on every browser test: without Chromium they are skipped, saying how to
 * install it, except under CI=true, where they run and fail (as the PostgreSQL and promtool tests).
 */
export const BROWSER_SKIP: string | false =
  existsSync(CHROMIUM) || process.env.CI === 'true'
    ? false
    : `Chromium is not at ${CHROMIUM}: install Debian's with \`apt-get install -y chromium\` (.ci/run does) or set BOTLEDGER_CHROMIUM - skipped (it fails under CI=true)`;

function newestUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestUnder(join(path, name))));
}

/**
 * Builds web/dist/ when it is missing or older than web/src (as ensureBuilt does for dist/). Test
 * files run two at a time: a lock directory (mkdir is atomic) keeps a second build from emptying
 * web/dist/ under a server that is serving it.
 */
export async function ensureWebBuilt(): Promise<void> {
  ensureBuilt();
  const lock = join(ROOT, 'web', '.build-lock');
  const current = () => {
    try {
      return (
        statSync(join(ROOT, 'web', 'dist', 'index.html')).mtimeMs >=
        Math.max(newestUnder(join(ROOT, 'web', 'src')), newestUnder(join(ROOT, 'web', 'index.html')))
      );
    } catch {
      return false;
    }
  };
  for (let waited = 0; !current(); waited += 200) {
    try {
      mkdirSync(lock);
    } catch {
      if (waited > 120_000) assert.fail(`web/.build-lock has been held for 2 minutes (remove it if no build runs)`);
      await sleep(200);
      continue;
    }
    try {
      if (!current()) {
        const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { encoding: 'utf8', cwd: ROOT });
        if (build.status !== 0) assert.fail(`npm run build:web failed:\n${build.stdout}\n${build.stderr}`);
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

let browser: Browser | undefined;
// Cleanups run when the test file ends, last first (an `after` called inside a `before` hook would
// run as soon as that hook ends).
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** One Chromium per test file, closed when the file ends. */
export async function launchBrowser(): Promise<Browser> {
  if (browser) return browser;
  if (!existsSync(CHROMIUM))
    assert.fail(`Chromium is not at ${CHROMIUM}: install Debian's (apt-get install -y chromium; .ci/run does) or set BOTLEDGER_CHROMIUM`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const launched = browser;
  cleanups.unshift(() => launched.close());
  return browser;
}

export interface GuardedPage {
  readonly page: Page;
  /**
   * Declares an error answer the test provokes on purpose (a wrong password: 401 from
   * /api/v1/auth/login): Chromium logs "Failed to load resource" for it as a console error, which
   * is then not counted. Every other error answer still is.
   */
  expectErrorAnswer(status: number, path: string | RegExp): void;
  /** Console errors and warnings, page errors and requests outside the server, so far. */
  problems(): string[];
  assertClean(): void;
}

/** A page in a fresh browser context (its own storage: a separate user), watched for problems. */
export async function openPage(
  base: string,
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<GuardedPage> {
  const context = await (await launchBrowser()).newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    timezoneId: 'Europe/Berlin',
    locale: 'en-US',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  const expected: { status: number; path: string | RegExp }[] = [];
  const origin = new URL(base).origin;
  const isExpected = (text: string, url: string) => {
    const status = /the server responded with a status of (\d+)/.exec(text)?.[1];
    if (!status || !url.startsWith(origin)) return false;
    const path = new URL(url).pathname;
    return expected.some(
      (answer) => answer.status === Number(status) && (typeof answer.path === 'string' ? answer.path === path : answer.path.test(path)),
    );
  };
  // Watched on the context, so every tab the test opens in it (a second page) is watched too.
  context.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    if (isExpected(message.text(), message.location().url)) return;
    problems.push(`console ${message.type()}: ${message.text()} (${message.location().url})`);
  });
  context.on('weberror', (error) => problems.push(`page error: ${error.error().message}`));
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const requestOrigin = new URL(url).origin.replace(/^ws/, 'http');
    if (requestOrigin !== origin) problems.push(`request outside the server: ${url}`);
  });
  return {
    page,
    expectErrorAnswer: (status, path) => expected.push({ status, path }),
    problems: () => [...problems],
    assertClean: () => assert.deepEqual(problems, [], 'no console error or warning, no page error, no request outside the server'),
  };
}

let announced = false;
/** Writes test-artifacts/screenshots/<name>.png (the folder is printed once per test file). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (!announced) {
    announced = true;
    console.log(`# dashboard screenshots: ${SCREENSHOTS}`);
  }
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface DashboardServer {
  readonly server: Server;
  readonly base: string;
  /** The one-time token `serve` printed for the first admin. */
  readonly firstToken: string;
  /** Set by adminSession once the admin has ADMIN_PASSWORD. */
  adminPasswordSet?: boolean;
}

/**
 * `botledger serve --migrate` on a new SQLite file (or a new PostgreSQL database) with the paper
 * exchange, the dashboard built. `extra` adds flags (`--demo`, `--speed 20`).
 */
export async function serveDashboard(
  options: { dialect?: 'sqlite' | 'postgres'; extra?: readonly string[] } = {},
): Promise<DashboardServer> {
  await ensureWebBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'botledger-web-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  let url = `sqlite:${join(dir, 'ledger.db')}`;
  if (options.dialect === 'postgres') {
    const database = await createTestPostgresDatabase();
    assert.ok(database, 'PostgreSQL is available');
    cleanups.push(() => database.drop());
    url = database.url;
  }
  const server = await startServer(['--db', url, '--migrate', ...(options.extra ?? [])], { dataDir: dir });
  cleanups.push(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
  const firstToken = ONE_TIME_TOKEN.exec(server.output())?.[1];
  assert.ok(firstToken, `serve prints the one-time token:\n${server.output()}`);
  return { server, base: server.base, firstToken };
}

/** Calls the REST API as a user (setting up what a test is not about). */
export async function callApi<T = any>(base: string, token: string | null, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) assert.fail(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export const ADMIN_PASSWORD = 'admin-password-1';

/**
 * A session token for the first admin. The first call trades the one-time token for a session and
 * sets ADMIN_PASSWORD (pass `session` when the page already used the one-time token); later calls
 * log in with the password.
 */
export async function adminSession(dashboard: DashboardServer, session?: string): Promise<string> {
  if (!dashboard.adminPasswordSet) {
    const token =
      session ?? (await callApi<{ token: string }>(dashboard.base, null, 'POST', '/auth/login', { token: dashboard.firstToken })).token;
    const me = await callApi<{ id: string }>(dashboard.base, token, 'GET', '/me');
    await callApi(dashboard.base, token, 'PATCH', `/users/${me.id}`, { password: ADMIN_PASSWORD });
    dashboard.adminPasswordSet = true;
  }
  return (await callApi<{ token: string }>(dashboard.base, null, 'POST', '/auth/login', { username: 'admin', password: ADMIN_PASSWORD }))
    .token;
}

/** Logs in through the login page with a username and password; resolves on the overview. */
export async function logIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'sections' }).waitFor();
}
