/**
 * `botledger orders list|show|retry|drop` and `botledger events`: flags in, one app function
 * (src/app/orders.ts, events.ts), tables or JSON out. Reads never open the paper exchange, so they
 * work while `botledger run` holds it; retry and drop need it (the engine decides whether the order
 * can be retried or dropped), and refuse an order that is not failed before opening it.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { listEvents } from '../app/events.ts';
import { assertFailedOrderAction, DEFAULT_LIST_LIMIT, dropOrder, listOrders, retryOrder, showOrder } from '../app/orders.ts';
import { ORDER_STATUSES, type OrderStatus } from '../domain/order/order-status.ts';
import type { Order } from '../domain/order/order.ts';
import { type LedgerFlags, withLedger, withVenueCommand } from './ledger-context.ts';
import { formatEvents, formatOrders, printJson, shortTime, table, wholeNumber } from './ledger-output.ts';
import { serverOptions } from './server-options.ts';

export { DEFAULT_LIST_LIMIT };

interface ListFlags extends LedgerFlags {
  status?: OrderStatus;
  bot?: string;
  plugin?: string;
  limit?: number;
  cursor?: string;
}

function orderStatus(value: string): OrderStatus {
  if (!(ORDER_STATUSES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`--status must be one of ${ORDER_STATUSES.join(', ')}; got "${value}".`);
  return value as OrderStatus;
}

async function list(flags: ListFlags): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    const page = await listOrders(
      ledger,
      { status: flags.status, botId: flags.bot, pluginId: flags.plugin },
      { limit: flags.limit, cursor: flags.cursor },
    );
    if (flags.json) {
      printJson({ orders: page.items, nextCursor: page.nextCursor });
      return;
    }
    if (page.items.length === 0) {
      process.stdout.write('no orders match\n');
      return;
    }
    process.stdout.write(`${formatOrders(page.items)}\n`);
    if (page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
  });
}

async function show(ref: string, flags: LedgerFlags): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    const { order, fills, events } = await showOrder(ledger, ref);
    if (flags.json) {
      printJson({ order, fills, events });
      return;
    }
    const o = order;
    const lines = [
      `order ${o.id} (${o.clientOrderId}${o.exchangeOrderId ? `, venue ${o.exchangeOrderId}` : ''})`,
      `  bot ${o.botId ?? '-'}, plugin ${o.pluginId ?? '-'}, ${o.symbol} ${o.intent} ${o.side} ${o.type} ${o.amount}${o.price ? ` @ ${o.price}` : ''}`,
      `  status ${o.status}${o.cancellationReason ? ` (${o.cancellationReason})` : ''}; filled ${o.filledAmount}${o.averagePrice ? ` at ${o.averagePrice}` : ''}`,
      `  reason: ${o.reason}`,
      `  retry_count ${o.retryCount}, first_failed_at ${shortTime(o.firstFailedAt)}, next_retry_at ${shortTime(o.nextRetryAt)}, expires_at ${shortTime(o.expiresAt)}`,
      `  created ${shortTime(o.createdAt)}, updated ${shortTime(o.updatedAt)}`,
      '',
      fills.length === 0
        ? 'fills: none'
        : `fills:\n${table(
            ['trade id', 'amount', 'price', 'fee', 'at'],
            fills.map((f) => [
              f.exchangeTradeId,
              f.amount,
              f.price,
              `${f.fee}${f.feeCurrency ? ` ${f.feeCurrency}` : ''}`,
              shortTime(f.occurredAt),
            ]),
          )}`,
      '',
      'events:',
      formatEvents(events),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

async function retryOrDrop(action: 'retry' | 'drop', ref: string, flags: LedgerFlags): Promise<void> {
  // Refused from the stored order first, without the venue (which `botledger run` may hold).
  let allowed = false;
  await withLedger(flags, {}, async (ledger) => {
    await assertFailedOrderAction(ledger, ref, action);
    allowed = true;
  });
  if (!allowed) return;
  await withVenueCommand<Order>(
    flags,
    {},
    {
      local: (ledger, owner) =>
        action === 'retry' ? retryOrder(ledger, ref, undefined, { owner }) : dropOrder(ledger, ref, undefined, { owner }),
      // POST /orders/:id/retry|drop answers { order } (a bare order is taken too).
      remote: async (client) => {
        const answer = await client.call<{ order?: Order } & Partial<Order>>('POST', `/orders/${encodeURIComponent(ref)}/${action}`);
        return (answer.order ?? answer) as Order;
      },
    },
    (settled) => {
      if (flags.json) printJson({ order: settled });
      else
        process.stdout.write(`order ${settled.clientOrderId}: ${settled.status} (retry_count ${settled.retryCount}) - ${settled.reason}\n`);
    },
  );
}

async function events(flags: LedgerFlags & { bot?: string; order?: string; limit?: number }): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    const oldestFirst = await listEvents(ledger, { botId: flags.bot, order: flags.order, limit: flags.limit });
    if (flags.json) printJson({ events: oldestFirst });
    else process.stdout.write(`${formatEvents(oldestFirst)}\n`);
  });
}

const common = (command: Command): Command =>
  command
    .addOption(
      new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
    )
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'));

const limit = () =>
  new Option('--limit <n>', `rows to show (default ${DEFAULT_LIST_LIMIT}, at most 1000)`).argParser(wholeNumber('--limit', 1));

/**
 * Adds `orders` (list, show, retry, drop) and `events`.
 *
 * @example
 * registerOrderCommands(program);
 * await program.parseAsync(['node', 'botledger', 'orders', 'list', '--status', 'failed']);
 */
export function registerOrderCommands(program: Command): Command {
  const orders = program.command('orders').description('list and inspect orders; retry or drop failed ones');
  common(
    orders
      .command('list')
      .description('orders, newest first')
      .addOption(new Option('--status <status>', `one of ${ORDER_STATUSES.join(', ')}`).argParser(orderStatus))
      .option('--bot <id>', 'only this bot')
      .option('--plugin <id>', 'only this plugin')
      .addOption(limit())
      .option('--cursor <cursor>', 'the next page, as printed by the previous one'),
  ).action(list);
  common(orders.command('show <id>').description('an order (id or client order id) with its reason, fills and event log')).action(show);
  serverOptions(common(orders.command('retry <id>').description('place a failed order again (retry_count + 1)'))).action(
    (id: string, flags: LedgerFlags) => retryOrDrop('retry', id, flags),
  );
  serverOptions(common(orders.command('drop <id>').description('give a failed order up (cancelled, DROPPED)'))).action(
    (id: string, flags: LedgerFlags) => retryOrDrop('drop', id, flags),
  );
  common(
    program
      .command('events')
      .description('the event log, the latest entries (oldest of them first)')
      .option('--bot <id>', 'only this bot')
      .option('--order <id>', 'only this order (id or client order id)')
      .addOption(limit()),
  ).action(events);
  return orders;
}
