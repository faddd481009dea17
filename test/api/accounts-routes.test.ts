/**
 * GET/POST/DELETE /accounts: credentials are write-only. They are stored encrypted, never in any
 * answer (create, list, delete, errors) and never in the server's log, even at trace level and
 * for a refused body. Another user's account is 404; the shared paper account cannot be deleted.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { tempDir } from '../support/dialects.ts';
import { openApi } from './api-fixture.ts';

const SECRET = 'S3CRET-never-shown-7f3a9c';
const API_KEY = 'KEY-never-shown-41b2';
const PASSWORD = 'PASS-never-shown-88d1';

let log = '';
const stream = new Writable({
  write(chunk, _encoding, done) {
    log += chunk.toString();
    done();
  },
});
const dir = tempDir('api-accounts');
const api = await openApi(
  { url: `sqlite:${dir}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-accounts-venue') },
  {
    logger: { level: 'trace', stream },
  },
);
const alice = await api.user('alice');
const bob = await api.user('bob');

const body = (overrides: Record<string, unknown> = {}) => ({
  name: 'main',
  exchange: 'binance',
  sandbox: true,
  credentials: { apiKey: API_KEY, secret: SECRET, password: PASSWORD },
  ...overrides,
});

function assertNoCredentials(text: string, where: string): void {
  for (const value of [SECRET, API_KEY, PASSWORD]) assert.ok(!text.includes(value), `${where} holds a credential`);
}

test('create, list, delete: the credentials are stored encrypted and never returned', async () => {
  const created = await api.call(alice, 'POST', '/api/v1/accounts', body());
  assert.equal(created.status, 201, created.body);
  assertNoCredentials(created.body, 'the create answer');
  assert.deepEqual(Object.keys(created.json).sort(), [
    'createdAt',
    'exchange',
    'hasCredentials',
    'id',
    'name',
    'sandbox',
    'shared',
    'updatedAt',
  ]);
  assert.equal(created.json.hasCredentials, true);
  assert.equal(created.json.shared, false);

  const stored = await api.ledger.database.db
    .selectFrom('exchange_accounts')
    .selectAll()
    .where('id', '=', created.json.id)
    .executeTakeFirst();
  assert.ok(stored?.credentials_ref, 'credentials are stored');
  assertNoCredentials(JSON.stringify(stored), 'the stored row');

  const listed = await api.call(alice, 'GET', '/api/v1/accounts');
  assert.equal(listed.status, 200, listed.body);
  assertNoCredentials(listed.body, 'the list');
  assert.deepEqual(listed.json.items.map((a: any) => a.id).sort(), [created.json.id, 'paper'].sort());
  assert.equal(listed.json.items.find((a: any) => a.id === 'paper').shared, true);

  const deleted = await api.call(alice, 'DELETE', `/api/v1/accounts/${created.json.id}`);
  assert.equal(deleted.status, 200, deleted.body);
  assertNoCredentials(deleted.body, 'the delete answer');
  const again = await api.call(alice, 'DELETE', `/api/v1/accounts/${created.json.id}`);
  assert.equal(again.status, 404);
  assert.equal(again.json.error.code, 'ACCOUNT_NOT_FOUND');
});

test("another user's account is 404 and untouched; the shared paper account cannot be deleted", async () => {
  const mine = (await api.call(alice, 'POST', '/api/v1/accounts', body({ name: 'alice-acc' }))).json;
  const theirs = await api.call(bob, 'GET', '/api/v1/accounts');
  assert.deepEqual(
    theirs.json.items.map((a: any) => a.id),
    ['paper'],
  );
  const refused = await api.call(bob, 'DELETE', `/api/v1/accounts/${mine.id}`);
  assert.equal(refused.status, 404);
  assert.equal(refused.json.error.code, 'ACCOUNT_NOT_FOUND');
  assert.ok(
    (await api.call(alice, 'GET', '/api/v1/accounts')).json.items.some((a: any) => a.id === mine.id),
    'still there',
  );
  const shared = await api.call(alice, 'DELETE', '/api/v1/accounts/paper');
  assert.equal(shared.status, 409, shared.body);
  assert.equal(shared.json.error.code, 'ACCOUNT_SHARED');
  const viewer = await api.user('vera', 'viewer');
  assert.equal((await api.call(viewer, 'POST', '/api/v1/accounts', body())).status, 403);
  assert.equal((await api.call(undefined, 'GET', '/api/v1/accounts')).status, 401);
});

test('bad bodies: 400 naming the field, never echoing a credential, nothing stored', async () => {
  const before = (await api.call(alice, 'GET', '/api/v1/accounts')).json.items.length;
  const cases: [Record<string, unknown>, string][] = [
    [body({ name: undefined }), 'name'],
    [body({ exchange: 'Binance!' }), 'exchange'],
    [body({ sandbox: 'yes' }), 'sandbox'],
    [body({ credentials: { apiKey: API_KEY } }), 'credentials.secret'],
    [body({ credentials: { apiKey: API_KEY, secret: SECRET, token: SECRET } }), 'credentials.token'],
    [body({ credentials: { apiKey: API_KEY, secret: 5 } }), 'credentials.secret'],
    [body({ credentials: { apiKey: API_KEY, secret: SECRET.repeat(100) } }), 'credentials.secret'],
    [body({ colour: SECRET }), 'colour'],
  ];
  for (const [payload, field] of cases) {
    const answer = await api.call(alice, 'POST', '/api/v1/accounts', payload);
    assert.equal(answer.status, 400, `${JSON.stringify(payload).slice(0, 200)} -> ${answer.body}`);
    assert.equal(answer.json.error.field, field, answer.body);
    assertNoCredentials(answer.body, `the error for ${field}`);
  }
  assert.equal((await api.call(alice, 'GET', '/api/v1/accounts')).json.items.length, before, 'nothing stored');
});

test("the server's log never holds a credential, even at trace level", async () => {
  await api.call(alice, 'POST', '/api/v1/accounts', body({ name: 'logged' }));
  assert.ok(log.includes('/api/v1/accounts'), 'the log saw the requests');
  assertNoCredentials(log, 'the log');
});
