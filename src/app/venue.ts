/**
 * Where a ledger's venue lives, and opening it (issue 6, defect 5). The venue belongs to the ledger,
 * found from the database, never from the folder a command runs in:
 *
 *   <venue dir>/ledger-<ledger id>/paper-exchange.db
 *
 * The ledger id is stored in the database (table ledger_identity, migration 0002). The venue dir is
 * `$BOTLEDGER_DATA_DIR`, else the SQLite file's folder, else, for PostgreSQL, a per-user data dir
 * (`$XDG_DATA_HOME/botledger`, else `~/.local/share/botledger`): a PostgreSQL ledger finds its
 * venue from any folder. The state file stores the ledger id too and refuses another ledger.
 *
 * The paper exchange is wired here: it is given its file and its ledger id, and knows nothing of
 * the ledger's storage. Opening the venue also reconciles the ledger with it before anything else
 * (defect 6); what reconciliation did is returned, and said in one line through `onNotice`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { StartReconciler, type StartReconciliation } from '../engine/recovery/adoption.ts';
import { type Clock, SYSTEM_CLOCK } from '../engine/clock.ts';
import { ExecutionEngine } from '../engine/orders/execution.ts';
import { VenueMismatchError } from '../engine/recovery/venue-mismatch.ts';
import { PAPER_EXCHANGE_FILE_NAME, PaperExchange, type PaperExchangeOptions, PaperLedgerMismatchError, PaperStateInUseError, paperExchangeFile } from '../exchange/paper/index.ts';
import { type BotledgerDatabase, DATA_DIR_ENV, type DatabaseTarget, openDatabase, redactUrl } from '../storage/database.ts';
import { readLedgerId } from '../storage/repositories/ledger-identity.ts';
import { LedgerError } from './ledger-error.ts';

/**
 * The per-user data dir, where a PostgreSQL ledger's venue lives when BOTLEDGER_DATA_DIR is not set.
 *
 * @example
 * userDataDir({ HOME: '/home/ana' }); // '/home/ana/.local/share/botledger'
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec ignores a relative XDG_DATA_HOME; so do we (it would depend on the current folder again).
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'botledger');
}

/**
 * The folder that holds the venues of the ledgers of a database URL's kind.
 *
 * @example
 * venueDirFor({ dialect: 'sqlite', path: '/srv/bot/ledger.db' }, {}); // '/srv/bot'
 */
export function venueDirFor(target: DatabaseTarget, env: NodeJS.ProcessEnv = process.env): string {
  if (env[DATA_DIR_ENV]) return resolve(env[DATA_DIR_ENV] as string);
  return target.dialect === 'sqlite' ? dirname(target.path) : userDataDir(env);
}

/**
 * The paper exchange's state file of one ledger.
 *
 * @example
 * paperFileForLedger({ dialect: 'sqlite', path: '/srv/bot/ledger.db' }, '5f0c9e', {}); // '/srv/bot/ledger-5f0c9e/paper-exchange.db'
 */
export function paperFileForLedger(target: DatabaseTarget, ledgerId: string, env: NodeJS.ProcessEnv = process.env): string {
  return paperExchangeFile(join(venueDirFor(target, env), `ledger-${ledgerId}`));
}

/** The venue a ledger uses, as it is shown (a line on stderr, `venue` in --json). */
export interface VenueInfo {
  readonly exchange: 'paper';
  readonly file: string;
  readonly ledgerId: string;
  readonly reconciliation?: StartReconciliation;
}

/** How the paper exchange of a ledger is opened. */
export interface LedgerVenueOptions {
  /** Seed of the price feed; a venue file that already exists keeps the seed it was made with. */
  readonly seed?: number;
  /** The markets it lists (default: the paper exchange's). */
  readonly markets?: PaperExchangeOptions['markets'];
  /** The folder of the ledgers' venues instead of {@link venueDirFor} (a soak in a temporary folder). */
  readonly dir?: string;
}

/**
 * Opens this ledger's paper exchange. VENUE_IN_USE (exit 3) when another process holds it;
 * VENUE_MISMATCH (exit 4) when the file belongs to another ledger.
 *
 * @example
 * const { paper, info } = await openLedgerVenue(database, { seed: 7 });
 */
export async function openLedgerVenue(database: BotledgerDatabase, options: LedgerVenueOptions = {}): Promise<{ paper: PaperExchange; info: VenueInfo }> {
  const ledgerId = await readLedgerId(database.db);
  const file = options.dir ? paperExchangeFile(join(options.dir, `ledger-${ledgerId}`)) : paperFileForLedger(database.target, ledgerId);
  try {
    const paper = new PaperExchange({ file, seed: options.seed, ledgerId, ...(options.markets ? { markets: options.markets } : {}) });
    return { paper, info: { exchange: 'paper', file, ledgerId } };
  } catch (error) {
    if (error instanceof PaperStateInUseError) {
      throw new LedgerError(
        'VENUE_IN_USE',
        `the paper exchange (${file}) is open in another botledger process, probably \`botledger run\`: stop it (Ctrl-C) and try again. Reading (bots list/show, orders list/show, events) works meanwhile.`,
        { file },
      );
    }
    if (error instanceof PaperLedgerMismatchError) throw new LedgerError('VENUE_MISMATCH', error.message, { file, ledgerId });
    throw error;
  }
}

