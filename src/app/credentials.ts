/**
 * Exchange credentials at rest (issue 9): encrypted with AES-256-GCM before they reach the
 * database, so a copy of the database (a backup, a dump) does not hold usable keys. The key is
 * $BOTLEDGER_SECRET_KEY (64 hex digits) or, without it, `secret.key` in the data folder (the folder
 * of the SQLite file; for PostgreSQL the venue folder, venue.ts venueDirFor), made once with 32
 * random bytes and mode 0600. The stored text names its format and carries a random nonce and the
 * GCM tag; the account id is the associated data, so a ciphertext copied onto another account does
 * not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatabaseTarget } from '../storage/database.ts';
import { LedgerError } from './ledger-error.ts';
import { venueDirFor } from './venue.ts';

/** The environment variable holding the key, 64 hex digits. */
export const SECRET_KEY_ENV = 'BOTLEDGER_SECRET_KEY';
/** The key file's name in the data folder. */
export const SECRET_KEY_FILE = 'secret.key';

const FORMAT = 'aes-256-gcm:v1';
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** An exchange account's keys, as given when the account is made. */
export interface ExchangeCredentials {
  readonly apiKey: string;
  readonly secret: string;
  readonly password?: string;
}

/**
 * The folder that holds secret.key for a database.
 *
 * @example
 * secretKeyDirFor({ dialect: 'sqlite', path: '/srv/bot/ledger.db' }); // '/srv/bot'
 */
export function secretKeyDirFor(target: DatabaseTarget, env: NodeJS.ProcessEnv = process.env): string {
  return target.dialect === 'sqlite' ? dirname(target.path) : venueDirFor(target, env);
}

function invalidKey(where: string): LedgerError {
  return new LedgerError('SECRET_KEY_INVALID', `${where} must hold 32 bytes as 64 hex digits (make one with \`openssl rand -hex 32\`)`, {
    source: where,
  });
}

/**
 * The encryption key: from $BOTLEDGER_SECRET_KEY, else from `<dir>/secret.key`, made (0600, 32
 * random bytes as hex) when missing. Two processes making it at once both end with the first one's.
 *
 * @example
 * const key = loadSecretKey('/srv/bot'); // 32-byte Buffer
 */
export function loadSecretKey(dir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!HEX_KEY.test(fromEnv.trim())) throw invalidKey(`$${SECRET_KEY_ENV}`);
    return Buffer.from(fromEnv.trim(), 'hex');
  }
  const file = join(dir, SECRET_KEY_FILE);
  try {
    mkdirSync(dir, { recursive: true });
    // 'wx': never overwrite a key that exists (the credentials stored with it would be lost).
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!HEX_KEY.test(text)) throw invalidKey(file);
  return Buffer.from(text, 'hex');
}

/**
 * The stored form of credentials: `aes-256-gcm:v1:<nonce>:<tag>:<ciphertext>` (base64url).
 *
 * @example
 * encryptCredentials(key, 'acc-1', { apiKey: 'k', secret: 's' }); // 'aes-256-gcm:v1:...'
 */
export function encryptCredentials(key: Buffer, accountId: string, credentials: ExchangeCredentials): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(accountId, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
  return [FORMAT, nonce.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
}

/**
 * The credentials of a stored form (for the code that connects to the exchange; never shown).
 * Throws when the key or the account is not the one they were encrypted with.
 *
 * @example
 * decryptCredentials(key, 'acc-1', stored).apiKey;
 */
export function decryptCredentials(key: Buffer, accountId: string, stored: string): ExchangeCredentials {
  const parts = stored.split(':');
  if (parts.length !== 5 || `${parts[0]}:${parts[1]}` !== FORMAT)
    throw new Error(`credentials of account ${accountId} are not in the ${FORMAT} form`);
  const [, , nonce, tag, body] = parts as [string, string, string, string, string];
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
  decipher.setAAD(Buffer.from(accountId, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  return JSON.parse(text) as ExchangeCredentials;
}
