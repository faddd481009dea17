/**
 * `botledger paper markets|price|cancel|fill`: act as a person at the paper exchange (list the
 * markets, move a price, cancel or fill an order by hand), so that a newcomer can see what
 * botledger does when the venue does something it did not ask for. Through the running server
 * (/api/v1/paper/..., admins only) when one holds the venue, else on the ledger's own paper
 * exchange opened here (src/app/paper.ts, as the API's paper routes); the output is the same either way.
 */
import { type Command, Option } from 'commander';
import { LedgerError } from '../app/ledger-error.ts';
import {
  cancelPaperOrderByHand,
  fillPaperOrderByHand,
  listPaperMarkets,
  type PaperHandAction,
  type PaperMarketView,
  setPaperPrice,
} from '../app/paper.ts';
import type { Ledger } from '../app/open-ledger.ts';
import { showOrder } from '../app/orders.ts';
import type { Order } from '../domain/order/order.ts';
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

const orderLine = (order: Order | null): string =>
  order
    ? `  in the ledger: order ${order.clientOrderId} ${order.status}${order.cancellationReason ? ` (${order.cancellationReason})` : ''}, filled ${order.filledAmount} - ${order.reason}\n`
    : '  not an order of this ledger\n';

/** A cancel or fill by hand with the ledger's order after it (as the API's paper routes answer). */
type HandActionResult = PaperHandAction & { readonly order: Order | null };

async function withLedgerOrder(ledger: Ledger, done: PaperHandAction): Promise<HandActionResult> {
  return { ...done, order: (await showOrder(ledger, done.venueOrder.clientOrderId).catch(() => undefined))?.order ?? null };
}

/** A cancel or fill by hand, for people: what the venue did, and what the ledger made of it. */
function printHandAction(flags: LedgerFlags, { venueOrder, order }: HandActionResult, what: string): void {
  if (flags.json) printJson({ venueOrder, order });
  else
    process.stdout.write(
      `order ${venueOrder.clientOrderId} (venue ${venueOrder.exchangeOrderId}): ${what} by hand at the paper exchange; now ${venueOrder.state}, filled ${venueOrder.filledAmount}\n${orderLine(order)}`,
    );
}

async function markets(flags: LedgerFlags): Promise<void> {
  await withVenueCommand<PaperMarketView[]>(
    flags,
    {},
    {
      local: (ledger) => listPaperMarkets(ledger),
      remote: async (client) => (await client.call<{ items: PaperMarketView[] }>('GET', '/paper/markets')).items,
    },
    (list) => {
      if (flags.json) printJson({ markets: list });
      else
        process.stdout.write(
          `${table(
            ['symbol', 'price', 'bid', 'ask', 'tick', 'lot', 'min amount', 'min notional'],
            list.map((m) => [m.symbol, m.price, m.bid, m.ask, m.tickSize, m.amountStep, m.minAmount, m.minNotional]),
          )}\n`,
        );
    },
  );
}

async function price(symbol: string, value: string, flags: LedgerFlags): Promise<void> {
  if (!checked(flags, { PRICE: value })) return;
  await withVenueCommand<PaperMarketView>(
    flags,
    {},
    {
      local: (ledger) => setPaperPrice(ledger, symbol, value),
      remote: async (client) =>
        (await client.call<{ market: PaperMarketView }>('POST', `/paper/markets/${encodeURIComponent(symbol)}/price`, { price: value }))
          .market,
    },
    (market) => {
      if (flags.json) printJson({ market });
      else
        process.stdout.write(
          `${market.symbol}: price ${market.price} (bid ${market.bid}, ask ${market.ask}); resting orders it crossed are filled\n`,
        );
    },
  );
}

async function cancel(ref: string, flags: LedgerFlags): Promise<void> {
  await withVenueCommand<HandActionResult>(
    flags,
    {},
    {
      local: async (ledger) => withLedgerOrder(ledger, await cancelPaperOrderByHand(ledger, ref)),
      remote: (client) => client.call('POST', `/paper/orders/${encodeURIComponent(ref)}/cancel`),
    },
    (done) => printHandAction(flags, done, 'cancelled'),
  );
}

async function fill(ref: string, flags: FillFlags): Promise<void> {
  if (!checked(flags, { '--amount': flags.amount, '--price': flags.price })) return;
  const body = { ...(flags.amount ? { amount: flags.amount } : {}), ...(flags.price ? { price: flags.price } : {}) };
  await withVenueCommand<HandActionResult>(
    flags,
    {},
    {
      local: async (ledger) => withLedgerOrder(ledger, await fillPaperOrderByHand(ledger, ref, body)),
      remote: (client) => client.call('POST', `/paper/orders/${encodeURIComponent(ref)}/fill`, body),
    },
    (done) => printHandAction(flags, done, `filled ${flags.amount ?? 'whole'}${flags.price ? ` at ${flags.price}` : ''}`),
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
