/**
 * `botledger serve`: the running service (src/app/service.ts) behind the HTTP app (src/api/),
 * on one host and port. Start-up: the data folder, the ledger (migrated with --migrate, after a
 * backup, or refused with MIGRATIONS_PENDING), the venue reconciled, the demo bots (--demo), the
 * one-time first login, the HTTP server, then `<data dir>/serve.json` with a `local` admin token
 * through which the CLI finds the server and acts on it.
 *
 * SIGTERM or SIGINT: serve.json goes first (no CLI command picks a server that is going away),
 * the HTTP server stops taking requests and finishes those in flight, the local token is revoked,
 * the service stops (the step in flight finishes, venue events are settled, the ledger closed),
 * exit 0. A second signal exits at once (130 / 143).
 */
import { mkdirSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { dirname } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { LedgerError } from '../app/ledger-error.ts';
import { ensureFirstLogin, firstAdminId, issueApiToken, revokeApiToken } from '../app/service-users.ts';
import { type LedgerService, MAX_SPEED, startLedgerService } from '../app/service.ts';
import { venueDirFor } from '../app/venue.ts';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, resolveDatabaseUrl } from '../storage/database.ts';
import type { ApiInstance } from '../api/build-app.ts';
import { createMetricsProbes, type MetricsProbes } from '../api/metrics.ts';
import { buildServerApp } from '../api/server-app.ts';
import { databaseErrorForCli, dbArgument } from './database-access.ts';
import { reportError, wholeNumber } from './ledger-output.ts';
import { eventLine } from './output.ts';
import { readServeFile, removeServeFile, type ServeFile, serveFilePath, writeServeFile } from './serve-file.ts';

/** Exit codes of a second signal (128 + the signal's number, as shells report them). */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type SignalName = keyof typeof SIGNAL_EXIT_CODES;

interface ServeFlags {
  host: string;
  port: number;
  db?: string;
  migrate?: boolean;
  demo?: boolean;
  speed: number;
  seed?: number;
}

const toStderr = (line: string) => process.stderr.write(`${line}\n`);

function speed(value: string): number {
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n <= 0 || n > MAX_SPEED)
    throw new InvalidArgumentError(`--speed must be a number above 0 and at most ${MAX_SPEED} (market ticks per second), got "${value}".`);
  return n;
}

/** The URL a person opens: a wildcard host is reached on the loopback address. */
function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * The local token a server that died without stopping (kill -9, a power cut) left behind, revoked
 * now: serve.json is the only place it was written.
 */
async function revokeLeftoverToken(service: LedgerService, dataDir: string): Promise<void> {
  const leftover = readServeFile(dataDir);
  if (!leftover) return;
  toStderr(
    `${serveFilePath(dataDir)} of an earlier server (pid ${leftover.pid}, started ${leftover.startedAt}) was left behind: it did not stop cleanly; replaced`,
  );
  if (!leftover.localTokenId || !leftover.localTokenUserId) return;
  try {
    await revokeApiToken(service.ledger, leftover.localTokenUserId, leftover.localTokenId);
  } catch {
    // TOKEN_NOT_FOUND: revoked already, or of a ledger that no longer exists.
  }
}

function portInUse(flags: ServeFlags): LedgerError {
  return new LedgerError(
    'PORT_IN_USE',
    `cannot listen on ${flags.host}:${flags.port}: another process listens there; stop it or choose another --port`,
    {
      host: flags.host,
      port: flags.port,
    },
  );
}

/**
 * Refuses a taken port before anything is opened (a migration, demo bots, a market step for a
 * server that cannot serve). Listening later can still lose a race; that is reported the same way.
 */
