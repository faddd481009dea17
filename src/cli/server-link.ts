/**
 * The command line and a running `botledger serve` get along: while a server holds the venue, a
 * write command sends its request through the server's REST API instead of opening the venue
 * itself (which would be refused: VENUE_IN_USE).
 *
 * Which server: `--url URL` or `$BOTLEDGER_URL` (its token from `$BOTLEDGER_TOKEN`), else the
 * `serve.json` that `botledger serve` writes next to the database (its data dir: the SQLite file's
 * folder, or the venue folder of a PostgreSQL ledger) when its pid is alive and its /healthz
 * answers. A serve.json left by a server that died is ignored, and said once.
 *
 * The client speaks the API's error body `{ error: { code, message, field, details } }` back into
 * an error with the same catalogue code, so the CLI prints it and exits exactly as it does when
 * the command runs locally.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { venueDirFor } from '../app/venue.ts';
import { LedgerError } from '../app/ledger-error.ts';
import { parseDatabaseUrl, resolveDatabaseUrl } from '../storage/database.ts';

/** The file `botledger serve` leaves in the data dir while it runs. */
export const SERVE_FILE_NAME = 'serve.json';
export const SERVER_URL_ENV = 'BOTLEDGER_URL';
export const SERVER_TOKEN_ENV = 'BOTLEDGER_TOKEN';
export const USER_ENV = 'BOTLEDGER_USER';
/** The header a local token names the acting user with (src/api/auth.ts ACT_AS_HEADER; the CLI does not import the API layer). */
const ACT_AS_HEADER = 'x-botledger-user';
/** How long /healthz may take before a server counts as not answering. */
const HEALTH_TIMEOUT_MS = 2_000;
/** How long one API call may take (a command that places orders waits for the venue). */
const REQUEST_TIMEOUT_MS = 60_000;

/** The flags of a command that may go through a server. */
export interface ServerFlags {
  db?: string;
  url?: string;
  user?: string;
}

/** What serve.json holds (written by src/cli/serve.ts, mode 0600). */
interface ServeFile {
  readonly apiUrl: string;
  readonly pid: number;
  readonly startedAt?: string;
  readonly localToken?: string | null;
}

/**
 * The user a command acts as: `--user`, else `$BOTLEDGER_USER`, else undefined (the first admin:
 * the server's local token is theirs; locally, the ledger's default owner).
 *
 * @example
 * actingUser({ user: 'ana' }); // 'ana'
 */
export function actingUser(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = flags.user ?? env[USER_ENV];
  return name === undefined || name === '' ? undefined : name;
}

/**
 * The data dir of the database a command uses, where serve.json is.
 *
 * @example
 * serveFileOf('sqlite:/srv/bot/ledger.db'); // '/srv/bot/serve.json'
 */
export function serveFileOf(databaseUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(venueDirFor(parseDatabaseUrl(databaseUrl), env), SERVE_FILE_NAME);
}

function readServeFile(path: string): ServeFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServeFile>;
    if (typeof parsed.apiUrl !== 'string' || typeof parsed.pid !== 'number') return undefined;
    return parsed as ServeFile;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs (EPERM: it runs, as another user). */
function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function answersHealth(apiUrl: string): Promise<boolean> {
  try {
    const answer = await fetch(new URL('/healthz', apiUrl), { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return answer.ok;
  } catch {
    return false;
  }
}

const unreachable = (apiUrl: string, why: string, source: string) =>
  new LedgerError('SERVER_UNREACHABLE', `the botledger server at ${apiUrl} (${source}) does not answer: ${why}`, { url: apiUrl, source });

/**
 * The live server for the database in use, or undefined (the command then works on the database
 * and venue itself). `--url`/`$BOTLEDGER_URL` that does not answer is an error (SERVER_UNREACHABLE):
 * the user asked for that server.
 *
 * @example
 * const server = await findServer(flags, (line) => process.stderr.write(`${line}\n`));
 */
export async function findServer(
  flags: ServerFlags,
  onNotice: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApiClient | undefined> {
  const user = actingUser(flags, env);
  const explicit = flags.url ?? env[SERVER_URL_ENV];
  if (explicit !== undefined && explicit !== '') {
    const source = flags.url !== undefined ? '--url' : `$${SERVER_URL_ENV}`;
    let apiUrl: string;
    try {
      apiUrl = new URL(explicit).origin;
    } catch {
      throw new LedgerError('SERVER_URL_INVALID', `${source} must be an http(s) URL such as http://127.0.0.1:8080, got "${explicit}"`, {
        flag: '--url',
      });
    }
    if (!(await answersHealth(apiUrl))) throw unreachable(apiUrl, 'no answer at /healthz', source);
    return new ApiClient(apiUrl, env[SERVER_TOKEN_ENV] ?? localTokenFor(apiUrl, flags, env), user);
  }
  const path = serveFileOf(resolveDatabaseUrl(flags.db, env), env);
  const file = readServeFile(path);
  if (!file) return undefined;
  if (!pidAlive(file.pid)) {
    onNotice(
      `notice: ignoring ${path}: its server (pid ${file.pid}, started ${file.startedAt ?? '?'}) is not running; working on the database directly`,
    );
    return undefined;
  }
  if (!(await answersHealth(file.apiUrl))) {
    onNotice(`notice: ignoring ${path}: pid ${file.pid} runs but ${file.apiUrl}/healthz does not answer; working on the database directly`);
    return undefined;
  }
  return new ApiClient(file.apiUrl, file.localToken ?? undefined, user);
}

/** serve.json's local token when --url names the same server (no need to copy the token around). */
function localTokenFor(apiUrl: string, flags: ServerFlags, env: NodeJS.ProcessEnv): string | undefined {
  try {
    const file = readServeFile(serveFileOf(resolveDatabaseUrl(flags.db, env), env));
    return file && new URL(file.apiUrl).origin === apiUrl ? (file.localToken ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

/** An error the server answered with: the catalogue code it gave, its message, and the field it names. */
export class ServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** A small client of the REST API (Node's fetch): the token, the acting user, errors as catalogue codes. */
export class ApiClient {
  constructor(
    readonly apiUrl: string,
    readonly token: string | undefined,
    readonly user: string | undefined,
  ) {}

  /**
   * One call under /api/v1; resolves to the JSON body of a 2xx answer, throws {@link ServerError}
   * with the API's code otherwise, SERVER_UNREACHABLE when nothing answers.
   *
   * @example
   * const change = await client.call('POST', '/bots/s1/stop', { closePosition: true });
   */
  async call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.user) headers[ACT_AS_HEADER] = this.user;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let answer: Response;
    try {
      answer = await fetch(new URL(`/api/v1${path}`, this.apiUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(
        this.apiUrl,
        `${method} /api/v1${path}: ${(error as Error).cause ? String((error as Error & { cause: unknown }).cause) : (error as Error).message}`,
        'the running server',
      );
    }
    const text = await answer.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (answer.ok) return parsed as T;
    const error = (parsed as { error?: { code?: unknown; message?: unknown; field?: unknown; details?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : 'INTERNAL_ERROR';
    const message =
      typeof error?.message === 'string'
        ? error.message
        : `the server answered ${answer.status} ${answer.statusText} to ${method} /api/v1${path}`;
    const details = {
      ...(error?.details !== null && typeof error?.details === 'object' ? (error.details as Record<string, unknown>) : {}),
      ...(typeof error?.field === 'string' ? { field: error.field } : {}),
    };
    throw new ServerError(code, message, details, answer.status);
  }
}
