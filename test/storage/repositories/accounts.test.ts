import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import {
  findApiToken,
  getUser,
  hashApiToken,
  insertApiToken,
  insertUser,
  revokeApiToken,
} from '../../../src/storage/repositories/accounts.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openLedgerDatabase } from '../../support/ledger-database.ts';

const NOW = '2026-01-01T00:00:00.000Z';

forEachDialect('accounts repository', (target) => {
  test('API tokens are stored only as a hash, found by the token, and stop working once revoked', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      await insertUser(ledger.db, { id: 'u1', name: 'alice', createdAt: NOW });
      assert.deepEqual(await getUser(ledger.db, 'u1'), { id: 'u1', name: 'alice', createdAt: NOW });
      const token = 'blt_s3cret-token-value';
      await insertApiToken(ledger.db, { id: 't1', userId: 'u1', name: 'laptop', token, createdAt: NOW });
      const dump = await sql<Record<string, unknown>>`select * from api_tokens`.execute(ledger.db);
      assert.ok(!JSON.stringify(dump.rows).includes(token), 'the token itself is nowhere in the table');
      assert.equal(dump.rows[0].token_hash, hashApiToken(token));
      assert.equal((await findApiToken(ledger.db, token))?.userId, 'u1');
      assert.equal(await findApiToken(ledger.db, 'blt_wrong'), undefined);
      assert.equal(await revokeApiToken(ledger.db, 't1', NOW), true);
      assert.equal(await findApiToken(ledger.db, token), undefined);
      assert.equal(await revokeApiToken(ledger.db, 't1', NOW), false);
    } finally {
      await ledger.close();
    }
  });
});
