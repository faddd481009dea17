/**
 * Username rules: 3 to 32 characters, lower-case letters, digits, `.`, `_` and `-`, starting with
 * a letter. Lower case only, so that `Alice` and `alice` can never be two users, and not the
 * shape of a user id (`usr_` + 16 hex), so a name never hides an id where both are accepted.
 */
import { USER_ID_PATTERN } from './tokens.ts';

const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{2,31}$/;

/**
 * The problem with a username, in words, or undefined when it can be used.
 *
 * @example
 * checkUsername('Alice'); // 'must be 3 to 32 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter'
 */
export function checkUsername(name: unknown): string | undefined {
  if (typeof name !== 'string' || !USERNAME_PATTERN.test(name))
    return 'must be 3 to 32 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter';
  if (USER_ID_PATTERN.test(name)) return 'must not look like a user id (usr_ and 16 hex digits)';
  return undefined;
}
