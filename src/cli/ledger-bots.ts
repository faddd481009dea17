/**
 * `botledger bots create|list|show|update|stop|start|delete`: a thin layer over BotService. Input
 * (JSON, the plugin's config schema, the symbol, the TTL) is checked before anything is opened, so
 * a bad command stores nothing; the commands that cancel or place orders run the BotRuntime on the
 * paper exchange, and wait until the venue's answers are committed before printing.
 */
import { randomBytes } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Bot, MAX_ORDER_TTL_MS } from '../domain/bot/bot.ts';
import { DomainError } from '../domain/errors.ts';
import type { Order } from '../domain/order/order.ts';
import type { BotRuntime } from '../engine/runtime.ts';
import { describeImmediateLoss, ImmediateLossError } from '../engine/update-preview.ts';
import { EXIT_FAILED, EXIT_REFUSED } from '../migrate/errors.ts';
import { PluginConfigError, parsePluginConfig } from '../plugins/plugin-api.ts';
import { countOrdersByStatus, getOrder, listOrders } from '../storage/repositories/orders.ts';
import { getBot, listBots } from '../storage/repositories/bots.ts';
import { dbArgument } from './database-access.ts';
import { builtInPlugins, type LedgerFlags, settleVenue, withLedger } from './ledger-context.ts';
import { formatOrders, printJson, refusedError, reportError, shortTime, table, usageError, wholeNumber } from './ledger-output.ts';
import type { VenueInfo } from './ledger-venue.ts';

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

/** The flag each field the engine checks comes from (config fields come from --config). */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = { symbol: '--symbol', orderTtlMs: '--ttl', id: '--id', botId: '--id', pluginId: '--plugin' };

/**
 * The engine's refusal of a value (against the venue's markets and rules, the money column, the
 * TTL range) as a usage error (exit 2) naming the flag and, for --config, the field.
 */
function asFlagError(error: unknown): unknown {
  if (error instanceof PluginConfigError) {
    return usageError(error.code, `--config: ${error.message}`, { flag: '--config', plugin: error.pluginId, field: error.issues[0]?.path, issues: error.issues });
  }
  if (error instanceof DomainError) {
    const flag = FLAG_OF_FIELD[String(error.details.field)];
    if (flag && error.code !== 'INVALID_BOT_TRANSITION') return usageError(error.code, `${flag}: ${error.message}`, { ...error.details, flag });
  }
  return error;
}

