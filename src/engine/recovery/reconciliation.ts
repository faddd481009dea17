/**
 * Reconciliation: asks the venue about orders whose state botledger cannot know by itself, by
 * client order id, and records the answer with source `reconciliation`. A venue that cannot find
 * an order by client order id alone (`capabilities.fetchByClientOrderId` off) is asked by
 * exchange order id when the ledger has it, else its orders are listed and searched for the
 * client order id; a "not found" then says how the venue was asked.
 *
 * - A pending order (placement or cancel without a clear answer, or pushed events that were
 *   dropped): fetchOrder; found -> its state and its fills are applied (fills idempotent per
 *   trade id), and a cancel that was requested but not done is sent again; not found -> the
 *   placement never reached the venue, so the order fails with a reason and the retry loop
 *   places it again (a cancel that was requested is simply complete).
 * - Orders whose venue call is in flight in this process are left alone, and `minAgeMs` leaves
 *   alone orders changed very recently (their answer may still be on its way).
 */
import { compare } from '../../domain/money.ts';
import type { Order } from '../../domain/order/order.ts';
import type { OrderStatusReport } from '../../exchange/exchange-adapter.ts';
import type { ExecutionEngine } from '../orders/execution.ts';
import { findAtVenue } from '../orders/venue-capabilities.ts';
import { unknownToVenue } from './venue-mismatch.ts';

export interface ReconcileOptions {
  /** Only this bot's orders. */
  readonly botId?: string;
  /** Skip orders updated less than this long ago (default 0). */
  readonly minAgeMs?: number;
}

export interface ReconcileReport {
  readonly checked: number;
  /** Orders whose status, exchange id or fills changed. */
  readonly changed: Order[];
  /** Orders whose check failed, absent when none (a venue call timed out): left as they were, checked again next time. */
  readonly failed?: { readonly orderId: string; readonly message: string }[];
}

/**
 * @example
 * const reconciler = new Reconciler(execution);
 * await reconciler.reconcilePending();
 */
export class Reconciler {
  readonly #execution: ExecutionEngine;

  constructor(execution: ExecutionEngine) {
    this.#execution = execution;
  }

  /** Reconciles every pending order (of one bot, or all). */
  async reconcilePending(options: ReconcileOptions = {}): Promise<ReconcileReport> {
    const execution = this.#execution;
    const pending = options.botId ? await execution.ledger.ordersOfBot(options.botId, ['pending']) : await execution.ledger.ordersWithStatus('pending');
    const cutoff = execution.clock.now() - (options.minAgeMs ?? 0);
    const changed: Order[] = [];
    const failed: { orderId: string; message: string }[] = [];
    let checked = 0;
    for (const order of pending) {
      if (execution.inFlight.has(order.id) || Date.parse(order.updatedAt) > cutoff) continue;
      checked++;
      // One order's failed check (issue 6, defect 3) must not leave the others unchecked.
      try {
        const after = await this.reconcileOrder(order);
        if (after.version !== order.version) changed.push(after);
      } catch (error) {
        failed.push({ orderId: order.id, message: `reconciling order ${order.clientOrderId} failed: ${(error as Error)?.message ?? error}` });
      }
    }
    return failed.length > 0 ? { checked, changed, failed } : { checked, changed };
  }

  /**
   * Asks the venue about one order and records what it says.
   *
   * @example
   * await reconciler.reconcileOrder(order);
   */
  async reconcileOrder(order: Order): Promise<Order> {
    const execution = this.#execution;
    const { report, lookup } = await findAtVenue(execution.exchange, execution.venueName, order);
    // An order the venue acknowledged cannot have "never reached it": this is the wrong venue (loud, nothing changed).
    if (!report && order.exchangeOrderId !== null) throw unknownToVenue(execution.venueName, [order]);
    if (!report) {
      const how = lookup === 'client order id' ? '' : ` (${lookup})`;
      if (order.cancellationReason !== null) {
        return execution.recordVenueEvent(order.id, { type: 'OrderCanceled', venueMessage: `${execution.venueName} has no order ${order.clientOrderId}${how}` }, 'reconciliation');
      }
      const error = `${execution.venueName} has no order ${order.clientOrderId}: the placement never reached it${how}`;
      return execution.recordVenueEvent(order.id, { type: 'OrderPlacementFailed', error }, 'reconciliation', { clientOrderId: order.clientOrderId, found: false, lookup });
    }
    // The venue says what the ledger already knows: nothing happened, so nothing is recorded (a
    // resting order asked about on every step would otherwise fill the event log with no-ops).
    if (agreesWithLedger(order, report)) return order;
    // Fetches the fills once, when the venue says more is filled than the ledger has.
    await execution.recordReport(report, 'reconciliation');
    const after = (await execution.ledger.orderById(order.id)) as Order;
    const stillOpen = report.state === 'open' || report.state === 'partially_filled';
    if (after.status === 'pending' && after.cancellationReason !== null && stillOpen) return execution.sendCancel(after);
    return after;
  }
}

/** A live order the venue reports as the ledger has it: same exchange id, same filled amount, no cancel owed. */
function agreesWithLedger(order: Order, report: OrderStatusReport): boolean {
  return (
    order.status === 'pending' &&
    order.cancellationReason === null &&
    (report.state === 'open' || report.state === 'partially_filled') &&
    order.exchangeOrderId === report.exchangeOrderId &&
    compare(order.filledAmount, report.filledAmount) === 0
  );
}
