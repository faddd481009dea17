/**
 * `botledger bots create|list|show|update|stop|start|delete`: flags in, one app function
 * (src/app/bots.ts), tables or JSON out. Input (JSON, the plugin's config schema, the symbol, the
 * TTL) is checked before anything is opened, so a bad command stores nothing; the commands that
 * cancel or place orders open the paper exchange, and print the committed state.
 */
import { randomBytes } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type BotChange,
  type BotUpdate,
  botView,
  type CommandFailure,
  checkBotInput,
  createBot,
  deleteBot,
  listBots,
  showBot,
  startBot,
  stopBot,
  updateBot,
} from '../app/bots.ts';
import { exitCodeOf } from '../app/error-catalog.ts';
import { LedgerError } from '../app/ledger-error.ts';
import { builtInPlugins } from '../app/open-ledger.ts';
import { type Bot, MAX_ORDER_TTL_MS } from '../domain/bot/bot.ts';
import type { Order } from '../domain/order/order.ts';
import { dbArgument } from './database-access.ts';
import { type LedgerFlags, withLedger, withVenueCommand } from './ledger-context.ts';
import { formatOrders, printJson, reportError, shortTime, table, wholeNumber } from './ledger-output.ts';
import { serverOptions } from './server-options.ts';

/** A bot as printed (and as the API sends it): {@link botView}. */
type BotView = ReturnType<typeof botView>;

interface CreateFlags extends LedgerFlags {
  plugin: string;
  symbol: string;
  config: string;
  id?: string;
  ttl?: number;
}

interface UpdateFlags extends LedgerFlags {
  config: string;
  yes?: boolean;
}

/** Prints the result (with the failure, if any: on stderr, or as `error` in the JSON document) and sets its exit code. */
function finish(flags: LedgerFlags, document: Record<string, unknown>, text: string, failure: CommandFailure | undefined): void {
  if (flags.json) printJson(failure ? { ...document, error: failure } : document);
  else {
    process.stdout.write(text);
    if (failure) process.stderr.write(`error [${failure.code}]: ${failure.message}\n`);
  }
  if (failure) process.exitCode = exitCodeOf(failure);
}

/**
 * Parses `--config` as a JSON object; the error names the flag and what is wrong.
 *
 * @example
 * parseConfigFlag('{"amount":"0.01"}'); // { amount: '0.01' }
 */
export function parseConfigFlag(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LedgerError('CONFIG_NOT_JSON', `--config is not valid JSON: ${(error as Error).message}`, { flag: '--config' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new LedgerError(
      'CONFIG_NOT_OBJECT',
      '--config must be a JSON object, such as \'{"amount":"0.01","entryPrice":"59000","takeProfitPrice":"59500"}\'',
      {
        flag: '--config',
      },
    );
  return value as Record<string, unknown>;
}

const BOT_STATUSES = ['active', 'stopped', 'deleted'];

function botStatus(value: string): string {
  if (!BOT_STATUSES.includes(value)) throw new InvalidArgumentError(`--status must be one of ${BOT_STATUSES.join(', ')}; got "${value}".`);
  return value;
}

function formatBot(bot: BotView): string {
  return [
    `bot ${bot.id}: ${bot.status}${bot.stopReason ? ` (${bot.stopReason})` : ''}`,
    `  plugin ${bot.pluginId}, symbol ${bot.symbol}, order TTL ${bot.orderTtlSeconds} s`,
    `  config ${JSON.stringify(bot.config)}`,
    `  created ${shortTime(bot.createdAt)}, updated ${shortTime(bot.updatedAt)}`,
  ].join('\n');
}

async function create(flags: CreateFlags): Promise<void> {
  let config: Record<string, unknown>;
  try {
    config = parseConfigFlag(flags.config);
    checkBotInput(builtInPlugins(), { pluginId: flags.plugin, symbol: flags.symbol, config });
  } catch (error) {
    // Reported before anything is opened: nothing can have been stored.
    reportError(error, flags.json ?? false);
    return;
  }
  const id = flags.id ?? `${flags.plugin}-${randomBytes(3).toString('hex')}`;
  type Created = { bot: BotView; orders: Order[]; failure?: CommandFailure };
  await withVenueCommand<Created>(
    flags,
    {},
    {
      async local(ledger, owner) {
        const orderTtlMs = flags.ttl === undefined ? undefined : flags.ttl * 1000;
        const created = await createBot(ledger, { id, pluginId: flags.plugin, symbol: flags.symbol, config, orderTtlMs, userId: owner });
        return { ...created, bot: botView(created.bot) };
      },
      remote: (client) =>
        client.call('POST', '/bots', {
          id,
          pluginId: flags.plugin,
          symbol: flags.symbol,
          config,
          ...(flags.ttl === undefined ? {} : { orderTtlSeconds: flags.ttl }),
        }),
    },
    ({ bot, orders, failure }) => finish(flags, { bot, orders }, `${formatBot(bot)}\n\n${formatOrders(orders)}\n`, failure),
  );
}

async function show(id: string, flags: LedgerFlags): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    const { bot, counts, recentOrders } = await showBot(ledger, id);
    if (flags.json) {
      printJson({ bot: botView(bot), orders: counts, recentOrders });
      return;
    }
    const countLine = Object.entries(counts)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ');
    process.stdout.write(`${formatBot(botView(bot))}\n  orders: ${countLine}\n\n${formatOrders(recentOrders)}\n`);
  });
}

