/**
 * Users, passwords and tokens (src/app/users.ts) on both dialects, against real databases with
 * every core migration: login and its rate limit, one-time tokens, token expiry, revocation and
 * disabled users, scopes cut down to roles, the last admin, and tokens stored only as hashes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import {
  authenticateToken,
  createUser,
  deleteUser,
  ensureFirstLogin,
  findUser,
  issueApiToken,
  type LedgerCore,
  listApiTokens,
  listUsers,
  login,
  logout,
  revokeApiToken,
  updateUser,
} from '../../src/app/users.ts';
import { hashPassword, verifyPassword } from '../../src/domain/user/passwords.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type LedgerDatabase, openLedgerDatabase } from '../support/ledger-database.ts';

const IP = { ip: '10.0.0.1' };
const PASSWORD = 'correct horse battery';

/** Rejects with this catalogue code. */
const code = (expected: string) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, expected, String((error as Error).message));
  return true;
};

async function withLedger(
  target: Parameters<typeof openLedgerDatabase>[0],
  work: (ledger: LedgerCore & { clock: ManualClock; db: LedgerDatabase }) => Promise<void>,
) {
  const database = await openLedgerDatabase(target);
  const clock = new ManualClock(Date.parse('2030-01-01T00:00:00.000Z'));
  try {
    await work({ database, clock, db: database });
  } finally {
    await database.close();
  }
}

test('passwords: scrypt round trip in the documented format; a wrong password or a malformed hash matches nothing', async () => {
  const stored = await hashPassword(PASSWORD);
  assert.match(stored, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{43}=\$[A-Za-z0-9+/]{86}==$/);
  assert.equal(await verifyPassword(PASSWORD, stored), true);
  assert.equal(await verifyPassword(`${PASSWORD}x`, stored), false);
  assert.notEqual(await hashPassword(PASSWORD), stored, 'a new salt each time');
  assert.equal(await verifyPassword(PASSWORD, 'plain'), false);
});

