/**
 * `botledger serve` as a user runs it, for the tests that need a real server process: the compiled
 * command (bin/botledger.js; call ensureBuilt() first) on a free port (`--port 0` prints the real
 * one). Every server a test file starts is killed when the file ends, if still running.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN } from '../cli/cli-support.ts';

export const SERVING = /botledger serving http:\/\/127\.0\.0\.1:(\d+) \(dashboard \/, API \/api\/v1, docs \/docs, stream \/api\/v1\/stream, metrics \/metrics\)/;
export const ONE_TIME_TOKEN = /first login: user \S+, one-time token (blt_[A-Za-z0-9_-]{43})/;
const COMPILED_NOTE = /dist\/ is missing or older than src\//;

export interface Server {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port: number;
  base: string;
}

const started: Server[] = [];

after(() => {
  for (const server of started) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
});

/** Starts `botledger serve --port 0 ...args`; resolves once it prints where it serves. */
export async function startServer(args: readonly string[], options: { dataDir?: string; cwd?: string } = {}): Promise<Server> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.BOTLEDGER_DB;
  delete env.BOTLEDGER_DATA_DIR;
  if (options.dataDir) env.BOTLEDGER_DATA_DIR = options.dataDir;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: 'pipe', env, cwd: options.cwd });
  let text = '';
  child.stdout.on('data', (chunk) => {
    text += chunk;
  });
  child.stderr.on('data', (chunk) => {
    text += chunk;
  });
  child.stdin.end();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const server: Server = { child, output: () => text, exited, port: 0, base: '' };
  started.push(server);
  const port = await eventually('the serving line', 60_000, async () => {
    if (child.exitCode !== null) assert.fail(`serve exited with ${child.exitCode} before serving:\n${text}`);
    const match = SERVING.exec(text);
    return match ? Number(match[1]) : undefined;
  });
  assert.ok(port > 0, '--port 0 prints the real port');
  server.port = port;
  server.base = `http://127.0.0.1:${port}`;
  assert.doesNotMatch(text, COMPILED_NOTE, 'the compiled server runs (dist/ is current)');
  return server;
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(what: string, ms: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

/** SIGTERM, and what the server did: exit code, signal. */
export async function terminate(server: Server): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  server.child.kill('SIGTERM');
  return server.exited;
}
