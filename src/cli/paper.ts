/**
 * `botledger paper markets|price|cancel|fill`: act as a person at the paper exchange (list the
 * markets, move a price, cancel or fill an order by hand), so that a newcomer can see what
 * botledger does when the venue does something it did not ask for. Through the running server
 * (/api/v1/paper/..., admins only) when one holds the venue, else on the ledger's own paper
 * exchange opened here (src/app/paper-desk.ts); the output is the same either way.
 */
import { type Command, Option } from 'commander';
import { LedgerError } from '../app/ledger-error.ts';
import { cancelPaperOrder, fillPaperOrder, listPaperMarkets, type PaperMarketView, setPaperPrice } from '../app/paper-desk.ts';
import type { Order } from '../domain/order/order.ts';
import type { FillReport, OrderStatusReport, TickerReport } from '../exchange/exchange-adapter.ts';
import { type LedgerFlags, withVenueCommand } from './ledger-context.ts';
import { printJson, reportError, table } from './ledger-output.ts';
import { serverOptions } from './server-options.ts';

interface FillFlags extends LedgerFlags {
  amount?: string;
  price?: string;
}

/** A plain positive decimal, checked before anything is opened; the error names the argument. */
function checkDecimal(value: string | undefined, name: string): void {
  if (value === undefined || /^(?:0|[1-9]\d{0,19})(?:\.\d{1,18})?$/.test(value)) return;
  throw new LedgerError('INVALID_DECIMAL', `${name} must be a plain decimal such as 59000 or 0.005, got "${value}"`, { field: name });
}

function checked(flags: LedgerFlags, values: Record<string, string | undefined>): boolean {
  try {
    for (const [name, value] of Object.entries(values)) checkDecimal(value, name);
    return true;
  } catch (error) {
    reportError(error, flags.json ?? false);
    return false;
  }
}

/** The member of an API answer that holds `key` (or the answer itself, for a route that sends it bare). */
const member = <T>(answer: Record<string, unknown>, ...keys: string[]): T => {
  for (const key of keys) if (answer[key] !== undefined) return answer[key] as T;
  return answer as T;
};

const orderLine = (order: Order | null): string =>
  order
    ? `  in the ledger: order ${order.clientOrderId} ${order.status}${order.cancellationReason ? ` (${order.cancellationReason})` : ''}, filled ${order.filledAmount} - ${order.reason}\n`
    : '  not an order of this ledger\n';

async function markets(flags: LedgerFlags): Promise<void> {
  await withVenueCommand<PaperMarketView[]>(
    flags,
    {},
    {
      local: (ledger) => listPaperMarkets(ledger),
      remote: async (client) => member<PaperMarketView[]>(await client.call('GET', '/paper/markets'), 'markets', 'items'),
    },
    (list) => {
      if (flags.json) printJson({ markets: list });
      else
        process.stdout.write(
          `${table(
            ['symbol', 'last', 'bid', 'ask', 'tick', 'lot', 'min notional'],
            list.map((m) => [m.symbol, m.last, m.bid, m.ask, m.tickSize, m.amountStep, m.minNotional]),
          )}\n`,
        );
    },
  );
}

async function price(symbol: string, value: string, flags: LedgerFlags): Promise<void> {
  if (!checked(flags, { PRICE: value })) return;
  await withVenueCommand<TickerReport>(
    flags,
    {},
    {
      local: (ledger) => setPaperPrice(ledger, symbol, value),
      remote: async (client) =>
        member<TickerReport>(
          await client.call('POST', `/paper/markets/${encodeURIComponent(symbol)}/price`, { price: value }),
          'ticker',
          'market',
        ),
    },
    (ticker) => {
      if (flags.json) printJson({ ticker });
      else
        process.stdout.write(
          `${ticker.symbol}: last ${ticker.last} (bid ${ticker.bid}, ask ${ticker.ask}); orders it crosses are filled\n`,
        );
    },
  );
}

async function cancel(ref: string, flags: LedgerFlags): Promise<void> {
  type Cancelled = { venueOrder: OrderStatusReport; order: Order | null };
  await withVenueCommand<Cancelled>(
    flags,
    {},
    {
      local: async (ledger) => {
        const { venue, order } = await cancelPaperOrder(ledger, ref);
        return { venueOrder: venue, order };
      },
      remote: async (client) => {
        const answer = await client.call<Record<string, unknown>>('POST', `/paper/orders/${encodeURIComponent(ref)}/cancel`);
        return { venueOrder: member<OrderStatusReport>(answer, 'venueOrder', 'venue'), order: (answer.order as Order | undefined) ?? null };
      },
    },
    ({ venueOrder, order }) => {
      if (flags.json) printJson({ venueOrder, order });
      else
        process.stdout.write(
          `order ${venueOrder.clientOrderId} (venue ${venueOrder.exchangeOrderId}): ${venueOrder.state} by hand at the paper exchange\n${orderLine(order)}`,
        );
    },
  );
}

async function fill(ref: string, flags: FillFlags): Promise<void> {
  if (!checked(flags, { '--amount': flags.amount, '--price': flags.price })) return;
  type Filled = { fill: Omit<FillReport, 'raw'>; order: Order | null };
  await withVenueCommand<Filled>(
    flags,
    {},
    {
      local: async (ledger) => {
        const { venue, order } = await fillPaperOrder(ledger, ref, { amount: flags.amount, price: flags.price });
        return { fill: venue, order };
      },
      remote: async (client) => {
        const body = { ...(flags.amount ? { amount: flags.amount } : {}), ...(flags.price ? { price: flags.price } : {}) };
        const answer = await client.call<Record<string, unknown>>('POST', `/paper/orders/${encodeURIComponent(ref)}/fill`, body);
        const { raw: _raw, ...venueFill } = member<FillReport>(answer, 'fill', 'venue');
        return { fill: venueFill, order: (answer.order as Order | undefined) ?? null };
      },
    },
    ({ fill: done, order }) => {
      if (flags.json) printJson({ fill: done, order });
      else
        process.stdout.write(
          `order ${done.clientOrderId}: ${done.side} ${done.amount} ${done.symbol} filled by hand at ${done.price} (trade ${done.tradeId})\n${orderLine(order)}`,
        );
    },
  );
}

const common = (command: Command): Command =>
  serverOptions(
    command
      .addOption(
        new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
      )
      .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
      .addOption(new Option('--json', 'print one JSON document on stdout')),
  );

/**
 * Adds `paper` and its subcommands.
 *
 * @example
 * registerPaperCommands(program);
 * await program.parseAsync(['node', 'botledger', 'paper', 'price', 'BTC/USDT', '59000']);
 */
export function registerPaperCommands(program: Command): Command {
  const paper = program
    .command('paper')
    .description('act as a person at the paper exchange: markets, prices, cancel or fill an order by hand');
  common(paper.command('markets').description('the markets the paper exchange lists, with their prices')).action(markets);
  common(paper.command('price <symbol> <price>').description("set a market's last price; resting orders it crosses fill")).action(
    (symbol: string, value: string, flags: LedgerFlags) => price(symbol, value, flags),
  );
  common(
    paper.command('cancel <order>').description('cancel an open order at the venue, as a person on its website (botledger stops the bot)'),
  ).action((ref: string, flags: LedgerFlags) => cancel(ref, flags));
  common(
    paper
      .command('fill <order>')
      .description('fill an open order by hand')
      .option('--amount <amount>', 'how much (default: all that remains)')
      .option('--price <price>', 'at what price (default: the last price)'),
  ).action((ref: string, flags: FillFlags) => fill(ref, flags));
  return paper;
}
