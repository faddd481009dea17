/**
 * `botledger users ...` as an admin runs it (the compiled CLI; `npm run build` first): passwords
 * only on stdin, a token printed once that then works, scopes checked against the role, the last
 * admin kept, and the catalogue's codes and exit codes for refusals.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { sql } from 'kysely';
import { authenticateToken } from '../../src/app/users.ts';
import { SYSTEM_CLOCK } from '../../src/engine/clock.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { cliLedger } from './cli-ledger.ts';
import { BIN, type CliResult } from './cli-support.ts';

const PASSWORD = 'a long enough password';

/** Runs the CLI with `input` piped on stdin. */
function withStdin(args: readonly string[], input: string, dataDir: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, BOTLEDGER_DATA_DIR: dataDir };
    delete env.BOTLEDGER_DB;
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe', env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdin.end(input);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Exit code and JSON error code of a refused command. */
const refusal = (result: CliResult) => [result.code, JSON.parse(result.stdout).error.code];

async function authenticate(db: string, token: string) {
  const database = await openDatabase(db);
  try {
    return await authenticateToken({ database, clock: SYSTEM_CLOCK }, token);
  } finally {
    await database.close();
  }
}

test('users: add with a password on stdin, a token printed once that works, scopes within the role, revoke, the last admin kept', async () => {
  const ledger = cliLedger();
  const listed = await ledger.json('users', 'list', '--migrate');
  assert.deepEqual(
    listed.users.map((u: { username: string; role: string; hasPassword: boolean }) => [u.username, u.role, u.hasPassword]),
    [['admin', 'admin', false]],
    'the migration made admin',
  );

  const added = await withStdin(
    ['users', 'add', 'alice', '--role', 'trader', '--password-stdin', '--json', '--db', ledger.db],
    `${PASSWORD}\n`,
    ledger.dir,
  );
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual((({ username, role, hasPassword }) => ({ username, role, hasPassword }))(JSON.parse(added.stdout).user), {
    username: 'alice',
    role: 'trader',
    hasPassword: true,
  });
  const database = await openDatabase(ledger.db);
  try {
    const rows = (await sql<Record<string, unknown>>`select * from users`.execute(database.db)).rows;
    assert.ok(!JSON.stringify(rows).includes(PASSWORD), 'the password is not stored');
    assert.match(String(rows.find((row) => row.name === 'alice')?.password_hash), /^scrypt\$16384\$8\$1\$/);
  } finally {
    await database.close();
  }
  assert.deepEqual(refusal(await ledger.cli('users', 'passwd', 'alice', '--json')), [2, 'INVALID_FIELD'], 'never a password without stdin');
  const short = await withStdin(['users', 'passwd', 'alice', '--password-stdin', '--json', '--db', ledger.db], 'short\n', ledger.dir);
  assert.deepEqual(refusal(short), [2, 'PASSWORD_TOO_SHORT']);

  // The token: on stdout alone, once; then it authenticates with its scopes.
  const made = await ledger.cli('users', 'token', 'alice', '--name', 'laptop', '--scopes', 'read,trade', '--expires-days', '30');
  assert.equal(made.code, 0, made.stderr);
  const token = made.stdout.trim();
  assert.match(token, /^blt_[A-Za-z0-9_-]{43}$/);
  assert.match(made.stderr, /shown once/);
  assert.deepEqual((await authenticate(ledger.db, token))?.scopes, ['read', 'trade']);
  const tokens = await ledger.json('users', 'tokens', 'alice');
  assert.equal(tokens.tokens.length, 1);
  assert.ok(!JSON.stringify(tokens).includes(token), 'the token is never shown again');
  const tokenId = tokens.tokens[0].id;

  assert.deepEqual(refusal(await ledger.cli('users', 'token', 'alice', '--name', 'x', '--scopes', 'admin', '--json')), [
    2,
    'SCOPE_INVALID',
  ]);
  assert.deepEqual(refusal(await ledger.cli('users', 'token', 'alice', '--name', 'x', '--scopes', 'read,write', '--json')), [
    2,
    'SCOPE_INVALID',
  ]);
  assert.equal((await ledger.json('users', 'tokens', 'alice')).tokens.length, 1, 'a refused token stores nothing');

  assert.deepEqual(
    refusal(await ledger.cli('users', 'revoke', 'admin', tokenId, '--json')),
    [2, 'TOKEN_NOT_FOUND'],
    "another user's token",
  );
  assert.ok(await authenticate(ledger.db, token));
  await ledger.json('users', 'revoke', 'alice', tokenId);
  assert.equal(await authenticate(ledger.db, token), undefined, 'revoked');

  assert.deepEqual(refusal(await ledger.cli('users', 'disable', 'admin', '--json')), [4, 'USER_IS_LAST_ADMIN']);
  assert.deepEqual(refusal(await ledger.cli('users', 'role', 'admin', 'viewer', '--json')), [4, 'USER_IS_LAST_ADMIN']);
  assert.equal((await ledger.json('users', 'disable', 'alice')).user.disabled, true);
  assert.deepEqual(refusal(await ledger.cli('users', 'add', 'Alice', '--json')), [2, 'USERNAME_INVALID']);
  assert.deepEqual(refusal(await ledger.cli('users', 'add', 'alice', '--json')), [2, 'USER_EXISTS']);
  assert.equal((await ledger.cli('users', 'add', 'bob', '--role', 'god')).code, 2);
  assert.deepEqual(refusal(await ledger.cli('users', 'tokens', 'nobody', '--json')), [2, 'USER_NOT_FOUND']);
  assert.deepEqual(
    (await ledger.json('users', 'list')).users.map((u: { username: string; disabled: boolean }) => [u.username, u.disabled]),
    [
      ['admin', false],
      ['alice', true],
    ],
  );
});
