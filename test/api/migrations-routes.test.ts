/**
 * GET /migrations and GET /backups, read-only: the schema version, every core migration applied
 * and none pending; the backups of the database by file name (never the server's folders).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { MigrationEngine } from '../../src/migrate/engine.ts';
import { CORE_MIGRATIONS_DIR } from '../../src/migrate/sources/sources.ts';
import { tempDir } from '../support/dialects.ts';
import { openApi } from './api-fixture.ts';

const dir = tempDir('api-migrations');
const api = await openApi({ url: `sqlite:${dir}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-migrations-venue') });
const viewer = await api.user('vera', 'viewer');

const coreVersions = readdirSync(CORE_MIGRATIONS_DIR)
  .map((file) => /^(\d+)_/.exec(file)?.[1])
  .filter((version): version is string => version !== undefined)
  .sort();

test('GET /migrations: the schema version, every core migration applied, none pending, no drift', async () => {
  const answer = await api.call(viewer, 'GET', '/api/v1/migrations');
  assert.equal(answer.status, 200, answer.body);
  const status = answer.json;
  assert.equal(status.dialect, 'sqlite');
  assert.ok(coreVersions.length >= 3);
  assert.equal(status.current, coreVersions.at(-1));
  assert.deepEqual(
    status.applied.map((m: any) => m.version),
    coreVersions,
  );
  assert.ok(status.applied.every((m: any) => m.state === 'ok' && /^\d{4}-\d{2}-\d{2}T/.test(m.appliedAt)));
  assert.deepEqual(status.pending, []);
  assert.deepEqual(status.drift, []);
  assert.ok(!answer.body.includes(dir), 'no server path in the answer');
  assert.equal((await api.call(undefined, 'GET', '/api/v1/migrations')).status, 401);
});

test('GET /backups: newest first, by file name, with the version backed up', async () => {
  const engine = new MigrationEngine({ database: api.ledger.database });
  const made = await engine.backup();
  const answer = await api.call(viewer, 'GET', '/api/v1/backups');
  assert.equal(answer.status, 200, answer.body);
  const [newest] = answer.json.items;
  assert.ok(newest, answer.body);
  assert.equal(newest.file, made.path.split('/').at(-1));
  assert.equal(newest.atVersion, coreVersions.at(-1));
  assert.equal(newest.bytes, made.bytes);
  assert.equal(newest.schema, null);
  assert.ok(!answer.body.includes(dir), 'no server path in the answer');
  const limited = await api.call(viewer, 'GET', '/api/v1/backups?limit=1');
  assert.equal(limited.json.items.length, 1);
  const bad = await api.call(viewer, 'GET', '/api/v1/backups?limit=zero');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'limit');
});

test('read-only: no route changes the schema', async () => {
  for (const method of ['POST', 'PUT', 'DELETE'] as const) {
    const answer = await api.call(viewer, method, '/api/v1/migrations');
    assert.equal(answer.status, 404, `${method} ${answer.body}`);
    assert.equal(answer.json.error.code, 'ROUTE_NOT_FOUND');
  }
});