interface CommandFailure {
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/**
 * What went wrong with the plugin's reaction to a create or update: the bot was stopped, or an
 * order it placed was rejected (failed). The bot stays as created or updated either way.
 */
function reactionFailure(done: string, bot: Bot, wasActive: boolean, placed: readonly Order[]): CommandFailure | undefined {
  if (wasActive && bot.status !== 'active') {
    return { code: 'BOT_STOPPED', message: `${done}, but it is ${bot.status}: ${bot.stopReason ?? 'no reason recorded'}`, details: { botId: bot.id } };
  }
  const failed = placed.filter((order) => order.status === 'failed');
  if (failed.length === 0) return undefined;
  return {
    code: 'ORDER_FAILED',
    message: `${done}, but ${failed.map((order) => `its order ${order.clientOrderId} failed: ${order.reason}`).join('; ')} (the venue's answer; see \`botledger orders retry|drop\`)`,
    details: { botId: bot.id, orders: failed.map((order) => order.clientOrderId) },
  };
}

/** Prints the result (with the failure, if any: on stderr, or as `error` in the JSON document) and sets exit 1 on a failure. */
function finish(flags: LedgerFlags, document: Record<string, unknown>, text: string, failure: CommandFailure | undefined): void {
  if (flags.json) printJson(failure ? { ...document, error: failure } : document);
  else {
    process.stdout.write(text);
    if (failure) process.stderr.write(`error [${failure.code}]: ${failure.message}\n`);
  }
  if (failure) process.exitCode = EXIT_FAILED;
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
    throw usageError('CONFIG_NOT_JSON', `--config is not valid JSON: ${(error as Error).message}`, { flag: '--config' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw usageError('CONFIG_NOT_OBJECT', '--config must be a JSON object, such as \'{"amount":"0.01","entryPrice":"59000","takeProfitPrice":"59500"}\'', {
      flag: '--config',
    });
  return value as Record<string, unknown>;
}

/** Checks the config with the plugin's schema now, so nothing is opened or stored for a bad one (the error names the field). */
function checkConfig(pluginId: string, config: Record<string, unknown>): void {
  const plugins = builtInPlugins();
  let plugin: ReturnType<typeof plugins.get>;
  try {
    plugin = plugins.get(pluginId);
  } catch (error) {
    throw usageError('PLUGIN_UNKNOWN', `--plugin: ${(error as Error).message}`, { flag: '--plugin' });
  }
  try {
    parsePluginConfig(plugin, config);
  } catch (error) {
    if (!(error instanceof PluginConfigError)) throw error;
    throw usageError(error.code, `--config: ${error.message}`, { flag: '--config', plugin: pluginId, issues: error.issues });
  }
}

const BOT_STATUSES = ['active', 'stopped', 'deleted'];

function botStatus(value: string): string {
  if (!BOT_STATUSES.includes(value)) throw new InvalidArgumentError(`--status must be one of ${BOT_STATUSES.join(', ')}; got "${value}".`);
  return value;
}

const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/;

function botJson(bot: Bot) {
  return {
    id: bot.id,
    pluginId: bot.pluginId,
    symbol: bot.symbol,
    status: bot.status,
    stopReason: bot.stopReason,
    orderTtlSeconds: bot.orderTtlMs / 1000,
    config: bot.config,
    createdAt: bot.createdAt,
    updatedAt: bot.updatedAt,
  };
}

function formatBot(bot: Bot): string {
  return [
    `bot ${bot.id}: ${bot.status}${bot.stopReason ? ` (${bot.stopReason})` : ''}`,
    `  plugin ${bot.pluginId}, symbol ${bot.symbol}, order TTL ${bot.orderTtlMs / 1000} s`,
    `  config ${JSON.stringify(bot.config)}`,
    `  created ${shortTime(bot.createdAt)}, updated ${shortTime(bot.updatedAt)}`,
  ].join('\n');
}

const venueRuntime = (runtime: BotRuntime | undefined): BotRuntime => {
  if (!runtime) throw new Error('internal: this command needs the venue open');
  return runtime;
};

async function create(flags: CreateFlags): Promise<void> {
  let config: Record<string, unknown>;
  try {
    config = parseConfigFlag(flags.config);
    if (!SYMBOL_PATTERN.test(flags.symbol))
      throw usageError('SYMBOL_INVALID', `--symbol must look like BASE/QUOTE in capitals, such as BTC/USDT, got "${flags.symbol}"`, { flag: '--symbol' });
    checkConfig(flags.plugin, config);
  } catch (error) {
    // Reported before anything is opened: nothing can have been stored.
    reportError(error, flags.json ?? false);
    return;
  }
  const id = flags.id ?? `${flags.plugin}-${randomBytes(3).toString('hex')}`;
  await withLedger(flags, { venue: {} }, async ({ database, runtime, paper }) => {
    const bots = venueRuntime(runtime).bots;
    const existing = await bots.get(id).catch(() => undefined);
    if (existing) throw usageError('BOT_EXISTS', `--id: a bot "${id}" already exists (status ${existing.status})`, { flag: '--id' });
    try {
      await bots.create(
        { id, pluginId: flags.plugin, symbol: flags.symbol, config, orderTtlMs: flags.ttl === undefined ? undefined : flags.ttl * 1000 },
        'cli',
      );
    } catch (error) {
      throw asFlagError(error);
    }
    await settleVenue(venueRuntime(runtime), paper as NonNullable<typeof paper>);
    const bot = await bots.get(id);
    const { items } = await listOrders(database.db, { botId: id }, { limit: 10 });
    const failure = reactionFailure(`bot ${id} was created`, bot, true, items);
    finish(flags, { bot: botJson(bot), orders: items }, `${formatBot(bot)}\n\n${formatOrders(items)}\n`, failure);
  });
}

async function show(id: string, flags: LedgerFlags): Promise<void> {
  await withLedger(flags, {}, async ({ database }) => {
    const bot = await getBot(database.db, id);
    if (!bot) throw usageError('BOT_NOT_FOUND', `bot ${id} does not exist (see \`botledger bots list\`)`, { botId: id });
    const counts = await countOrdersByStatus(database.db, { botId: id });
    const recent = await listOrders(database.db, { botId: id }, { limit: 10 });
    if (flags.json) {
      printJson({ bot: botJson(bot), orders: counts, recentOrders: recent.items });
      return;
    }
    const countLine = Object.entries(counts)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ');
    process.stdout.write(`${formatBot(bot)}\n  orders: ${countLine}\n\n${formatOrders(recent.items)}\n`);
  });
}

async function list(flags: LedgerFlags & { status?: string }): Promise<void> {
  await withLedger(flags, {}, async ({ database }) => {
    const { items } = await listBots(database.db, flags.status ? { status: flags.status as Bot['status'] } : {}, { limit: 1000, direction: 'asc' });
    if (flags.json) {
      printJson({ bots: items.map(botJson) });
      return;
    }
    if (items.length === 0) {
      process.stdout.write(`no bots yet: create one with \`botledger bots create --plugin scalper --symbol BTC/USDT --config '{...}'${dbArgument(flags.db)}\`\n`);
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

type Lifecycle = 'stop' | 'start' | 'delete' | 'update';

/** Longest --ttl, in seconds (a year). */
const MAX_TTL_SECONDS = MAX_ORDER_TTL_MS / 1000;

/**
 * `bots update`: checks the new config as create does, refuses (exit 4, nothing changed) a config
 * that would sell the open position at once at a loss unless --yes, then shows the orders it
 * cancelled and placed; exit 1 when a placed order failed or the bot was stopped.
 */
async function update(id: string, flags: UpdateFlags, config: Record<string, unknown>): Promise<void> {
  await withLedger(flags, { venue: {} }, async ({ database, runtime, paper, venue }) => {
    const rt = venueRuntime(runtime);
    const before = await rt.bots.get(id).catch(() => undefined);
    if (!before) throw usageError('BOT_NOT_FOUND', `bot ${id} does not exist (see \`botledger bots list\`)`, { botId: id });
    checkConfig(before.pluginId, config);
    const liveOrders = [
      ...(await listOrders(database.db, { botId: id, status: ['pending', 'failed'] }, { limit: 1000 })).items,
      ...(await cancelledAtStart(database.db, id, venue)),
    ];
    const live = liveOrders.map((order) => order.id);
    const startedAt = new Date().toISOString();
    try {
      if (flags.yes) {
        const sales = await rt.bots.previewUpdate(id, config);
        if (sales.length > 0) process.stderr.write(`warning: ${describeImmediateLoss(id, sales)}; updating anyway (--yes)\n`);
      }
      await rt.bots.update(id, config, 'cli', { immediateLoss: flags.yes ? 'allow' : 'refuse' });
    } catch (error) {
      if (error instanceof ImmediateLossError)
        throw refusedError(error.code, `${describeImmediateLoss(id, error.sales)}. Nothing was changed; pass --yes to update anyway.`, { botId: id, sales: error.sales });
      throw asFlagError(error);
    }
    if (paper) await settleVenue(rt, paper);
    const bot = await rt.bots.get(id);
    const orders = (await listOrders(database.db, { botId: id }, { limit: 1000 })).items;
    const cancelled = orders.filter((order) => live.includes(order.id) && order.cancellationReason === 'UPDATE');
    const placed = orders.filter((order) => !live.includes(order.id) && order.createdAt >= startedAt);
    // A person's cancel at the venue that came first stopped the bot: that is the answer (exit 4),
    // not a failed reaction.
    const outside = await cancelledOutside(database.db, liveOrders);
    const notice = outside.length > 0 ? outsideNotice('update', bot, outside) : undefined;
    const failure = notice ? undefined : reactionFailure(`bot ${id} was updated`, bot, before.status === 'active', placed);
    const text = `${formatBot(bot)}\n\ncancelled (UPDATE):\n${cancelled.length > 0 ? formatOrders(cancelled) : '(none)'}\n\nplaced:\n${placed.length > 0 ? formatOrders(placed) : '(none)'}\n${notice ? `\n${notice}\n` : ''}`;
    const document = { bot: botJson(bot), before: { status: before.status }, cancelled, placed, ...(notice ? { cancelledOutside: { message: notice, orders: outside } } : {}) };
    finish(flags, document, text, failure);
    if (notice) process.exitCode = EXIT_REFUSED;
  });
}

async function lifecycle(action: Lifecycle, id: string, flags: LedgerFlags & { config?: string }): Promise<void> {
  if (action === 'update') {
    let config: Record<string, unknown>;
    try {
      config = parseConfigFlag(flags.config as string);
    } catch (error) {
      reportError(error, flags.json ?? false);
      return;
    }
    await update(id, flags as UpdateFlags, config);
    return;
  }
  await withLedger(flags, { venue: {} }, async ({ database, runtime, paper, venue }) => {
    const bots = venueRuntime(runtime).bots;
    const before = await bots.get(id).catch(() => undefined);
    if (!before) throw usageError('BOT_NOT_FOUND', `bot ${id} does not exist (see \`botledger bots list\`)`, { botId: id });
    // The orders this command takes down, to tell afterwards whether a person got there first;
    // also those that reconciliation at start (just before this command) found cancelled at the venue.
    const live = action === 'start' ? [] : [...(await listOrders(database.db, { botId: id, status: 'pending' }, { limit: 1000 })).items, ...(await cancelledAtStart(database.db, id, venue))];
    let bot: Bot;
    if (action === 'stop') bot = await bots.stop(id, 'Stopped from the command line', 'cli');
    else if (action === 'delete') bot = await bots.delete(id, 'Deleted from the command line', 'cli');
    else bot = await bots.start(id, 'cli');
    // Wait for the venue's cancel/place answers, so the printed state is the committed one.
    if (paper) await settleVenue(venueRuntime(runtime), paper);
    bot = await bots.get(id);
    const outside = await cancelledOutside(database.db, live);
    const notice = outside.length > 0 ? outsideNotice(action, bot, outside) : undefined;
    if (flags.json) printJson({ bot: botJson(bot), before: { status: before.status }, ...(notice ? { cancelledOutside: { message: notice, orders: outside } } : {}) });
    else process.stdout.write(`${formatBot(bot)}\n${notice ? `\n${notice}\n` : ''}`);
    // The command did not do what was asked: a person's cancel at the venue came first and stopped the bot.
    if (notice) process.exitCode = EXIT_REFUSED;
  });
}

/**
 * The bot's orders that reconciliation at start (just before the command) found cancelled at the
 * venue: a person got there before this command too (issue 6, defects 4 and 6).
 */
async function cancelledAtStart(db: Parameters<typeof getOrder>[0], botId: string, venue: VenueInfo | undefined): Promise<Order[]> {
  const changed = new Set(venue?.reconciliation?.changed ?? []);
  if (changed.size === 0) return [];
  return (await listOrders(db, { botId, status: 'cancelled' }, { limit: 1000 })).items.filter((order) => changed.has(order.clientOrderId));
}

/** Those of `orders` that ended cancelled outside botledger (issue 6, defect 4). */
async function cancelledOutside(db: Parameters<typeof getOrder>[0], orders: readonly Order[]): Promise<{ id: string; clientOrderId: string; reason: string }[]> {
  const after = await Promise.all(orders.map((order) => getOrder(db, order.id)));
  return after.flatMap((order) => (order?.cancellationReason === 'OUTSIDE' ? [{ id: order.id, clientOrderId: order.clientOrderId, reason: order.reason }] : []));
}

function outsideNotice(action: Lifecycle, bot: Bot, orders: readonly { clientOrderId: string }[]): string {
  const ids = orders.map((order) => order.clientOrderId).join(', ');
  const state = bot.status === 'deleted' ? 'the bot is deleted' : 'the bot is stopped';
  const next = action === 'update' && bot.status === 'stopped' ? ` The new config is saved; \`botledger bots start ${bot.id}\` places its orders again.` : '';
  return `Order ${ids} was cancelled outside botledger (at the venue) before this ${action} reached it: ${state}.${next}`;
}

const common = (command: Command): Command =>
  command
    .addOption(new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'))
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'));

/**
 * Adds `bots` and its subcommands.
 *
 * @example
 * registerBotCommands(program);
 * await program.parseAsync(['node', 'botledger', 'bots', 'list', '--json']);
 */
export function registerBotCommands(program: Command): Command {
  const bots = program.command('bots').description('create, change, stop, start and delete bots');
  common(
    bots
      .command('create')
      .description('create an active bot; its plugin places its first orders on the paper exchange')
      .requiredOption('--plugin <id>', 'strategy plugin (built in: scalper)')
      .requiredOption('--symbol <symbol>', 'market, such as BTC/USDT')
      .requiredOption('--config <json>', 'the plugin config as a JSON object')
      .option('--id <id>', 'bot id: letters, digits, - and _ (default: <plugin>-<random>)')
      .addOption(new Option('--ttl <seconds>', `how long a failed order keeps being retried (at most ${MAX_TTL_SECONDS}, a year)`).argParser(wholeNumber('--ttl', 1, MAX_TTL_SECONDS))),
  ).action(create);
  common(bots.command('list').description('every bot').addOption(new Option('--status <status>', 'active, stopped or deleted').argParser(botStatus))).action(list);
  common(bots.command('show <id>').description('a bot, its order counts and latest orders')).action(show);
  common(
    bots
      .command('update <id>')
      .description('change the config: cancels the live order (UPDATE) and places the replacement; the bot stays active')
      .requiredOption('--config <json>', 'the new plugin config as a JSON object')
      .option('--yes', 'go ahead even when the new config sells the open position at once at a loss'),
  ).action((id: string, flags: UpdateFlags) => lifecycle('update', id, flags));
  common(bots.command('stop <id>').description('stop the bot and cancel its live orders (STOP)')).action((id: string, flags: LedgerFlags) =>
    lifecycle('stop', id, flags),
  );
  common(bots.command('start <id>').description('start a stopped bot')).action((id: string, flags: LedgerFlags) => lifecycle('start', id, flags));
  common(bots.command('delete <id>').description('delete the bot (kept as deleted) and cancel its live orders (DELETE)')).action(
    (id: string, flags: LedgerFlags) => lifecycle('delete', id, flags),
  );
  return bots;
}
