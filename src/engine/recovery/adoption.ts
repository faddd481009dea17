/**
 * Reconciliation at start (issue 6, defect 6): before a command that opens the venue does
 * anything else (before the first step of `run`), the ledger is made equal to the venue.
 *
 * 1. The venue must know the newest order it acknowledged to this ledger; if it does not, it is
 *    not this ledger's venue: {@link VenueMismatchError}, and nothing is changed.
 * 2. The venue's orders since shortly before the ledger's newest order are listed. Those with a
 *    botledger client order id (`bl-<bot>-<sequence>`) that the ledger does not have (placed before
 *    a kill -9 whose commit was lost, or after the backup that `migrate restore` brought back) are
 *    ADOPTED: recorded with their fills and final state, each with an `OrderAdopted` row (source
 *    `reconciliation`) saying so. One of a bot this ledger does not have is reported, not adopted.
 * 3. Every bot's client-order-id counter moves past the highest sequence the venue has used (for
 *    an unknown bot id, a floor is kept for a bot made later with that id): no id is used twice.
 * 4. Every pending order is reconciled (its state and fills taken from the venue).
 * 5. An adopted exit that filled closes the bot's earliest entry still open before it, as the
 *    plugin would have done had it seen the exit fill.
 *
 * Run it on an ExecutionEngine of its own (no plugin reactions): plugins look at the reconciled
 * state on their next tick, not at each half-adopted step.
 */
import { type ParsedClientOrderId, parseClientOrderId } from '../../domain/order/client-order-id.ts';
import type { OrderEvent } from '../../domain/order/order-events.ts';
import { applyOrderEvent, createOrder, type Order } from '../../domain/order/order.ts';
import type { OrderIntent } from '../../domain/order/order-status.ts';
import type { FillReport, OrderStatusReport } from '../../exchange/exchange-adapter.ts';
import { type ExecutionEngine, newOrderId } from '../orders/execution.ts';
import type { UnitOfWork } from '../../storage/unit-of-work.ts';
import { Reconciler } from './reconciliation.ts';
import { findAtVenue } from '../orders/venue-capabilities.ts';
import { unknownToVenue } from './venue-mismatch.ts';

/**
 * How far before the ledger's newest order the venue's orders are listed: the venue's clock and
 * the ledger's may differ, and an order placed just before a crash must not be missed.
 */
export const ADOPTION_LOOKBACK_MS = 60 * 60 * 1000;

/**
 * An order placed more than this before the ledger's bot of its id was created belongs to an
 * earlier bot of that id (taken away by a restore). The margin allows for a venue clock a little
 * behind the ledger's, so that a bot's first order is never mistaken for an earlier bot's.
 */
export const EARLIER_BOT_MARGIN_MS = 5_000;

/** An order of a bot id this ledger does not have: reported, never adopted silently. */
export interface UnknownBotOrder {
  readonly clientOrderId: string;
  readonly botId: string;
  readonly state: string;
}

/** What reconciliation at start did. */
export interface StartReconciliation {
  /** Orders with a botledger client order id the venue listed. */
  readonly venueOrders: number;
  /** Pending orders asked about. */
  readonly checked: number;
  /** Client order ids of pending orders whose state or fills changed. */
  readonly changed: readonly string[];
  /** Client order ids of the orders adopted from the venue. */
  readonly adopted: readonly string[];
  readonly unknownBotOrders: readonly UnknownBotOrder[];
  /** Bots whose client-order-id counter moved past what the venue has used. */
  readonly sequencesRaised: readonly { readonly botId: string; readonly sequence: number }[];
  /** Entries closed by an adopted exit. */
  readonly positionsClosed: readonly string[];
}

/** The intent of an order known only from the venue: botledger's bots buy to enter and sell to leave (at market: a stop-loss). */
function inferredIntent(report: OrderStatusReport): OrderIntent {
  if (report.side === 'buy') return 'entry';
  return report.type === 'market' ? 'stop_loss' : 'exit';
}

/**
 * @example
 * const quiet = ExecutionEngine.open(database, { exchange: paper });
 * const report = await new StartReconciler(quiet).run();
 */
export class StartReconciler {
  readonly #execution: ExecutionEngine;

  constructor(execution: ExecutionEngine) {
    this.#execution = execution;
  }

