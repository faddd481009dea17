/**
 * Roles and token scopes (issue 9). A role caps what a user's tokens may do; a token carries its
 * own scopes, and what it may do is the intersection of both, so demoting a user narrows every
 * token they already hold without touching the tokens.
 */

export const ROLES = ['admin', 'trader', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const TOKEN_SCOPES = ['read', 'trade', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const TOKEN_KINDS = ['session', 'personal', 'one_time', 'local'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

const ROLE_SCOPES: Readonly<Record<Role, readonly TokenScope[]>> = {
  viewer: ['read'],
  trader: ['read', 'trade'],
  admin: ['read', 'trade', 'admin'],
};

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);
export const isTokenScope = (value: unknown): value is TokenScope =>
  typeof value === 'string' && (TOKEN_SCOPES as readonly string[]).includes(value);

/**
 * The scopes a role allows.
 *
 * @example
 * scopesOfRole('trader'); // ['read', 'trade']
 */
export function scopesOfRole(role: Role): readonly TokenScope[] {
  return ROLE_SCOPES[role];
}

/**
 * What a token may do: its scopes that its user's role allows, in canonical order.
 *
 * @example
 * effectiveScopes(['read', 'trade', 'admin'], 'viewer'); // ['read']
 */
export function effectiveScopes(tokenScopes: readonly TokenScope[], role: Role): TokenScope[] {
  const allowed = ROLE_SCOPES[role];
  return TOKEN_SCOPES.filter((scope) => tokenScopes.includes(scope) && allowed.includes(scope));
}

/**
 * Scopes as stored (`read,trade`): canonical order, no duplicates.
 *
 * @example
 * formatScopes(['trade', 'read', 'read']); // 'read,trade'
 */
export function formatScopes(scopes: readonly TokenScope[]): string {
  return TOKEN_SCOPES.filter((scope) => scopes.includes(scope)).join(',');
}

/**
 * Stored scopes back to a list; unknown words (never written by botledger) are dropped, so they
 * grant nothing.
 *
 * @example
 * parseStoredScopes('read,trade'); // ['read', 'trade']
 */
export function parseStoredScopes(text: string): TokenScope[] {
  const words = text.split(',').map((word) => word.trim());
  return TOKEN_SCOPES.filter((scope) => words.includes(scope));
}

/**
 * Checks scopes given by a person (a list, or `read,trade`): the problem in words, or the scopes.
 *
 * @example
 * checkScopes(['read', 'write']); // { problem: 'unknown scope "write" (known: read, trade, admin)' }
 */
export function checkScopes(input: unknown): { scopes: TokenScope[] } | { problem: string } {
  const list = typeof input === 'string' ? input.split(',').map((word) => word.trim()) : input;
  if (!Array.isArray(list) || list.length === 0) return { problem: `must name at least one scope of ${TOKEN_SCOPES.join(', ')}` };
  for (const scope of list) {
    if (!isTokenScope(scope)) return { problem: `unknown scope ${JSON.stringify(scope)} (known: ${TOKEN_SCOPES.join(', ')})` };
  }
  return { scopes: TOKEN_SCOPES.filter((scope) => list.includes(scope)) };
}
