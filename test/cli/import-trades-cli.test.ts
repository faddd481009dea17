/**
 * `botledger import trades` as a user runs it: a generated seed-003 trading_bot.db with one
 * unreadable row, the summary and its exit code, --json, a re-run, and the errors of bad flags.
 * (Both dialects of the ledger side are covered by test/app/import-trades.test.ts.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { openDatabase } from '../../src/storage/database.ts';
import { scenario } from '../scenarios/plugin-isolation/scenario.ts';
import { tempDir } from '../support/dialects.ts';
import { runCli } from './cli-support.ts';

// Made here, not in before(): a folder made inside a hook is removed when the hook ends.
const dir = tempDir('botledger-import-cli-');
const from = `sqlite:${join(dir, 'trading_bot.db')}`;
const db = `sqlite:${join(dir, 'ledger.db')}`;
let badId: number;

before(async () => {
  const legacy = await openDatabase(from);
  await scenario.createLegacySchema(legacy);
  await scenario.generate(legacy, 300);
  const raw = legacy.sqlite!;
  badId = (raw.prepare(`select min(id) as id from trades where lower(trim(status)) = 'closed'`).get() as { id: number }).id;
  raw.prepare(`update trades set open_time = null where id = ?`).run(badId);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  await legacy.close();
});

test('imports with a summary per plugin, lists the unreadable row and exits 1; a re-run imports nothing', async () => {
  const first = await runCli(['import', 'trades', '--from', from, '--db', db, '--migrate', '--json'], dir);
  assert.equal(first.code, 1, first.stdout + first.stderr);
  const summary = JSON.parse(first.stdout);
  assert.deepEqual(summary.bad, [{ id: String(badId), reason: 'open_time is missing (NULL)' }]);
  assert.ok(summary.imported > 100, first.stdout);
  assert.equal(summary.skipped, 0);
  assert.equal(
    Object.values(summary.perPlugin as Record<string, number>).reduce((a, b) => a + b, 0),
    summary.imported,
  );
  assert.ok(summary.perPlugin.legacy > 0 && summary.perPlugin['v3-logic-01-5min'] > 0, first.stdout);
  assert.equal(summary.imported + summary.bad.length + summary.notClosed.count, 300);
  assert.ok(
    !first.stderr.includes('\u001b[') && !first.stderr.includes('import trades ['),
    'no progress bar when stderr is not a terminal',
  );

  const again = await runCli(['import', 'trades', '--from', from, '--db', db], dir);
  assert.equal(again.code, 1, again.stderr);
  assert.match(
    again.stdout,
    new RegExp(`imported 0, already there ${summary.imported}, unreadable 1, not closed ${summary.notClosed.count}`),
  );
  assert.match(again.stdout, /^legacy +\d+$/m);
  assert.match(again.stdout, new RegExp(`id ${badId}: open_time is missing \\(NULL\\)`));
  assert.match(again.stderr, /error \[IMPORT_ROWS_UNREADABLE\]: 1 legacy row\(s\) could not be read/);
});

test('a bad --map or --from is a usage error that names the flag', async () => {
  const map = await runCli(['import', 'trades', '--from', from, '--db', db, '--map', 'LOGIC4'], dir);
  assert.equal(map.code, 2);
  assert.match(map.stderr, /--map entry "LOGIC4" is not logic_type=plugin_id/);

  const pg = await runCli(['import', 'trades', '--from', 'postgres://postgres@127.0.0.1/trading', '--db', db, '--json'], dir);
  assert.equal(pg.code, 2, pg.stderr);
  assert.equal(JSON.parse(pg.stdout).error.code, 'IMPORT_SOURCE_INVALID');
  assert.match(JSON.parse(pg.stdout).error.message, /--from must be sqlite:<path to trading_bot\.db>/);

  const missing = await runCli(['import', 'trades', '--from', `sqlite:${join(dir, 'nope.db')}`, '--db', db], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /error \[DATABASE_MISSING\]: --from: no database at \S+nope\.db/);

  const none = await runCli(['import', 'trades', '--db', db], dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /required option '--from <url>' not specified/);
});