  async run(): Promise<StartReconciliation> {
    const execution = this.#execution;
    const newestAcknowledged = await execution.ledger.newestAcknowledgedOrder();
    const newestCreatedAt = await execution.ledger.newestOrderCreatedAt();
    if (newestAcknowledged) await this.#expectKnown(newestAcknowledged);

    const since = newestCreatedAt === undefined ? undefined : Date.parse(newestCreatedAt) - ADOPTION_LOOKBACK_MS;
    const listed = (await execution.exchange.fetchOrders({ since }))
      .map((report) => ({ report, id: parseClientOrderId(report.clientOrderId) }))
      .filter((entry): entry is { report: OrderStatusReport; id: ParsedClientOrderId } => entry.id !== undefined);

    const { raised: sequencesRaised, previousFloors } = await this.#raiseSequences(listed.map((entry) => entry.id));
    // One read for the ids the ledger surely knows (the venue's clock may run behind the ledger's, hence the wider window);
    // each remaining one is looked up on its own before it is adopted.
    const knownRecently =
      since === undefined ? new Set<string>() : await execution.ledger.clientOrderIdsSince(new Date(since - ADOPTION_LOOKBACK_MS).toISOString());
    const adopted: Order[] = [];
    const unknownBotOrders: UnknownBotOrder[] = [];
    for (const { report, id } of listed) {
      if (knownRecently.has(report.clientOrderId)) continue;
      // An order above the floor recorded before this start is news: logged once, reported every time.
      const outcome = await this.#adoptIfUnknown(report, id, id.sequence > (previousFloors.get(id.botId) ?? 0));
      if (outcome === 'unknown-bot') unknownBotOrders.push({ clientOrderId: report.clientOrderId, botId: id.botId, state: report.state });
      else if (outcome) adopted.push(outcome);
    }

    const reconciled = await new Reconciler(execution).reconcilePending();
    const positionsClosed = await this.#closeEntriesOfAdoptedExits(adopted);
    return {
      venueOrders: listed.length,
      checked: reconciled.checked,
      changed: reconciled.changed.map((order) => order.clientOrderId),
      adopted: adopted.map((order) => order.clientOrderId),
      unknownBotOrders,
      sequencesRaised,
      positionsClosed,
    };
  }

  /** The venue must know an order it acknowledged; else it is the wrong venue and nothing is touched. */
  async #expectKnown(order: Order): Promise<void> {
    // Asked as the venue can (by client order id, else by its own id); either way the answer must be this order.
    const { report } = await findAtVenue(this.#execution.exchange, this.#execution.venueName, order);
    if (report?.clientOrderId !== order.clientOrderId) throw unknownToVenue(this.#execution.venueName, [order]);
  }

  /** Moves each bot's counter (or, for a bot id the ledger lacks, its floor) past the venue's highest sequence. */
  async #raiseSequences(ids: readonly ParsedClientOrderId[]): Promise<{ raised: { botId: string; sequence: number }[]; previousFloors: Map<string, number> }> {
    const highest = new Map<string, number>();
    for (const { botId, sequence } of ids) highest.set(botId, Math.max(highest.get(botId) ?? 0, sequence));
    const raised: { botId: string; sequence: number }[] = [];
    const previousFloors = new Map<string, number>();
    if (highest.size === 0) return { raised, previousFloors };
    const execution = this.#execution;
    await execution.transact(async (uow) => {
      const at = execution.now().toISOString();
      for (const [botId, sequence] of highest) {
        previousFloors.set(botId, await uow.sequenceFloor(botId));
        await uow.raiseSequenceFloor(botId, sequence, at);
        const bot = await uow.bot(botId);
        if (!bot || !(await uow.raiseOrderSequence(botId, sequence))) continue;
        raised.push({ botId, sequence });
        const message = `Bot ${botId}'s client order ids continue after sequence ${sequence}: ${execution.venueName} already has orders up to it that this ledger had not counted`;
        uow.appendEvent({ source: 'reconciliation', type: 'OrderSequenceRaised', message, botId, pluginId: bot.pluginId, payload: { sequence }, applied: true, at });
      }
    });
    return { raised, previousFloors };
  }

