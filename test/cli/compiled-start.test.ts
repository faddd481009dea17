/**
 * The `botledger` command runs the compiled JavaScript in dist/ when it is current, else the
 * sources through tsx (with a note); the core schema's migration keeps one checksum identity
 * whichever of the two applied it; and `migrate` loads none of the ledger's modules.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/dialects.ts';
import { BIN, ensureBuilt, runCli } from './cli-support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STALE_NOTE = /dist\/ is missing or older than src\/ .*running the sources through tsx/;

/** Runs the sources through tsx, as `npm test` and development do. */
function fromSources(args: readonly string[], cwd: string) {
  return spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, BOTLEDGER_DATA_DIR: cwd },
  });
}

test('bin/botledger.js runs dist/ when it is at least as new as src/, else the sources through tsx with a one-line note', () => {
  const pkg = tempDir();
  mkdirSync(join(pkg, 'bin'));
  mkdirSync(join(pkg, 'src', 'cli'), { recursive: true });
  mkdirSync(join(pkg, 'dist', 'cli'), { recursive: true });
  copyFileSync(BIN, join(pkg, 'bin', 'botledger.js'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  writeFileSync(join(pkg, 'package.json'), '{"type":"module"}');
  writeFileSync(join(pkg, 'src', 'cli', 'main.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
  writeFileSync(join(pkg, 'dist', 'cli', 'main.js'), "console.log('dist');\n");
  const run = () => spawnSync(process.execPath, [join(pkg, 'bin', 'botledger.js')], { encoding: 'utf8' });

  const noBuild = run();
  assert.equal(noBuild.stdout.trim(), 'sources', 'no BUILD_STAMP: not built');
  assert.match(noBuild.stderr, STALE_NOTE);
  assert.equal(noBuild.stderr.trim().split('\n').length, 1, 'one line');

  const stamp = join(pkg, 'dist', 'BUILD_STAMP');
  writeFileSync(stamp, 'now\n');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(pkg, 'src', 'cli', 'main.ts'), old, old);
  const built = run();
  assert.equal(built.stdout.trim(), 'dist');
  assert.equal(built.stderr, '');

  const later = new Date(Date.now() + 60_000);
  utimesSync(join(pkg, 'src', 'cli', 'main.ts'), later, later);
  const edited = run();
  assert.equal(edited.stdout.trim(), 'sources', 'a source edited after the build: never the stale dist');
  assert.match(edited.stderr, STALE_NOTE);
});

test('the core migration applied from the sources shows no drift from dist, and the other way round; its checksum is the .ts file', async () => {
  ensureBuilt();
  const dir = tempDir();
  const coreChecksum = createHash('sha256')
    .update(readFileSync(join(ROOT, 'src', 'storage', 'migrations', '0001_core_schema.ts')))
    .digest('hex');

  const fromTs = `sqlite:${join(dir, 'from-sources.db')}`;
  const up = fromSources(['migrate', 'up', '--yes', '--db', fromTs], dir);
  assert.equal(up.status, 0, up.stderr);
  const status = await runCli(['migrate', 'status', '--db', fromTs, '--json'], dir);
  assert.equal(status.code, 0, status.stderr);
  assert.doesNotMatch(status.stderr, STALE_NOTE, 'ran from dist');
  const report = JSON.parse(status.stdout);
  assert.deepEqual(report.drift, []);
  assert.equal(report.current, '0005');
  assert.equal(report.applied[0].checksum, coreChecksum);
  const list = await runCli(['bots', 'list', '--db', fromTs, '--json'], dir);
  assert.equal(list.code, 0, `a ledger command from dist accepts the database: ${list.stderr}`);

  const fromJs = `sqlite:${join(dir, 'from-dist.db')}`;
  const upJs = await runCli(['migrate', 'up', '--yes', '--db', fromJs], dir);
  assert.equal(upJs.code, 0, upJs.stderr);
  assert.doesNotMatch(upJs.stderr, STALE_NOTE, 'ran from dist');
  const back = fromSources(['migrate', 'status', '--db', fromJs, '--json'], dir);
  assert.equal(back.status, 0, back.stderr);
  const backReport = JSON.parse(back.stdout);
  assert.deepEqual(backReport.drift, []);
  assert.equal(backReport.applied[0].checksum, coreChecksum);
  assert.equal(backReport.applied[0].fileName ?? '0001_core_schema.ts', '0001_core_schema.ts');
});

test('migrate loads neither the ledger, the engine, the venue nor the plugins, nor pg on SQLite', () => {
  ensureBuilt();
  const dir = tempDir();
  const log = join(dir, 'loaded.txt');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  // An empty database: `migrate status` refuses a file that does not exist (database-open-cli.test.ts).
  writeFileSync(join(dir, 'l.db'), '');
  const url = `sqlite:${join(dir, 'l.db')}`;
  const run = spawnSync(process.execPath, ['--import', register, BIN, 'migrate', 'status', '--db', url], {
    encoding: 'utf8',
    env: { ...process.env, BOTLEDGER_DATA_DIR: dir },
  });
  assert.equal(run.status, 0, run.stderr);
  const loaded = readFileSync(log, 'utf8').split('\n');
  assert.ok(
    loaded.some((u) => u.includes('/dist/cli/migrate.js')),
    'ran from dist',
  );
  const ledger = loaded.filter((u) =>
    /\/dist\/(engine|exchange|plugins)\/|\/dist\/cli\/ledger-|\/dist\/storage\/repositories\/|\/node_modules\/pg\//.test(u),
  );
  assert.deepEqual(ledger, []);
});