async function list(flags: LedgerFlags & { status?: string }): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    const items = await listBots(ledger, flags.status as Bot['status'] | undefined);
    if (flags.json) {
      printJson({ bots: items.map(botView) });
      return;
    }
    if (items.length === 0) {
      process.stdout.write(
        `no bots yet: create one with \`botledger bots create --plugin scalper --symbol BTC/USDT --config '{...}'${dbArgument(flags.db)}\`\n`,
      );
      return;
    }
    process.stdout.write(
      `${table(
        ['id', 'plugin', 'symbol', 'status', 'stop reason', 'created'],
        items.map((b) => [b.id, b.pluginId, b.symbol, b.status, b.stopReason ?? '-', shortTime(b.createdAt)]),
      )}\n`,
    );
  });
}

/** Longest --ttl, in seconds (a year). */
const MAX_TTL_SECONDS = MAX_ORDER_TTL_MS / 1000;

/** The command did not do what was asked: a person's cancel at the venue came first and stopped the bot. */
const outsideExit = (change: Pick<BotChange, 'cancelledOutside'>) =>
  change.cancelledOutside ? exitCodeOf({ code: 'CANCELLED_OUTSIDE' }) : undefined;

/**
 * `bots update`: checks the new config as create does, refuses (exit 4, nothing changed) a config
 * that would sell the open position at once at a loss unless --yes, then shows the orders it
 * cancelled and placed; exit 1 when a placed order failed or the bot was stopped.
 */
async function update(id: string, flags: UpdateFlags): Promise<void> {
  let config: Record<string, unknown>;
  try {
    config = parseConfigFlag(flags.config);
  } catch (error) {
    reportError(error, flags.json ?? false);
    return;
  }
  type Updated = Omit<BotUpdate, 'bot'> & { bot: BotView };
  await withVenueCommand<Updated>(
    flags,
    {},
    {
      async local(ledger, owner) {
        const result = await updateBot(ledger, id, config, { allowImmediateLoss: flags.yes ?? false, owner });
        return { ...result, bot: botView(result.bot) };
      },
      remote: (client) =>
        client.call('PUT', `/bots/${encodeURIComponent(id)}`, { config, ...(flags.yes ? { allowImmediateLoss: true } : {}) }),
    },
    (result) => {
      if (result.warning) process.stderr.write(`warning: ${result.warning}\n`);
      const { bot, cancelled, placed, cancelledOutside: outside } = result;
      const notice = outside?.message;
      const text = `${formatBot(bot)}\n\ncancelled (UPDATE):\n${cancelled.length > 0 ? formatOrders(cancelled) : '(none)'}\n\nplaced:\n${placed.length > 0 ? formatOrders(placed) : '(none)'}\n${notice ? `\n${notice}\n` : ''}`;
      const document = { bot, before: result.before, cancelled, placed, ...(outside ? { cancelledOutside: outside } : {}) };
      finish(flags, document, text, result.failure);
      process.exitCode = outsideExit(result) ?? process.exitCode;
    },
  );
}

const LIFECYCLE = { stop: stopBot, start: startBot, delete: deleteBot } as const;

interface EndFlags extends LedgerFlags {
  closePosition?: boolean;
}

/** What a stopped or deleted bot held: kept under its stop-loss (or NOT protected), or closed. */
function formatHeld(change: Pick<BotChange, 'positions'>): string {
  return (change.positions ?? [])
    .map((held) => {
      const order = held.closingOrder;
      const closed =
        held.position.status === 'closed'
          ? `\n  closed: ${held.position.exitReason}; pnl ${held.position.realizedPnl} (fees ${held.position.fees})`
          : '';
      const closing =
        order && held.position.status !== 'closed' ? `\n  closing order ${order.clientOrderId}: ${order.status} - ${order.reason}` : '';
      return `${held.message}${closed}${closing}\n`;
    })
    .join('');
}