/**
 * Reconciles the ledger with its venue before anything else runs (on an engine of its own, so no
 * plugin reacts half-way), and says what it did through `onNotice`. A venue that does not know
 * this ledger's acknowledged orders is refused (VENUE_MISMATCH), naming the ledger and the venue;
 * nothing is changed.
 *
 * @example
 * const reconciliation = await reconcileVenueAtStart(database, paper, info, SYSTEM_CLOCK, (line) => console.error(line));
 */
export async function reconcileVenueAtStart(
  database: BotledgerDatabase,
  paper: PaperExchange,
  info: VenueInfo,
  clock: Clock,
  onNotice: (line: string) => void = () => {},
): Promise<StartReconciliation> {
  const quiet = ExecutionEngine.open(database, { exchange: paper, clock });
  try {
    const report = await new StartReconciler(quiet).run();
    // One line: which venue, and what reconciling with it did (the details are in --json's `venue`).
    onNotice(`venue: paper exchange ${info.file} (ledger ${info.ledgerId}); ${describeReconciliation(report)}`);
    return report;
  } catch (error) {
    if (!(error instanceof VenueMismatchError)) throw error;
    const legacy = join(venueDirFor(database.target), PAPER_EXCHANGE_FILE_NAME);
    const hint = existsSync(legacy)
      ? ` An older botledger kept one venue for every ledger of a folder in ${legacy}; if this ledger's orders are there, stop botledger and move that file to ${info.file}.`
      : ` If the venue is in another folder (another ${DATA_DIR_ENV}, XDG_DATA_HOME or user), set ${DATA_DIR_ENV} to the folder that holds ledger-${info.ledgerId}/.`;
    throw new LedgerError(
      'VENUE_MISMATCH',
      `${error.message}. Ledger ${info.ledgerId} (${redactUrl(database.url)}) uses the venue ${info.file}, which does not know them.${hint}`,
      { ...error.details, file: info.file, ledgerId: info.ledgerId, database: redactUrl(database.url) },
    );
  }
}

/**
 * One line saying what reconciliation at start did.
 *
 * @example
 * describeReconciliation(report); // 'reconciled with the venue at start: 1 pending order checked, 0 changed; adopted 0 orders'
 */
export function describeReconciliation(report: StartReconciliation): string {
  const ids = (list: readonly string[]) => (list.length === 0 ? '' : ` (${list.slice(0, 10).join(', ')}${list.length > 10 ? ', ...' : ''})`);
  const parts = [
    `reconciled with the venue at start: ${report.checked} pending order(s) checked, ${report.changed.length} changed${ids(report.changed)}`,
    `adopted ${report.adopted.length} order(s) the ledger did not know${ids(report.adopted)}`,
  ];
  if (report.positionsClosed.length > 0) parts.push(`${report.positionsClosed.length} entr(ies) closed by adopted exits${ids(report.positionsClosed)}`);
  if (report.sequencesRaised.length > 0) parts.push(`client order ids continue after ${report.sequencesRaised.map((r) => `${r.botId} #${r.sequence}`).join(', ')}`);
  if (report.unknownBotOrders.length > 0) {
    parts.push(`NOT adopted: ${report.unknownBotOrders.length} order(s) of bots this ledger does not have${ids(report.unknownBotOrders.map((o) => o.clientOrderId))}`);
  }
  return parts.join('; ');
}

/**
 * After a restore: when the restored database is a ledger whose venue exists, reconciles them at
 * once (adopting what the venue has and the backup lacks) and returns what it did. Any problem is
 * a warning through `onNotice`, not a failed restore: the restore itself is done, and the next
 * command that opens the venue reconciles (or refuses) again.
 *
 * @example
 * const venue = await reconcileAfterRestore('sqlite:data/botledger.db', (line) => console.error(line));
 */
export async function reconcileAfterRestore(url: string, onNotice: (line: string) => void = () => {}): Promise<VenueInfo | undefined> {
  let database: BotledgerDatabase | undefined;
  let paper: PaperExchange | undefined;
  try {
    // 'keep': the restored database may be a user's own, whose journal mode is not botledger's to change.
    database = await openDatabase(url, { journalMode: 'keep' });
    const ledgerId = await readLedgerId(database.db).catch(() => undefined);
    // Not a ledger (a user's own database), or one from before ledger ids: nothing to reconcile here.
    if (ledgerId === undefined || !existsSync(paperFileForLedger(database.target, ledgerId))) return undefined;
    const opened = await openLedgerVenue(database);
    paper = opened.paper;
    return { ...opened.info, reconciliation: await reconcileVenueAtStart(database, paper, opened.info, SYSTEM_CLOCK, onNotice) };
  } catch (error) {
    onNotice(`warning: the restored ledger was not reconciled with its venue: ${(error as Error).message}`);
    return undefined;
  } finally {
    await paper?.close().catch(() => {});
    await database?.close().catch(() => {});
  }
}
