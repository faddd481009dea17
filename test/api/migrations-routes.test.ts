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

test('the OpenAPI document describes these routes: tags, summaries, query parameters and answers', async () => {
  const doc = (await api.call(undefined, 'GET', '/openapi.json')).json;
  const routes: [string, string, string][] = [
    ['/api/v1/trades', 'get', 'trades'],
    ['/api/v1/stats', 'get', 'trades'],
    ['/api/v1/stats/{pluginId}', 'get', 'trades'],
    ['/api/v1/stats/daily', 'get', 'trades'],
    ['/api/v1/events', 'get', 'events'],
    ['/api/v1/sync', 'get', 'sync'],
    ['/api/v1/sync', 'post', 'sync'],
    ['/api/v1/migrations', 'get', 'migrations'],
    ['/api/v1/backups', 'get', 'migrations'],
    ['/api/v1/accounts', 'get', 'accounts'],
    ['/api/v1/accounts', 'post', 'accounts'],
    ['/api/v1/accounts/{id}', 'delete', 'accounts'],
  ];
  for (const [path, method, tag] of routes) {
    const operation = doc.paths[path]?.[method];
    assert.ok(operation, `${method} ${path} is documented`);
    assert.deepEqual(operation.tags, [tag]);
    assert.ok(operation.summary, `${method} ${path} has a summary`);
    const ok = operation.responses['200'] ?? operation.responses['201'];
    assert.ok(ok.content['application/json'].schema, `${method} ${path} documents its answer`);
    assert.ok(operation.responses['400'], `${method} ${path} documents its errors`);
  }
  const names = doc.paths['/api/v1/trades'].get.parameters.map((p: any) => p.name).sort();
  assert.deepEqual(names, ['bot', 'cursor', 'from', 'limit', 'plugin', 'symbol', 'to']);
  assert.ok(doc.paths['/api/v1/sync'].post.requestBody, 'POST /sync documents its body');
});

test('the OpenAPI document has no field for account credentials in any answer', async () => {
  const doc = (await api.call(undefined, 'GET', '/openapi.json')).json;
  for (const [path, method] of [
    ['/api/v1/accounts', 'get'],
    ['/api/v1/accounts', 'post'],
    ['/api/v1/accounts/{id}', 'delete'],
  ]) {
    const answers = JSON.stringify(doc.paths[path][method].responses);
    assert.ok(!/apiKey|"secret"|password|credentials/.test(answers), `${method} ${path}: ${answers.slice(0, 200)}`);
  }
  assert.ok(JSON.stringify(doc.paths['/api/v1/accounts'].post.requestBody).includes('apiKey'), 'the body takes them');
});
