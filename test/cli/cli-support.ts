/** Runs `node bin/botledger.js ...` as a user would, and watches its output. */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/botledger.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves when stdout or stderr has matched `pattern` (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<void>;
  readonly done: Promise<CliResult>;
}

/**
 * Starts the CLI with stdin/stdout as pipes (so it is never "on a terminal"). `dataDir` keeps
 * backups of PostgreSQL databases out of the repository. A variable given as `undefined` in `env`
 * is removed (e.g. `{ BOTLEDGER_DATA_DIR: undefined }` to see where botledger puts things by itself);
 * `options.cwd` runs it from another folder.
 */
export function startCli(
  args: readonly string[],
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
  options: { cwd?: string } = {},
): CliProcess {
  const base: NodeJS.ProcessEnv = { ...process.env, BOTLEDGER_DATA_DIR: dataDir };
  delete base.BOTLEDGER_DB;
  const merged: NodeJS.ProcessEnv = { ...base, ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe', env: merged, cwd: options.cwd });
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of [...watchers]) {
      if (w.pattern.test(stdout) || w.pattern.test(stderr)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    check();
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    check();
  });
  child.stdin.end();
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    done,
    waitFor(pattern) {
      return new Promise<void>((resolve, reject) => {
        watchers.push({ pattern, resolve });
        check();
        done.then((r) =>
          reject(new Error(`botledger ${args.join(' ')} ended (code ${r.code}) before printing ${pattern}:\n${r.stdout}\n${r.stderr}`)),
        );
      });
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(
  args: readonly string[],
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
  options: { cwd?: string } = {},
): Promise<CliResult> {
  return startCli(args, dataDir, env, options).done;
}

/**
 * Runs `botledger <args>` on a pseudo-terminal (util-linux `script`), so stdin and stdout are TTYs
 * as for a person, and types `keys` once a `[y/N]` prompt shows. A prompt that never comes (or a
 * key that is not acted on) fails the test after 60 s instead of hanging it.
 *
 * @example
 * const { code, out } = await atPrompt(['migrate', 'up', '--db', db, '--dir', dir], 'n\n', dataDir);
 */
export function atPrompt(args: readonly string[], keys: string, dataDir: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const command = [process.execPath, BIN, ...args].map((word) => JSON.stringify(word)).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: 'pipe', env: { ...process.env, BOTLEDGER_DATA_DIR: dataDir } });
    let out = '';
    let pressed = false;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (!pressed && /\[y\/N\]/.test(out)) {
        pressed = true;
        child.stdin.write(keys);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newestUnder(dir: string): number {
  const out = spawnSync('find', [dir, '-type', 'f', '-printf', '%T@\\n'], { encoding: 'utf8' });
  return Math.max(
    ...out.stdout
      .trim()
      .split('\n')
      .map((t) => Number(t) * 1000),
  );
}

/**
 * Builds dist/ only when it is not current (a fresh `npm ci` built it). While it is stale no
 * botledger process runs it (they all fall back to tsx), and the build writes its stamp last, so
 * other test files, running at the same time, never see a half-built dist.
 */
export function ensureBuilt(): void {
  let current = false;
  try {
    current = statSync(join(ROOT, 'dist', 'BUILD_STAMP')).mtimeMs >= newestUnder(join(ROOT, 'src'));
  } catch {}
  if (current) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], {
    encoding: 'utf8',
    env: { ...process.env, BOTLEDGER_BUILD_WEB: '0' }, // browser tests build web/dist themselves (test/web/web-build.ts)
  });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}
