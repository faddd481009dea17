/**
 * `migrate up --yes` as a user meets it: lint findings are printed (stderr; in the JSON result),
 * and a finding that loses data refuses (exit 4) unless --allow-data-loss.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlFile, writeMigrations } from '../migrate/engine-support.ts';
import { forEachDialect } from '../support/dialects.ts';
import { runCli } from './cli-support.ts';

const INIT = sqlFile(
  "create table trades (id integer primary key, logic_type text);\ninsert into trades values (1, 'logic1'), (2, 'x'), (3, null);",
);
const DROP = sqlFile('alter table trades drop column logic_type;');

forEachDialect('botledger migrate up lints (CLI)', (target) => {
  test('up --yes prints the drop-with-data finding and exits 4; --allow-data-loss applies and reports it in --json', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_init.sql': INIT });
    const flags = ['--db', url, '--dir', migrations];
    assert.equal((await runCli(['migrate', 'up', ...flags, '--yes'], dir)).code, 0);
    writeMigrations(dir, { '2_drop.sql': DROP });

    const refused = await runCli(['migrate', 'up', ...flags, '--yes'], dir);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /lint drop-with-data \(2_drop\.sql:2\): dropping column trades\.logic_type discards 2 non-null values/);
    assert.match(refused.stderr, /error \[LINT_DATA_LOSS\][\s\S]*--allow-data-loss/);
    assert.doesNotMatch(refused.stderr, /^backing up/m, 'refused before the backup');
    const json = await runCli(['migrate', 'up', ...flags, '--yes', '--json'], dir);
    assert.equal(json.code, 4);
    const error = JSON.parse(json.stdout).error;
    assert.equal(error.code, 'LINT_DATA_LOSS');
    assert.equal(error.details.findings[0].rule, 'drop-with-data');

    const allowed = await runCli(['migrate', 'up', ...flags, '--yes', '--allow-data-loss', '--json'], dir);
    assert.equal(allowed.code, 0, allowed.stderr);
    const report = JSON.parse(allowed.stdout);
    assert.deepEqual(
      report.applied.map((r: { fileName: string }) => r.fileName),
      ['2_drop.sql'],
    );
    assert.deepEqual(
      report.lint.map((f: { rule: string; line: number }) => [f.rule, f.line]),
      [['drop-with-data', 2]],
    );
    assert.match(allowed.stderr, /lint drop-with-data \(2_drop\.sql:2\)/);
  });
});
