/**
 * Exchange accounts (issue 9): a user's own accounts and the shared built-in paper exchange
 * account (user_id null), which every user's bots trade on. Credentials are write-only: stored
 * encrypted (credentials.ts) and never returned; a view says only `hasCredentials`.
 * With an owner, another user's account is exactly like a missing one (ACCOUNT_NOT_FOUND).
 */
import { randomBytes } from 'node:crypto';
import { type ExchangeAccount, getExchangeAccount, insertExchangeAccount } from '../storage/repositories/accounts.ts';
import { accountUses, deleteExchangeAccount, listAccountsOf } from '../storage/repositories/owned-accounts.ts';
import { encryptCredentials, type ExchangeCredentials, loadSecretKey, secretKeyDirFor } from './credentials.ts';
import { LedgerError } from './ledger-error.ts';
import type { Ledger } from './open-ledger.ts';
import type { OwnerOption } from './ownership.ts';

/** An account as it is shown: never its credentials. */
export interface AccountView {
  readonly id: string;
  readonly name: string;
  readonly exchange: string;
  readonly sandbox: boolean;
  /** The built-in paper exchange account every user trades on (no owner; cannot be deleted). */
  readonly shared: boolean;
  readonly hasCredentials: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** @example accountView(account).hasCredentials; // true */
export function accountView(account: ExchangeAccount): AccountView {
  return {
    id: account.id,
    name: account.name,
    exchange: account.exchange,
    sandbox: account.sandbox,
    shared: account.userId === null,
    hasCredentials: account.credentialsRef !== null,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
  };
}

/**
 * The accounts the owner may see (theirs and the shared paper account), by id; every account without an owner.
 *
 * @example
 * (await listAccounts(ledger, { owner: 'u1' })).map((a) => a.id); // ['acc-1f...', 'paper']
 */
export async function listAccounts(ledger: Pick<Ledger, 'database'>, options: OwnerOption = {}): Promise<AccountView[]> {
  return (await listAccountsOf(ledger.database.db, options.owner)).map(accountView);
}

function notFound(id: string): LedgerError {
  return new LedgerError('ACCOUNT_NOT_FOUND', `exchange account ${id} does not exist (see the list of accounts)`, {
    account: id,
    field: 'id',
  });
}

/**
 * One account the owner may see; ACCOUNT_NOT_FOUND for a missing one or another user's.
 *
 * @example
 * const account = await findAccount(ledger, 'paper', { owner: 'u1' });
 */
export async function findAccount(ledger: Pick<Ledger, 'database'>, id: string, options: OwnerOption = {}): Promise<AccountView> {
  const account = await getExchangeAccount(ledger.database.db, id);
  if (!account || (options.owner !== undefined && account.userId !== null && account.userId !== options.owner)) throw notFound(id);
  return accountView(account);
}

/** A new account of a user. */
export interface CreateAccountRequest {
  /** The user the account belongs to. */
  readonly owner: string;
  readonly name: string;
  /** A ccxt exchange id, lower case: `binance`, `bybit`, `okx`. */
  readonly exchange: string;
  readonly sandbox?: boolean;
  readonly credentials: ExchangeCredentials;
}

const EXCHANGE_ID = /^[a-z][a-z0-9]{1,39}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(field: string, message: string): LedgerError {
  return new LedgerError('INVALID_FIELD', `${field} ${message}`, { field });
}

/** A text field: a string of 1..max characters without control characters. The value itself is never echoed (it may be a secret). */
function checkText(value: unknown, field: string, max: number): void {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.trim().length === 0) throw invalid(field, 'must not be empty');
  if (value.length > max) throw invalid(field, `must be at most ${max} characters`);
  if (CONTROL.test(value)) throw invalid(field, 'must not contain control characters');
}

function checkRequest(request: CreateAccountRequest): void {
  if (typeof request.owner !== 'string' || request.owner === '') throw invalid('owner', 'must name the user the account belongs to');
  checkText(request.name, 'name', 100);
  if (typeof request.exchange !== 'string' || !EXCHANGE_ID.test(request.exchange))
    throw invalid('exchange', 'must be a ccxt exchange id in lower case letters and digits, such as binance or okx');
  if (request.sandbox !== undefined && typeof request.sandbox !== 'boolean') throw invalid('sandbox', 'must be true or false');
  const credentials = request.credentials as unknown;
  if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials))
    throw invalid('credentials', 'must be an object with apiKey and secret');
  const given = credentials as Record<string, unknown>;
  for (const key of Object.keys(given))
    if (!['apiKey', 'secret', 'password'].includes(key))
      throw invalid(`credentials.${key.slice(0, 40)}`, 'is not a credential field (apiKey, secret, password)');
  checkText(given.apiKey, 'credentials.apiKey', 1024);
  checkText(given.secret, 'credentials.secret', 1024);
  if (given.password !== undefined) checkText(given.password, 'credentials.password', 1024);
}

/**
 * Makes an account of the owner, with its credentials encrypted (AES-256-GCM) in credentials_ref.
 * INVALID_FIELD (naming the field, never echoing a secret) for bad input; nothing is stored then.
 *
 * @example
 * const view = await createAccount(ledger, { owner: 'u1', name: 'main', exchange: 'binance', sandbox: true, credentials: { apiKey, secret } });
 * view.hasCredentials; // true
 */
export async function createAccount(ledger: Pick<Ledger, 'database' | 'clock'>, request: CreateAccountRequest): Promise<AccountView> {
  checkRequest(request);
  const key = loadSecretKey(secretKeyDirFor(ledger.database.target));
  const id = `acc-${randomBytes(8).toString('hex')}`;
  const now = new Date(ledger.clock.now()).toISOString();
  const { apiKey, secret, password } = request.credentials;
  const account: ExchangeAccount = {
    id,
    userId: request.owner,
    name: request.name.trim(),
    exchange: request.exchange,
    sandbox: request.sandbox ?? false,
    credentialsRef: encryptCredentials(key, id, password === undefined ? { apiKey, secret } : { apiKey, secret, password }),
    createdAt: now,
    updatedAt: now,
  };
  await insertExchangeAccount(ledger.database.db, account);
  return accountView(account);
}

/**
 * Deletes an account of the owner (any account without an owner). ACCOUNT_NOT_FOUND for a missing
 * one or another user's, ACCOUNT_SHARED for the shared paper account, ACCOUNT_IN_USE while bots or
 * positions name it (delete those first).
 *
 * @example
 * await deleteAccount(ledger, 'acc-1f...', { owner: 'u1' });
 */
export async function deleteAccount(ledger: Pick<Ledger, 'database'>, id: string, options: OwnerOption = {}): Promise<AccountView> {
  const view = await findAccount(ledger, id, options);
  if (view.shared)
    throw new LedgerError(
      'ACCOUNT_SHARED',
      `exchange account ${id} (${view.name}) is the shared paper exchange account; it cannot be deleted`,
      { account: id, field: 'id' },
    );
  const uses = await accountUses(ledger.database.db, id);
  if (uses.bots + uses.positions > 0)
    throw new LedgerError(
      'ACCOUNT_IN_USE',
      `exchange account ${id} (${view.name}) is still used by ${uses.bots} bot(s) and ${uses.positions} position(s); nothing was deleted`,
      { account: id, field: 'id', ...uses },
    );
  if (!(await deleteExchangeAccount(ledger.database, id))) throw notFound(id);
  return view;
}
