/**
 * `botledger positions [list]|show|close`: flags in, one app function (src/app/positions.ts),
 * tables or JSON out. Reads never open the paper exchange, so they work while `botledger run`
 * holds it; `close` needs it (like `orders retry`), and refuses an unknown or closed position
 * before opening it, so that refusal works while `run` holds the venue too.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LIST_LIMIT } from '../app/orders.ts';
import { assertPositionOpen, checkLimitPrice, closePosition, listPositions, type PositionDetail, showPosition } from '../app/positions.ts';
import { POSITION_STATUSES, type Position, type PositionStatus } from '../domain/position/position.ts';
import { type LedgerFlags, withLedger, withVenueCommand } from './ledger-context.ts';
import { formatEvents, printJson, reportError, shortTime, table, wholeNumber } from './ledger-output.ts';
import { serverOptions } from './server-options.ts';

interface ListFlags extends LedgerFlags {
  status?: PositionStatus;
  bot?: string;
  plugin?: string;
  symbol?: string;
  limit?: number;
  cursor?: string;
}

interface CloseFlags extends LedgerFlags {
  limit?: string;
}

function positionStatus(value: string): PositionStatus {
  if (!(POSITION_STATUSES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`--status must be one of ${POSITION_STATUSES.join(', ')}; got "${value}".`);
  return value as PositionStatus;
}

function symbolFlag(value: string): string {
  if (!/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/.test(value))
    throw new InvalidArgumentError(`--symbol must look like BASE/QUOTE in capitals, such as BTC/USDT; got "${value}".`);
  return value;
}

const dash = (value: string | null | undefined) => (value === null || value === undefined || value === '' ? '-' : value);

/**
 * The positions table.
 *
 * @example
 * console.log(formatPositions(page.items));
 */
export function formatPositions(positions: readonly Position[]): string {
  return table(
    ['id', 'bot', 'plugin', 'symbol', 'side', 'amount', 'entry', 'exit', 'pnl', 'fees', 'status', 'stop-loss', 'opened', 'exit reason'],
    positions.map((p) => [
      p.id,
      dash(p.botId),
      p.pluginId,
      p.symbol,
      p.side,
      p.status === 'open' ? p.amount : p.closedAmount,
      p.entryPrice,
      dash(p.exitPrice),
      p.realizedPnl,
      p.fees,
      p.status,
      dash(p.stopLossPrice),
      shortTime(p.openedAt),
      dash(p.exitReason),
    ]),
  );
}

async function list(flags: ListFlags): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    const page = await listPositions(
      ledger,
      { status: flags.status, botId: flags.bot, pluginId: flags.plugin, symbol: flags.symbol },
      { limit: flags.limit, cursor: flags.cursor },
    );
    if (flags.json) {
      printJson({ positions: page.items, nextCursor: page.nextCursor });
      return;
    }
    if (page.items.length === 0) {
      process.stdout.write('no positions match\n');
      return;
    }
    process.stdout.write(`${formatPositions(page.items)}\n`);
    if (page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
  });
}

/** `positions show` for a person. */
function formatDetail({ position: p, stopLoss, sync, trade, events }: PositionDetail): string {
  const stop = stopLoss.order;
  const state =
    stopLoss.state === 'none'
      ? 'none (no stop-loss)'
      : stopLoss.state === 'unprotected'
        ? `unprotected: stop-loss at ${stopLoss.price} but no stop order`
        : `protected at ${stopLoss.price}`;
  const lines = [
    `position ${p.id}: ${p.status} ${p.side} ${p.status === 'open' ? p.amount : p.closedAmount} ${p.symbol}`,
    `  bot ${dash(p.botId)}, plugin ${p.pluginId}, account ${dash(p.exchangeAccountId)}`,
    `  entry ${p.entryPrice}, exit ${dash(p.exitPrice)}, closed ${p.closedAmount}; realized pnl ${p.realizedPnl} (fees ${p.fees})`,
    `  opened ${shortTime(p.openedAt)}, closed ${shortTime(p.closedAt)}, updated ${shortTime(p.updatedAt)}`,
    `  exit reason: ${dash(p.exitReason)}`,
    `stop-loss: ${state}`,
    stop
      ? `  order ${stop.clientOrderId} (${stop.id}): ${stop.status}${stop.cancellationReason ? ` (${stop.cancellationReason})` : ''}, stop ${dash(stop.stopPrice)}, amount ${stop.amount}; reason: ${stop.reason}`
      : '  order: none',
    `  retry_count ${stopLoss.retryCount}, last_error_at ${shortTime(stopLoss.lastErrorAt)}`,
    `  error_details: ${stopLoss.errorDetails === null ? '-' : JSON.stringify(stopLoss.errorDetails)}`,
    `sync: ${dash(sync.status)}, last_sync_at ${shortTime(sync.lastSyncAt)}`,
    trade
      ? `trade ${trade.id}: ${trade.amount} at ${trade.entryPrice} -> ${trade.exitPrice}, pnl ${trade.pnl} (fees ${trade.fees}): ${dash(trade.exitReason)}`
      : 'trade: none (still open)',
    '',
    'events:',
    formatEvents(events),
  ];
  return `${lines.join('\n')}\n`;
}

