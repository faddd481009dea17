/** Where a ledger's venue lives: found from the database (its ledger id), not from the current folder. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paperFileForLedger, userDataDir, venueDirFor } from '../../src/app/venue.ts';
import { parseDatabaseUrl } from '../../src/storage/database.ts';

const sqlite = parseDatabaseUrl('sqlite:/srv/bot/ledger.db');
const postgres = parseDatabaseUrl('postgres://bot@db.example:5432/ledger');

test('a SQLite ledger keeps its venue in its own folder next to the database file, keyed by ledger id', () => {
  assert.equal(paperFileForLedger(sqlite, 'abc123', {}), '/srv/bot/ledger-abc123/paper-exchange.db');
  assert.equal(paperFileForLedger(sqlite, 'abc123', { BOTLEDGER_DATA_DIR: '/var/lib/botledger' }), '/var/lib/botledger/ledger-abc123/paper-exchange.db');
});

test('a PostgreSQL ledger keeps its venue in the per-user data dir, whatever the current folder', () => {
  assert.equal(paperFileForLedger(postgres, 'abc123', { HOME: '/home/ana' }), '/home/ana/.local/share/botledger/ledger-abc123/paper-exchange.db');
  assert.equal(paperFileForLedger(postgres, 'abc123', { HOME: '/home/ana', XDG_DATA_HOME: '/data/ana' }), '/data/ana/botledger/ledger-abc123/paper-exchange.db');
  assert.equal(userDataDir({ HOME: '/home/ana', XDG_DATA_HOME: 'relative/dir' }), '/home/ana/.local/share/botledger', 'a relative XDG_DATA_HOME is ignored, as the XDG spec says');
  assert.equal(venueDirFor(postgres, { BOTLEDGER_DATA_DIR: '/var/lib/botledger', HOME: '/home/ana' }), '/var/lib/botledger');
  assert.equal(paperFileForLedger(postgres, 'one', { HOME: '/h' }) === paperFileForLedger(postgres, 'two', { HOME: '/h' }), false, 'two ledgers, two venues');
});
