/**
 * Issue 9, item 6: the shipped alert rules (ops/prometheus/alerts.yml) are valid Prometheus rules,
 * and their unit tests (ops/prometheus/alerts.test.yml: each seed-004 alert fires on a series that
 * crosses its threshold and not on one just below it) pass under promtool, from Debian's
 * `prometheus` package (.ci/run installs it). Without promtool the test fails under CI=true and is
 * skipped, saying so, elsewhere.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RULES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'ops', 'prometheus');
const MISSING = 'promtool is not installed: install it with `apt-get install -y prometheus` (Debian/Ubuntu; .ci/run does this)';

function promtool(...args: string[]) {
  return spawnSync('promtool', args, { cwd: RULES_DIR, encoding: 'utf8', timeout: 60_000 });
}

const installed = !promtool('--version').error;
const skip = installed ? false : process.env.CI === 'true' ? false : `${MISSING} - skipped (it fails under CI=true)`;

function assertRan(result: ReturnType<typeof promtool>, what: string): string {
  assert.ok(installed, MISSING);
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, `${what} failed (exit ${result.status}):\n${output}`);
  return output;
}

test('promtool check rules: ops/prometheus/alerts.yml is valid and has the five seed-004 alerts', { skip }, () => {
  const output = assertRan(promtool('check', 'rules', 'alerts.yml'), 'promtool check rules alerts.yml');
  assert.match(output, /SUCCESS: 5 rules found/);
  const rules = readFileSync(join(RULES_DIR, 'alerts.yml'), 'utf8');
  for (const alert of [
    'BotledgerOrderPlacementFailureRateHigh',
    'BotledgerOrderExecutionFailureRateHigh',
    'BotledgerApiErrorRateHigh',
    'BotledgerDatabaseQueriesSlow',
    'BotledgerApplicationErrorsHigh',
  ]) {
    assert.match(rules, new RegExp(`alert: ${alert}\\n`), alert);
  }
});

test('promtool test rules: each alert fires above its threshold and not just below it', { skip }, () => {
  const output = assertRan(promtool('test', 'rules', 'alerts.test.yml'), 'promtool test rules alerts.test.yml');
  assert.match(output, /SUCCESS/);
  // Every alert is tested both ways: an expectation that it fires and one that it does not.
  const tests = readFileSync(join(RULES_DIR, 'alerts.test.yml'), 'utf8');
  for (const alert of tests.matchAll(/alertname: (\w+)/g)) assert.match(alert[1], /^Botledger/);
  const alerts = new Set([...tests.matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
  assert.equal(alerts.size, 5);
  for (const alert of alerts) {
    const blocks = tests.split(/- eval_time:/).filter((block) => block.includes(`alertname: ${alert}\n`));
    assert.ok(
      blocks.some((block) => /exp_alerts: \[\]/.test(block)),
      `${alert}: a case where it does not fire`,
    );
    assert.ok(
      blocks.some((block) => /exp_labels:/.test(block)),
      `${alert}: a case where it fires`,
    );
  }
});

test('the check can fail: a rule file with a broken expression is refused', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'botledger-rules-'));
  try {
    const broken = readFileSync(join(RULES_DIR, 'alerts.yml'), 'utf8').replace('> 0.05', '> > 0.05');
    writeFileSync(join(dir, 'alerts.yml'), broken);
    const result = promtool('check', 'rules', join(dir, 'alerts.yml'));
    assert.ok(installed, MISSING);
    assert.notEqual(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(`${result.stdout}${result.stderr}`, /parse error/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