async function show(id: string, flags: LedgerFlags): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    const detail = await showPosition(ledger, id);
    if (flags.json) printJson(detail);
    else process.stdout.write(formatDetail(detail));
  });
}

async function close(id: string, flags: CloseFlags): Promise<void> {
  // Refused from the stored position first, without the venue (which `botledger run` may hold).
  let allowed = false;
  try {
    checkLimitPrice(flags.limit);
  } catch (error) {
    reportError(error, flags.json ?? false);
    return;
  }
  await withLedger(flags, {}, async (ledger) => {
    await assertPositionOpen(ledger, id);
    allowed = true;
  });
  if (!allowed) return;
  await withVenueCommand<Closed>(
    flags,
    {},
    {
      local: (ledger, owner) => closePosition(ledger, id, { limitPrice: flags.limit, actor: 'cli', owner }),
      remote: (client) =>
        client.call('POST', `/positions/${encodeURIComponent(id)}/close`, flags.limit === undefined ? {} : { limitPrice: flags.limit }),
    },
    (closed) => printClosed(closed, flags),
  );
}

type Closed = Awaited<ReturnType<typeof closePosition>>;

/** What `positions close` did, for people or as JSON (the same whether the server or this process did it). */
function printClosed({ position, order, trade }: Closed, flags: CloseFlags): void {
  if (flags.json) {
    printJson({ position, order, trade });
    return;
  }
  const how = flags.limit ? `at limit ${flags.limit}` : 'at market';
  const head =
    position.status === 'closed'
      ? `position ${position.id} closed ${how}: ${position.exitReason}; pnl ${position.realizedPnl} (fees ${position.fees})`
      : `position ${position.id}: closing order placed ${how}; it still holds ${position.amount} ${position.symbol} until the order fills (exit reason recorded: ${position.exitReason})`;
  const orderLine = order
    ? `\n  order ${order.clientOrderId}: ${order.status}, filled ${order.filledAmount}${order.averagePrice ? ` at ${order.averagePrice}` : ''} - ${order.reason}`
    : '';
  const tradeLine = trade ? `\n  trade ${trade.id}: ${trade.amount} at ${trade.entryPrice} -> ${trade.exitPrice}, pnl ${trade.pnl}` : '';
  process.stdout.write(`${head}${orderLine}${tradeLine}\n`);
}

const common = (command: Command): Command =>
  command
    .addOption(
      new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
    )
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'));

const listOptions = (command: Command): Command =>
  common(
    command
      .addOption(new Option('--status <status>', `one of ${POSITION_STATUSES.join(', ')}`).argParser(positionStatus))
      .option('--bot <id>', 'only this bot')
      .option('--plugin <id>', 'only this plugin')
      .addOption(new Option('--symbol <symbol>', 'only this market, such as BTC/USDT').argParser(symbolFlag))
      .addOption(
        new Option('--limit <n>', `rows to show (default ${DEFAULT_LIST_LIMIT}, at most 1000)`).argParser(wholeNumber('--limit', 1)),
      )
      .option('--cursor <cursor>', 'the next page, as printed by the previous one'),
  );

/**
 * Adds `positions` (a list by itself; `list`, `show`, `close`).
 *
 * @example
 * registerPositionCommands(program);
 * await program.parseAsync(['node', 'botledger', 'positions', '--status', 'open', '--json']);
 */
export function registerPositionCommands(program: Command): Command {
  const positions = program.command('positions').description('list and inspect positions; close one by hand');
  // The default subcommand: `botledger positions --status open` lists. The parent has no options of
  // its own, or it would take --limit and --json from `positions close ID --limit P --json`.
  listOptions(
    positions.command('list', { isDefault: true }).description('positions, newest first (the default: `botledger positions` lists)'),
  ).action(list);
  common(positions.command('show <id>').description('a position with its stop-loss, sync state, trade and event log')).action(show);
  serverOptions(
    common(
      positions
        .command('close <id>')
        .description("close an open position by hand at market (or at a limit): its bot's exits are replaced by the closing order")
        .option('--limit <price>', 'a limit price instead of market'),
    ),
  ).action((id: string, flags: CloseFlags) => close(id, flags));
  return positions;
}
