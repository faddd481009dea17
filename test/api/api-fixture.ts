/**
 * An API under test: a real ledger (SQLite or PostgreSQL) with its paper exchange, the Fastify app
 * built over it, and users with tokens. Requests go through `app.inject()` (the whole Fastify
 * pipeline, without a port).
 */
import { after } from 'node:test';
import { type ApiInstance, buildApp, type BuildAppOptions } from '../../src/api/build-app.ts';
import type { Principal } from '../../src/api/principal.ts';
import { type Ledger, openLedger, venueOf } from '../../src/app/open-ledger.ts';
import { createUser, findUser, issueApiToken } from '../../src/app/users.ts';
import type { TestDatabase } from '../support/dialects.ts';

export const SYMBOL = 'BTC/USDT';
export const SCALPER_CONFIG = { amount: '0.01', entryPrice: '59950', takeProfitPrice: '60050' };
export const MARKETS = {
  [SYMBOL]: { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0' },
  'ETH/USDT': { startPrice: '3000', tickSize: '0.01', volatility: '0.001', spread: '0' },
};

export interface ApiUser {
  readonly username: string;
  readonly userId: string;
  readonly token: string;
}

export interface ApiFixture {
  readonly app: ApiInstance;
  readonly ledger: Ledger;
  /** A user of this role with a token of all its scopes (created on first ask; `admin` is the ledger's first admin). */
  user(username: string, role?: Principal['role']): Promise<ApiUser>;
  /** A request as `user` (anonymous without one). */
  call(
    user: ApiUser | undefined,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<{ status: number; json: any; body: string }>;
  /** Moves the paper price and waits until everything the venue pushed is committed. */
  move(price: string, symbol?: string): Promise<void>;
  close(): Promise<void>;
}

const SCOPES_OF_ROLE: Record<Principal['role'], Principal['scopes']> = {
  admin: ['read', 'trade', 'admin'],
  trader: ['read', 'trade'],
  viewer: ['read'],
};

/**
 * Opens the ledger and the app; closed after the suite.
 *
 * @example
 * const api = await openApi(await target.create());
 * const alice = await api.user('alice');
 * const { status, json } = await api.call(alice, 'GET', '/api/v1/bots');
 */
export async function openApi(database: TestDatabase, options: Partial<BuildAppOptions> = {}): Promise<ApiFixture> {
  const ledger = await openLedger({
    url: database.url,
    migrate: true,
    venue: { seed: 7, dir: database.dir, markets: MARKETS },
    syncAtStart: false,
  });
  const users = new Map<string, ApiUser>();
  const app = await buildApp({ ledger, ...options });
  const fixture: ApiFixture = {
    app,
    ledger,
    async user(username, role = 'trader') {
      const known = users.get(username);
      if (known) return known;
      const created = username === 'admin' ? await findUser(ledger, 'admin') : await createUser(ledger, { username, role });
      const { token } = await issueApiToken(ledger, created.id, { name: 'tests', scopes: [...SCOPES_OF_ROLE[created.role]] });
      const user = { username, userId: created.id, token };
      users.set(username, user);
      return user;
    },
    async call(user, method, url, body) {
      const answer = await app.inject({
        method,
        url,
        headers: user ? { authorization: `Bearer ${user.token}` } : {},
        ...(body !== undefined ? { payload: body as object } : {}),
      });
      let json: unknown;
      try {
        json = answer.json();
      } catch {
        json = undefined;
      }
      return { status: answer.statusCode, json, body: answer.body };
    },
    async move(price, symbol = SYMBOL) {
      venueOf(ledger).paper.control.setPrice(symbol, price);
      await ledger.settle();
    },
    async close() {
      await app.close();
      await ledger.close();
    },
  };
  after(() => fixture.close());
  return fixture;
}
