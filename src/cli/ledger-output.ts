/**
 * How the ledger commands (`run`, `bots`, `orders`, `events`) speak: aligned tables for people,
 * exactly one JSON document with `--json` (errors too), and the exit code of each error's code
 * from the error catalogue (src/app/error-catalog.ts), the same codes as `botledger migrate`
 * (0 ok, 1 failed, 2 usage or input, 3 locked, 4 refused).
 */
import { InvalidArgumentError } from 'commander';
import type { Order } from '../domain/order/order.ts';
import { exitCodeOf } from '../app/error-catalog.ts';
import type { EventLogEntry } from '../storage/repositories/events.ts';
import { printJson as printJsonDocument, table } from './output.ts';

export { table };

let venueOfCommand: unknown;

/**
 * Names the venue the running command uses: every JSON document it prints from now on carries it
 * as `venue` (errors excepted), so each command says which venue it used without each one
 * having to pass it along. `undefined` when the command is done.
 *
 * @example
 * announceVenue({ exchange: 'paper', file, ledgerId });
 */
export function announceVenue(venue: unknown): void {
  venueOfCommand = venue;
}

/**
 * Prints exactly one JSON document on stdout, with `venue` when the command opened one.
 *
 * @example
 * printJson({ bots: [] }); // {"bots":[],"venue":{...}} after announceVenue
 */
export function printJson(value: unknown): void {
  const plain = value !== null && typeof value === 'object' && !Array.isArray(value) && !('error' in value);
  printJsonDocument(venueOfCommand !== undefined && plain ? { ...(value as object), venue: venueOfCommand } : value);
}

/**
 * Prints an error as `{ error: { code, message, details } }` (with --json) or one line on stderr,
 * and sets the exit code.
 *
 * @example
 * reportError(new LedgerError('BOT_NOT_FOUND', 'bot x does not exist'), false);
 */
export function reportError(error: unknown, json: boolean): void {
  const code = String((error as { code?: unknown })?.code ?? (error as Error)?.name ?? 'ERROR');
  const message = (error as Error)?.message ?? String(error);
  const details = (error as { details?: Record<string, unknown> })?.details ?? {};
  if (json) printJson({ error: { code, message, details } });
  else process.stderr.write(`error [${code}]: ${message}\n`);
  process.exitCode = exitCodeOf(error);
}

/**
 * A commander argument parser for a whole number of at least `min` (and at most `max`, when
 * given); the error names the flag.
 *
 * @example
 * new Option('--ticks <n>').argParser(wholeNumber('--ticks', 1));
 */
export function wholeNumber(flag: string, min: number, max?: number) {
  return (value: string): number => {
    const tooBig = max !== undefined && Number(value) > max;
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || !Number.isSafeInteger(Number(value)) || tooBig)
      throw new InvalidArgumentError(`${flag} must be a whole number ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}, got "${value}".`);
    return Number(value);
  };
}

const dash = (value: string | null | undefined): string => (value === null || value === undefined || value === '' ? '-' : value);

/** Time without the date's noise in tables: `2026-11-21 23:40:12`. */
export const shortTime = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-');

/**
 * The orders table.
 *
 * @example
 * console.log(formatOrders(page.items));
 */
export function formatOrders(orders: readonly Order[]): string {
  return table(
    ['id', 'client order id', 'bot', 'intent', 'side', 'type', 'price', 'amount', 'filled', 'avg', 'status', 'cancel', 'created'],
    orders.map((o) => [
      o.id,
      o.clientOrderId,
      dash(o.botId),
      o.intent,
      o.side,
      o.type,
      dash(o.price),
      o.amount,
      o.filledAmount,
      dash(o.averagePrice),
      o.status,
      dash(o.cancellationReason),
      shortTime(o.createdAt),
    ]),
  );
}

/**
 * The event log as lines, oldest first.
 *
 * @example
 * console.log(formatEvents(events));
 */
export function formatEvents(events: readonly EventLogEntry[]): string {
  if (events.length === 0) return '(no events)';
  return table(
    ['at', 'source', 'type', 'bot', 'applied', 'message'],
    events.map((e) => [shortTime(e.createdAt), e.source, e.type, dash(e.botId), e.applied ? 'yes' : 'NO', e.message]),
  );
}
