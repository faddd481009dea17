/** The API's version prefix and botledger's package version. */
import { readFileSync } from 'node:fs';

export const API_VERSION_PREFIX = '/api/v1';

let cached: string | undefined;

/** botledger's version, from package.json. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
