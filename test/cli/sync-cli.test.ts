/**
 * `botledger sync [--account ID] [--json]` as a user runs it: a venue position no fill explains is
 * reported and left (exit 0, status mismatch), `run`'s sync at start says so on stderr, an account that is not the venue's is refused (exit 2), and the account's row keeps the
 * counts.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/dialects.ts';
import { cliLedger } from './cli-ledger.ts';

const CONFIG = '{"amount":"0.01","entryPrice":"59950","takeProfitPrice":"60050"}';

test('botledger sync finds what the venue holds and the ledger does not, says it, and leaves it for a person', async () => {
  const dir = tempDir('botledger-sync-cli-');
  writeFileSync(join(dir, 'ledger.db'), '');
  const l = cliLedger(`sqlite:${join(dir, 'ledger.db')}`);
  const created = await l.cli('bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', 's1', '--config', CONFIG, '--migrate', '--json');
  assert.equal(created.code, 0, created.stderr);

  const clean = await l.cli('sync', '--json');
  assert.equal(clean.code, 0, clean.stderr);
  const first = JSON.parse(clean.stdout);
  assert.equal(first.sync.accountId, 'paper');
  assert.equal(first.sync.status, 'ok');
  assert.equal(first.sync.discrepanciesFound, 0);
  assert.equal(first.status.status, 'ok');

  // The venue's position moves with no fill to explain it (a transfer at the venue).
  await l.withVenue((paper) => paper.control.setPosition('ETH/USDT', '0.5'));
  const found = await l.cli('sync');
  assert.equal(found.code, 0, found.stderr);
  assert.match(found.stdout, /^Synced account paper with Paper exchange: 0 open position\(s\), 1 open order\(s\) at the venue, \d+ fill\(s\) since .*; 1 discrepancy found, 0 fixed, 1 left for a person/);
  assert.match(found.stdout, /LEFT FOR A PERSON: ETH\/USDT: Paper exchange has a position the ledger does not know \(the ledger holds flat, Paper exchange reports long 0\.5\); no fill the ledger lacks explains it: marked mismatch and left for a person/);
  assert.match(found.stdout, /account paper: last sync .*, status mismatch, 0 position\(s\) synced, 1 found, 0 fixed/);

  // `run` syncs first and says what it found on stderr.
  const stop = await l.cli('run', '--ticks', '1');
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stderr, /sync: Synced account paper with Paper exchange: .*1 discrepancy found, 0 fixed, 1 left for a person/);

  const other = await l.cli('sync', '--account', 'bybit-main', '--json');
  assert.equal(other.code, 2, other.stderr);
  assert.equal(JSON.parse(other.stdout).error.code, 'ACCOUNT_NOT_FOUND');
  const events = JSON.parse((await l.cli('events', '--json', '--limit', '50')).stdout);
  assert.ok(events.events.some((e: { type: string; source: string }) => e.type === 'PositionMismatch' && e.source === 'reconciliation'), 'the event log has it');
});