  /**
   * Adopts one venue order the ledger does not have; undefined when the ledger has it. An order of
   * a bot id the ledger does not have, or placed before this ledger's bot of that id was created
   * (an earlier bot of the same id, taken away by a restore), is reported instead.
   */
  async #adoptIfUnknown(report: OrderStatusReport, id: ParsedClientOrderId, news: boolean): Promise<Order | 'unknown-bot' | undefined> {
    const execution = this.#execution;
    const known = await execution.ledger.orderByClientId(report.clientOrderId);
    if (known) return undefined;
    // Venue calls are never made inside a transaction: the fills are asked for first.
    const fills = await execution.exchange.fetchFills({ symbol: report.symbol, clientOrderId: report.clientOrderId, exchangeOrderId: report.exchangeOrderId });
    return execution.transact(async (uow) => {
      if (await uow.order(report.clientOrderId, undefined)) return undefined;
      const bot = await uow.bot(id.botId);
      const at = execution.now().toISOString();
      const earlierBot = bot !== undefined && (report.createdAt ?? report.timestamp) < Date.parse(bot.createdAt) - EARLIER_BOT_MARGIN_MS;
      if (!bot || earlierBot) {
        const whose = bot ? `of an earlier bot ${id.botId} (placed before this ledger's bot ${id.botId} was created)` : `of bot ${id.botId}, which this ledger does not have`;
        const message = `${execution.venueName} has order ${report.clientOrderId} (${report.state}) ${whose} - reported, not adopted`;
        if (news) uow.appendEvent({ source: 'reconciliation', type: 'UnknownBotOrder', message, botId: id.botId, payload: report.raw ?? report, applied: false, at });
        return 'unknown-bot';
      }
      return this.#adopt(uow, report, fills, bot, at);
    });
  }

  async #adopt(uow: UnitOfWork, report: OrderStatusReport, fills: readonly FillReport[], bot: { id: string; userId: string | null; pluginId: string; orderTtlMs: number }, at: string): Promise<Order> {
    const execution = this.#execution;
    const placedAt = new Date(report.createdAt ?? report.timestamp);
    let order = createOrder(
      {
        id: newOrderId(placedAt.getTime()),
        clientOrderId: report.clientOrderId,
        symbol: report.symbol,
        side: report.side,
        type: report.type,
        intent: inferredIntent(report),
        amount: report.amount,
        price: report.price ?? null,
        userId: bot.userId,
        botId: bot.id,
        pluginId: bot.pluginId,
        ttlMs: bot.orderTtlMs,
      },
      placedAt,
    );
    uow.insertOrder(order);
    const message = `Order ${report.clientOrderId} adopted from ${execution.venueName}: the venue has it (${report.state}, filled ${report.filledAmount} of ${report.amount}) but this ledger did not know it (placed before a restore or a crash); recorded with its ${fills.length} fill(s)`;
    const base = { source: 'reconciliation' as const, orderId: order.id, botId: bot.id, pluginId: bot.pluginId, at };
    uow.appendEvent({ ...base, type: 'OrderAdopted', message, payload: { report: report.raw ?? report, fills: fills.length }, applied: true, occurredAt: placedAt.toISOString() });
    order = this.#applyDirect(uow, order, { type: 'OrderAccepted', exchangeOrderId: report.exchangeOrderId }, at);
    for (const fill of fills) await execution.applier.apply(uow, { type: 'fill', fill }, 'reconciliation');
    order = (await uow.orderById(order.id)) as Order;
    const ending: OrderEvent | undefined =
      report.state === 'cancelled'
        ? { type: 'OrderCanceled', venueMessage: report.reason }
        : report.state === 'expired'
          ? { type: 'OrderExpired', venueMessage: report.reason }
          : report.state === 'rejected'
            ? { type: 'OrderRejected', venue: execution.venueName, venueMessage: report.reason ?? 'rejected' }
            : undefined;
    // Who cancelled it is not known any more: recorded as the venue says, and (unlike a live outside cancel) the bot is not stopped for it.
    if (ending) order = this.#applyDirect(uow, order, ending, at, ' (adopted: who cancelled it is not known, so the bot is not stopped for it)');
    return order;
  }

  /** Applies a domain event to an adopted order and logs it, without the live path's side effects. */
  #applyDirect(uow: UnitOfWork, order: Order, event: OrderEvent, at: string, note = ''): Order {
    const result = applyOrderEvent(order, event, new Date(at));
    if (result.outcome !== 'applied') return order;
    const saved = uow.saveOrder(order, result.order);
    uow.appendEvent({
      source: 'reconciliation',
      type: event.type,
      message: `Order ${saved.clientOrderId}: ${result.explanation}${note}`,
      orderId: saved.id,
      botId: saved.botId,
      pluginId: saved.pluginId,
      payload: event,
      applied: true,
      at,
    });
    return saved;
  }

  /**
   * An adopted exit that filled ended a cycle the ledger never saw end: it closes the bot's
   * earliest entry still open that was placed before it (first in, first out).
   */
  async #closeEntriesOfAdoptedExits(adopted: readonly Order[]): Promise<string[]> {
    const execution = this.#execution;
    const closed: string[] = [];
    const exits = adopted.filter((order) => order.intent !== 'entry').sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    for (const adoptedExit of exits) {
      const exit = await execution.ledger.orderById(adoptedExit.id);
      if (exit?.status !== 'closed' || !exit.botId) continue;
      const open = await execution.ledger.ordersOfBot(exit.botId, ['ongoing']);
      const entry = open.find((order) => order.intent === 'entry' && order.createdAt <= exit.createdAt && order.id !== exit.id);
      if (!entry) continue;
      const detail = `its exit ${exit.clientOrderId} filled at ${exit.averagePrice ?? exit.price} (adopted from ${execution.venueName} at start)`;
      const after = await execution.execute({ type: 'ClosePosition', orderId: entry.id, detail }, 'reconciliation');
      if (after.status === 'closed') closed.push(entry.clientOrderId);
    }
    return closed;
  }
}
