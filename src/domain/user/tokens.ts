/**
 * API token text and ids. A token is `blt_` and 43 base64url characters (32 random bytes); only
 * its sha256 (hex) is stored, so a database leak gives no usable token. The fixed shape lets a
 * request with something else be refused without a database read.
 */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PATTERN = /^blt_[A-Za-z0-9_-]{43}$/;

/**
 * A new token (shown once, never stored).
 *
 * @example
 * newApiToken(); // 'blt_3q2-7wE...'
 */
export function newApiToken(): string {
  return `blt_${randomBytes(32).toString('base64url')}`;
}

/** True when `text` has the shape of a botledger token. */
export function looksLikeApiToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/**
 * sha256 hex of a token: what is stored and looked up.
 *
 * @example
 * hashApiToken('blt_abc'); // '5f1d...'
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token id, `tok_` + 16 hex. */
export const newTokenId = (): string => `tok_${randomBytes(8).toString('hex')}`;

/** A new user id, `usr_` + 16 hex. */
export const newUserId = (): string => `usr_${randomBytes(8).toString('hex')}`;

/** The shape of the ids {@link newUserId} makes (a username may not look like one). */
export const USER_ID_PATTERN = /^usr_[0-9a-f]{16}$/;