forEachDialect('users and tokens', (target) => {
  test('the migration made admin (no password); create, list and find users; bad input stores nothing', async () => {
    await withLedger(target, async (ledger) => {
      const [admin] = await listUsers(ledger);
      assert.deepEqual(
        { ...admin, id: undefined, createdAt: undefined },
        { id: undefined, username: 'admin', role: 'admin', createdAt: undefined, disabled: false, hasPassword: false },
      );
      const alice = await createUser(ledger, { username: 'alice', password: PASSWORD, role: 'trader' });
      assert.equal(alice.hasPassword, true);
      assert.deepEqual(await findUser(ledger, 'alice'), alice);
      assert.deepEqual(await findUser(ledger, alice.id), alice);
      await assert.rejects(findUser(ledger, 'nobody'), code('USER_NOT_FOUND'));
      await assert.rejects(createUser(ledger, { username: 'alice', role: 'viewer' }), code('USER_EXISTS'));
      await assert.rejects(createUser(ledger, { username: 'Bob', role: 'viewer' }), code('USERNAME_INVALID'));
      await assert.rejects(createUser(ledger, { username: 'bob', password: 'short', role: 'viewer' }), code('PASSWORD_TOO_SHORT'));
      await assert.rejects(createUser(ledger, { username: 'bob', role: 'root' as never }), code('INVALID_FIELD'));
      assert.deepEqual(
        (await listUsers(ledger)).map((u) => u.username),
        ['admin', 'alice'],
      );
    });
  });

  test('login: a session token for 12 h; wrong password, unknown user, no password and disabled all give the same LOGIN_FAILED', async () => {
    await withLedger(target, async (ledger) => {
      await createUser(ledger, { username: 'alice', password: PASSWORD, role: 'trader' });
      const session = await login(ledger, { username: 'alice', password: PASSWORD }, IP);
      assert.equal(session.expiresAt, '2030-01-01T12:00:00.000Z');
      assert.equal(session.user.username, 'alice');
      const principal = await authenticateToken(ledger, session.token);
      assert.deepEqual(
        { ...principal, userId: undefined, tokenId: undefined },
        { userId: undefined, tokenId: undefined, username: 'alice', role: 'trader', scopes: ['read', 'trade'], tokenKind: 'session' },
      );

      const failures = [];
      for (const credentials of [
        { username: 'alice', password: 'wrong password' },
        { username: 'mallory', password: PASSWORD },
        { username: 'admin', password: PASSWORD },
      ]) {
        const error = await login(ledger, credentials, IP).catch((e) => e);
        failures.push([error.code, error.message]);
      }
      assert.deepEqual(failures, Array(3).fill(['LOGIN_FAILED', 'wrong username or password']));
      await updateUser(ledger, 'alice', { disabled: true });
      await assert.rejects(login(ledger, { username: 'alice', password: PASSWORD }, IP), code('LOGIN_FAILED'));
      assert.equal(await authenticateToken(ledger, session.token), undefined, "a disabled user's session stops working");

      await updateUser(ledger, 'alice', { disabled: false });
      const again = await login(ledger, { username: 'ALICE', password: PASSWORD }, IP);
      ledger.clock.advance(12 * 3_600_000 - 1);
      assert.ok(await authenticateToken(ledger, again.token));
      ledger.clock.advance(1);
      assert.equal(await authenticateToken(ledger, again.token), undefined, 'expired after 12 h');

      const third = await login(ledger, { username: 'alice', password: PASSWORD }, IP);
      const p3 = await authenticateToken(ledger, third.token);
      assert.ok(p3);
      await logout(ledger, p3);
      assert.equal(await authenticateToken(ledger, third.token), undefined, 'logout ends the session');
    });
  });

  test('rate limit: 5 failures per username or 20 per address in 15 minutes refuse even the right password, until the window passes', async () => {
    await withLedger(target, async (ledger) => {
      await createUser(ledger, { username: 'alice', password: PASSWORD, role: 'trader' });
      for (let i = 0; i < 5; i += 1) {
        await assert.rejects(login(ledger, { username: 'alice', password: `guess ${i}` }, IP), code('LOGIN_FAILED'));
        ledger.clock.advance(60_000);
      }
      await assert.rejects(login(ledger, { username: 'alice', password: PASSWORD }, { ip: '10.0.0.2' }), (error: any) => {
        assert.equal(error.code, 'LOGIN_RATE_LIMITED');
        assert.equal(error.details.retryAfterSeconds, 10 * 60, 'the first failure (at 0:00; now 0:05) leaves the window at 0:15');
        return true;
      });
      ledger.clock.advance(10 * 60_000 - 1000);
      await assert.rejects(login(ledger, { username: 'alice', password: PASSWORD }, IP), code('LOGIN_RATE_LIMITED'));
      ledger.clock.advance(1000);
      assert.ok(await login(ledger, { username: 'alice', password: PASSWORD }, IP), 'the oldest failure left the window');

      // 20 failures from one address, over many usernames, close that address to every username.
      for (let i = 0; i < 20; i += 1)
        await assert.rejects(login(ledger, { username: `user${i}`, password: 'nope nope' }, { ip: '10.9.9.9' }), code('LOGIN_FAILED'));
      await assert.rejects(login(ledger, { username: 'alice', password: PASSWORD }, { ip: '10.9.9.9' }), code('LOGIN_RATE_LIMITED'));
      assert.ok(await login(ledger, { username: 'alice', password: PASSWORD }, { ip: '10.0.0.3' }), 'another address is not limited');
      ledger.clock.advance(15 * 60_000);
      assert.ok(await login(ledger, { username: 'alice', password: PASSWORD }, { ip: '10.9.9.9' }), 'and it resets after the window');
    });
  });

  test('a one-time token logs in once (never as a bearer); ensureFirstLogin gives one while nobody can log in', async () => {
    await withLedger(target, async (ledger) => {
      const first = await ensureFirstLogin(ledger);
      assert.equal(first?.username, 'admin');
      const second = await ensureFirstLogin(ledger);
      assert.ok(second, 'nobody could log in yet: a new one');
      await assert.rejects(login(ledger, { token: first!.token }, IP), code('LOGIN_FAILED'), 'only the last one printed works');
      assert.equal(await authenticateToken(ledger, second.token), undefined, 'not a bearer token');
      const session = await login(ledger, { token: second.token }, IP);
      assert.equal(session.user.username, 'admin');
      assert.deepEqual((await authenticateToken(ledger, session.token))?.scopes, ['read', 'trade', 'admin']);
      await assert.rejects(login(ledger, { token: second.token }, IP), code('LOGIN_FAILED'), 'consumed');
      assert.equal(await ensureFirstLogin(ledger), undefined, 'the admin has a live session now');
      ledger.clock.advance(12 * 3_600_000);
      assert.ok(await ensureFirstLogin(ledger), 'the session expired: nobody can log in again');
      await updateUser(ledger, 'admin', { password: PASSWORD });
      assert.equal(await ensureFirstLogin(ledger), undefined, 'the admin has a password');

      const { token } = await issueApiToken(ledger, 'admin', { name: 'invite', scopes: ['read'], kind: 'one_time' });
      ledger.clock.advance(86_400_000);
      await assert.rejects(login(ledger, { token }, IP), code('LOGIN_FAILED'), 'one day by default');
    });
  });

  test('personal tokens: shown once, stored as a sha256 only, refused once expired, revoked or their user disabled; last_used_at at most once a minute', async () => {
    await withLedger(target, async (ledger) => {
      const alice = await createUser(ledger, { username: 'alice', role: 'trader' });
      const bob = await createUser(ledger, { username: 'bob', role: 'trader' });
      const { token, view } = await issueApiToken(ledger, 'alice', { name: 'laptop', scopes: ['read', 'trade'], expiresInDays: 30 });
      assert.match(token, /^blt_[A-Za-z0-9_-]{43}$/);
      assert.equal(view.expiresAt, '2030-01-31T00:00:00.000Z');
      const rows = (await sql<Record<string, unknown>>`select * from api_tokens`.execute(ledger.db.db)).rows;
      assert.ok(!JSON.stringify(rows).includes(token.slice(4)), 'the token itself is nowhere in the table');
      assert.deepEqual(
        rows.map((row) => row.token_hash),
        [createHash('sha256').update(token).digest('hex')],
      );
      assert.ok(!JSON.stringify(await listApiTokens(ledger, alice.id)).includes(token), 'never listed');

      const lastUsed = async () => (await listApiTokens(ledger, 'alice'))[0].lastUsedAt;
      assert.equal((await authenticateToken(ledger, token))?.userId, alice.id);
      assert.equal(await lastUsed(), '2030-01-01T00:00:00.000Z');
      ledger.clock.advance(59_000);
      await authenticateToken(ledger, token);
      assert.equal(await lastUsed(), '2030-01-01T00:00:00.000Z', 'not written again within a minute');
      ledger.clock.advance(2_000);
      await authenticateToken(ledger, token);
      assert.equal(await lastUsed(), '2030-01-01T00:01:01.000Z');

      await updateUser(ledger, 'alice', { disabled: true });
      assert.equal(await authenticateToken(ledger, token), undefined, 'disabled user');
      await updateUser(ledger, 'alice', { disabled: false });
      assert.ok(await authenticateToken(ledger, token), 'enabled again');

      await assert.rejects(revokeApiToken(ledger, bob.id, view.id), code('TOKEN_NOT_FOUND'), "another user's token is not found");
      assert.ok(await authenticateToken(ledger, token));
      const revoked = await revokeApiToken(ledger, alice.id, view.id);
      assert.equal(revoked.revokedAt, '2030-01-01T00:01:01.000Z');
      assert.equal(await authenticateToken(ledger, token), undefined, 'revoked');

      const expiring = await issueApiToken(ledger, 'bob', { name: 'ci', scopes: ['read'], expiresInDays: 1 });
      ledger.clock.advance(86_400_000 - 1);
      assert.ok(await authenticateToken(ledger, expiring.token));
      ledger.clock.advance(1);
      assert.equal(await authenticateToken(ledger, expiring.token), undefined, 'expired');
      assert.equal(await authenticateToken(ledger, 'blt_not-a-token'), undefined);
      await assert.rejects(issueApiToken(ledger, 'bob', { name: 'x', scopes: ['read'], expiresInDays: 0 }), code('INVALID_FIELD'));
      await assert.rejects(issueApiToken(ledger, 'bob', { name: '', scopes: ['read'] }), code('INVALID_FIELD'));
      await assert.rejects(issueApiToken(ledger, 'nobody', { name: 'x', scopes: ['read'] }), code('USER_NOT_FOUND'));
    });
  });

  test("scopes: a token may do its scopes cut down to its user's role; more than the role allows is refused when issued", async () => {
    await withLedger(target, async (ledger) => {
      await createUser(ledger, { username: 'carol', role: 'admin' });
      await assert.rejects(issueApiToken(ledger, 'admin', { name: 'x', scopes: ['read', 'write' as never] }), code('SCOPE_INVALID'));
      await assert.rejects(issueApiToken(ledger, 'admin', { name: 'x', scopes: [] }), code('SCOPE_INVALID'));
      const full = await issueApiToken(ledger, 'carol', { name: 'all', scopes: ['admin', 'read', 'trade'] });
      const readOnly = await issueApiToken(ledger, 'carol', { name: 'ro', scopes: ['read'] });
      assert.deepEqual((await authenticateToken(ledger, full.token))?.scopes, ['read', 'trade', 'admin']);
      assert.deepEqual((await authenticateToken(ledger, readOnly.token))?.scopes, ['read']);
      await updateUser(ledger, 'carol', { role: 'viewer' });
      const demoted = await authenticateToken(ledger, full.token);
      assert.equal(demoted?.role, 'viewer');
      assert.deepEqual(demoted?.scopes, ['read'], 'demoting narrows the tokens already issued');
      await assert.rejects(issueApiToken(ledger, 'carol', { name: 'x', scopes: ['trade'] }), code('SCOPE_INVALID'));
      await updateUser(ledger, 'carol', { role: 'trader' });
      assert.deepEqual((await authenticateToken(ledger, full.token))?.scopes, ['read', 'trade']);
    });
  });

  test('the last enabled admin cannot be deleted, demoted or disabled; a user owning ledger rows cannot be deleted', async () => {
    await withLedger(target, async (ledger) => {
      for (const attempt of [
        () => deleteUser(ledger, 'admin'),
        () => updateUser(ledger, 'admin', { role: 'trader' }),
        () => updateUser(ledger, 'admin', { disabled: true }),
      ])
        await assert.rejects(attempt(), code('USER_IS_LAST_ADMIN'));
      assert.deepEqual(await findUser(ledger, 'admin').then((u) => [u.role, u.disabled]), ['admin', false], 'nothing changed');
      await createUser(ledger, { username: 'dave', role: 'admin' });
      await updateUser(ledger, 'dave', { disabled: true });
      await assert.rejects(updateUser(ledger, 'admin', { role: 'viewer' }), code('USER_IS_LAST_ADMIN'), 'a disabled admin does not count');
      await updateUser(ledger, 'dave', { disabled: false });
      await updateUser(ledger, 'admin', { role: 'viewer' });
      await assert.rejects(deleteUser(ledger, 'dave'), code('USER_IS_LAST_ADMIN'));

      const erin = await createUser(ledger, { username: 'erin', role: 'trader' });
      await issueApiToken(ledger, 'erin', { name: 'x', scopes: ['read'] });
      await ledger.db.db
        .insertInto('bots')
        .values({
          id: 'b1',
          user_id: erin.id,
          plugin_id: 'scalper',
          symbol: 'BTC/USDT',
          config: '{}',
          status: 'stopped',
          order_ttl_ms: 1000,
          created_at: '2030-01-01T00:00:00.000Z',
          updated_at: '2030-01-01T00:00:00.000Z',
        })
        .execute();
      await assert.rejects(deleteUser(ledger, 'erin'), code('USER_OWNS_DATA'));
      await ledger.db.db.deleteFrom('bots').execute();
      await deleteUser(ledger, 'erin');
      await assert.rejects(findUser(ledger, 'erin'), code('USER_NOT_FOUND'));
      const left = await sql<{ n: number | string }>`select count(*) as n from api_tokens where user_id = ${erin.id}`.execute(ledger.db.db);
      assert.equal(Number(left.rows[0].n), 0, 'their tokens went with them');
    });
  });

  test('a new password ends the sessions of the old one', async () => {
    await withLedger(target, async (ledger) => {
      await createUser(ledger, { username: 'alice', password: PASSWORD, role: 'viewer' });
      const session = await login(ledger, { username: 'alice', password: PASSWORD }, IP);
      const personal = await issueApiToken(ledger, 'alice', { name: 'x', scopes: ['read'] });
      await updateUser(ledger, 'alice', { password: 'another long one' });
      assert.equal(await authenticateToken(ledger, session.token), undefined);
      assert.ok(await authenticateToken(ledger, personal.token), 'personal tokens stay (revoke them one by one)');
      await assert.rejects(login(ledger, { username: 'alice', password: PASSWORD }, IP), code('LOGIN_FAILED'));
      assert.ok(await login(ledger, { username: 'alice', password: 'another long one' }, IP));
    });
  });
});
