/**
 * Password hashing with node:crypto's scrypt (N=16384, r=8, p=1, a 32-byte salt, a 64-byte key),
 * stored as `scrypt$16384$8$1$<salt base64>$<key base64>` so the cost can be raised later
 * without losing older hashes, and compared in constant time.
 */
import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 8;
/** Longer input is refused: scrypt's cost grows with it and nobody types this much. */
export const MAX_PASSWORD_LENGTH = 1024;

const COST = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 32;
const KEY_BYTES = 64;

function derive(password: string, salt: Buffer, options: ScryptOptions, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * The problem with a password, in words, or undefined when it can be used.
 *
 * @example
 * checkPassword('short'); // 'must be at least 8 characters'
 */
export function checkPassword(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'must be a string';
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

/**
 * The stored form of a password.
 *
 * @example
 * await hashPassword('correct horse'); // 'scrypt$16384$8$1$...$...'
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST, KEY_BYTES);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A stored hash that matches nothing, checked when there is no user, so both cases cost the same time. */
export const DUMMY_PASSWORD_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(SALT_BYTES).toString('base64')}$${Buffer.alloc(KEY_BYTES).toString('base64')}`;

/**
 * True when `password` matches `stored` (a malformed stored hash matches nothing).
 *
 * @example
 * await verifyPassword('correct horse', stored); // true
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  if (expected.length === 0) return false;
  const key = await derive(password, salt, { N, r, p }, expected.length);
  return timingSafeEqual(key, expected);
}