/** The API call of each lifecycle action. */
function lifecycleRoute(
  action: keyof typeof LIFECYCLE,
  id: string,
  closePosition: boolean,
): { method: 'POST' | 'DELETE'; path: string; body?: unknown } {
  const bot = `/bots/${encodeURIComponent(id)}`;
  if (action === 'delete') return { method: 'DELETE', path: closePosition ? `${bot}?closePosition=true` : bot };
  return action === 'stop' ? { method: 'POST', path: `${bot}/stop`, body: { closePosition } } : { method: 'POST', path: `${bot}/start` };
}

type Changed = Omit<BotChange, 'bot'> & { bot: BotView };

async function lifecycle(action: keyof typeof LIFECYCLE, id: string, flags: EndFlags): Promise<void> {
  const closePosition = flags.closePosition ?? false;
  await withVenueCommand<Changed>(
    flags,
    {},
    {
      async local(ledger, owner) {
        const change = await LIFECYCLE[action](ledger, id, { closePosition, owner });
        return { ...change, bot: botView(change.bot) };
      },
      remote(client) {
        const route = lifecycleRoute(action, id, closePosition);
        return client.call(route.method, route.path, route.body);
      },
    },
    (change) => {
      const notice = change.cancelledOutside?.message;
      if (flags.json)
        printJson({
          bot: change.bot,
          before: change.before,
          ...(change.positions ? { positions: change.positions } : {}),
          ...(change.cancelledOutside ? { cancelledOutside: change.cancelledOutside } : {}),
        });
      else {
        const held = formatHeld(change);
        process.stdout.write(`${formatBot(change.bot)}\n${held ? `\n${held}` : ''}${notice ? `\n${notice}\n` : ''}`);
      }
      process.exitCode = outsideExit(change) ?? process.exitCode;
    },
  );
}

const common = (command: Command): Command =>
  command
    .addOption(
      new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
    )
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'));

/** A command that places or cancels orders: it may go through a running server. */
const writing = (command: Command): Command => serverOptions(common(command));

/**
 * Adds `bots` and its subcommands.
 *
 * @example
 * registerBotCommands(program);
 * await program.parseAsync(['node', 'botledger', 'bots', 'list', '--json']);
 */
export function registerBotCommands(program: Command): Command {
  const bots = program.command('bots').description('create, change, stop, start and delete bots');
  writing(
    bots
      .command('create')
      .description('create an active bot; its plugin places its first orders on the paper exchange')
      .requiredOption('--plugin <id>', 'strategy plugin (built in: scalper)')
      .requiredOption('--symbol <symbol>', 'market, such as BTC/USDT')
      .requiredOption('--config <json>', 'the plugin config as a JSON object')
      .option('--id <id>', 'bot id: letters, digits, - and _ (default: <plugin>-<random>)')
      .addOption(
        new Option('--ttl <seconds>', `how long a failed order keeps being retried (at most ${MAX_TTL_SECONDS}, a year)`).argParser(
          wholeNumber('--ttl', 1, MAX_TTL_SECONDS),
        ),
      ),
  ).action(create);
  common(
    bots
      .command('list')
      .description('every bot')
      .addOption(new Option('--status <status>', 'active, stopped or deleted').argParser(botStatus)),
  ).action(list);
  common(bots.command('show <id>').description('a bot, its order counts and latest orders')).action(show);
  writing(
    bots
      .command('update <id>')
      .description('change the config: cancels the live order (UPDATE) and places the replacement; the bot stays active')
      .requiredOption('--config <json>', 'the new plugin config as a JSON object')
      .option('--yes', 'go ahead even when the new config sells the open position at once at a loss'),
  ).action((id: string, flags: UpdateFlags) => update(id, flags));
  const closeFlag = '--close-position';
  const closeHelp = 'close the position the bot holds at market, instead of keeping it protected by its stop-loss';
  writing(
    bots
      .command('stop <id>')
      .description(
        'stop the bot and cancel its live entries and exits (STOP); a position it holds keeps its stop-loss, or is closed with --close-position',
      )
      .option(closeFlag, closeHelp),
  ).action((id: string, flags: EndFlags) => lifecycle('stop', id, flags));
  writing(bots.command('start <id>').description('start a stopped bot')).action((id: string, flags: LedgerFlags) =>
    lifecycle('start', id, flags),
  );
  writing(
    bots
      .command('delete <id>')
      .description(
        'delete the bot (kept as deleted) and cancel its live entries and exits (DELETE); a position it holds keeps its stop-loss, or is closed with --close-position',
      )
      .option(closeFlag, closeHelp),
  ).action((id: string, flags: EndFlags) => lifecycle('delete', id, flags));
  return bots;
}