async function ensurePortFree(flags: ServeFlags): Promise<void> {
  if (flags.port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? portInUse(flags) : error));
    probe.listen({ host: flags.host, port: flags.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** VENUE_IN_USE because a server of this ledger runs already: say so, with its URL. */
function alreadyServing(error: unknown, url: string): unknown {
  if ((error as { code?: unknown }).code !== 'VENUE_IN_USE') return error;
  let running: ServeFile | undefined;
  try {
    running = readServeFile(venueDirFor(parseDatabaseUrl(url)));
  } catch {
    return error;
  }
  if (!running) return error;
  return new LedgerError(
    'VENUE_IN_USE',
    `botledger serve already runs for this ledger at ${running.apiUrl} (pid ${running.pid}, since ${running.startedAt})`,
    {
      ...(error as LedgerError).details,
      apiUrl: running.apiUrl,
      pid: running.pid,
    },
  );
}

async function serve(flags: ServeFlags): Promise<void> {
  const url = resolveDatabaseUrl(flags.db);
  // Made before the ledger opens: the runtime's venue calls are timed through them.
  const probes = createMetricsProbes();
  let service: LedgerService | undefined;
  try {
    const target = parseDatabaseUrl(url);
    // A newcomer's first `npm start`: the default database's folder does not exist yet.
    if (url === DEFAULT_DATABASE_URL && target.dialect === 'sqlite') mkdirSync(dirname(target.path), { recursive: true });
    await ensurePortFree(flags);
    service = await startLedgerService({
      url,
      instrumentVenue: probes.instrumentVenue,
      migrate: flags.migrate,
      migrateAdvice: `run \`botledger migrate up${dbArgument(flags.db)}\`, or start with \`botledger serve --migrate\` (which backs up first)`,
      demo: flags.demo,
      speed: flags.speed,
      seed: flags.seed,
      onNotice: toStderr,
      onMigrationEvent: (event) => {
        const line = eventLine(event);
        if (line) toStderr(line);
      },
    });
  } catch (error) {
    reportError(databaseErrorForCli(error, flags.db, { creates: 'botledger serve --migrate' }, url) ?? alreadyServing(error, url), false);
    return;
  }
  await runServer(service, flags, venueDirFor(service.ledger.database.target), probes);
}

async function runServer(service: LedgerService, flags: ServeFlags, dataDir: string, probes: MetricsProbes): Promise<void> {
  const { ledger } = service;
  let app: ApiInstance | undefined;
  let local: { token: string; tokenId: string; userId: string } | undefined;
  let shuttingDown: SignalName | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const shutdown = async () => {
    removeServeFile(dataDir);
    try {
      await app?.close();
    } catch (error) {
      toStderr(`closing the HTTP server: ${(error as Error).message}`);
    }
    if (local)
      await revokeApiToken(ledger, local.userId, local.tokenId).catch((error) =>
        toStderr(`revoking the local token: ${(error as Error).message}`),
      );
    await service.stop();
  };
  const onSignal = (name: SignalName) => {
    if (shuttingDown) {
      toStderr(`${name} again: exiting now`);
      process.exit(SIGNAL_EXIT_CODES[name]);
    }
    shuttingDown = name;
    toStderr(`${name}: stopping: finishing the requests and the market step in flight ...`);
    shutdown().then(
      () => {
        toStderr('botledger stopped');
        done();
      },
      (error) => {
        reportError(error, false);
        done();
      },
    );
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    try {
      await revokeLeftoverToken(service, dataDir);
      const first = await ensureFirstLogin(ledger);
      app = await buildServerApp({ ledger, readiness: service.readiness, probes });
      await app.listen({ host: flags.host, port: flags.port });
      const port = (app.server.address() as AddressInfo).port;
      const apiUrl = urlOf(flags.host, port);
      const admin = await firstAdminId(ledger);
      if (admin) {
        const issued = await issueApiToken(ledger, admin, {
          name: `serve pid ${process.pid}`,
          scopes: ['read', 'trade', 'admin'],
          kind: 'local',
        });
        local = { token: issued.token, tokenId: issued.view.id, userId: admin };
      }
      const file: ServeFile = {
        apiUrl,
        pid: process.pid,
        startedAt: new Date().toISOString(),
        localToken: local?.token ?? null,
        localTokenId: local?.tokenId ?? null,
        localTokenUserId: local?.userId ?? null,
      };
      // A signal during start-up: no serve.json for a server that is going away.
      if (!shuttingDown) writeServeFile(dataDir, file);
      process.stdout.write(`botledger serving ${apiUrl} (dashboard /, API /api/v1, docs /docs, stream /api/v1/stream, metrics /metrics)\n`);
      if (first) {
        process.stdout.write(
          `first login: user ${first.username}, one-time token ${first.token}\n  (valid 24 h, shown only now: log in with it, then set a password)\n`,
        );
      }
      process.stdout.write(`server details for the CLI: ${dataDir}/serve.json; stop with Ctrl-C or SIGTERM\n`);
    } catch (error) {
      if (shuttingDown) throw error;
      shuttingDown = 'SIGTERM';
      await shutdown().catch(() => {});
      const code = (error as { code?: unknown }).code;
      if (code === 'EADDRINUSE') throw portInUse(flags);
      throw error;
    }
    await finished;
  } catch (error) {
    reportError(error, false);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/**
 * Adds `serve`.
 *
 * @example
 * registerServeCommand(program);
 * await program.parseAsync(['node', 'botledger', 'serve', '--migrate', '--demo', '--port', '0']);
 */
export function registerServeCommand(program: Command): Command {
  return program
    .command('serve')
    .description('run the bots continuously on the paper exchange and serve the REST API, the dashboard and the metrics')
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--port <port>', 'port to listen on (0: any free port, printed)').default(8080).argParser(wholeNumber('--port', 0, 65535)),
    )
    .addOption(
      new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
    )
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--demo', 'when the ledger has no bot: create three scalper bots so that orders move at once'))
    .addOption(new Option('--speed <n>', 'market ticks per second (one random-walk step of every market each)').default(1).argParser(speed))
    .addOption(new Option('--seed <n>', 'paper price feed seed (only when the venue file is new)').argParser(wholeNumber('--seed', 0)))
    .action(serve);
}
