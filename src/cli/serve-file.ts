/**
 * `<data dir>/serve.json`: how the CLI finds a running `botledger serve` and acts through it
 * (its URL and a `local` admin token). It holds a token, so it is written with mode 0600, and
 * written whole or not at all (a temporary file renamed over it): a reader never sees half of it.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file's name in the data dir. */
export const SERVE_FILE_NAME = 'serve.json';

/** What serve.json holds. */
export interface ServeFile {
  /** Where the server answers, such as http://127.0.0.1:8080 (the API is under /api/v1). */
  readonly apiUrl: string;
  readonly pid: number;
  readonly startedAt: string;
  /** A `local` admin token, revoked when the server stops; null when no admin exists. */
  readonly localToken: string | null;
  /** Its id and its user, so that a server that did not stop cleanly has it revoked at the next start. */
  readonly localTokenId: string | null;
  readonly localTokenUserId: string | null;
}

/**
 * The path of serve.json in a data dir.
 *
 * @example
 * serveFilePath('/srv/botledger'); // '/srv/botledger/serve.json'
 */
export function serveFilePath(dataDir: string): string {
  return join(dataDir, SERVE_FILE_NAME);
}

/** Writes serve.json (mode 0600) in one rename. */
export function writeServeFile(dataDir: string, content: ServeFile): void {
  mkdirSync(dataDir, { recursive: true });
  const path = serveFilePath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFileSync is masked by the umask; the token must stay the owner's alone.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** serve.json of a data dir, or undefined when there is none (or it is not one). */
export function readServeFile(dataDir: string): ServeFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(serveFilePath(dataDir), 'utf8')) as Partial<ServeFile>;
    if (typeof parsed.apiUrl !== 'string' || typeof parsed.pid !== 'number') return undefined;
    return parsed as ServeFile;
  } catch {
    return undefined;
  }
}

/** Removes serve.json (nothing when it is not there). */
export function removeServeFile(dataDir: string): void {
  rmSync(serveFilePath(dataDir), { force: true });
}
