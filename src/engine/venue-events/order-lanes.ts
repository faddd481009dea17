/**
 * Which commit lane a venue event takes: the lane of its order's bot (of botledger's own order id
 * for an order of no bot), so that every event of one order takes one lane and stays in arrival
 * order, whichever reference the venue put in it (real venues often send only their exchange
 * order id, or only the client order id), and no two lanes ever write the same bot's position:
 * a fill moves its bot's position in its own transaction, and two lanes locking one position row
 * would wait on each other (or deadlock) instead of overlapping.
 *
 * References resolve to order ids through an in-memory index, fed by every committed order
 * (`commitHubFor(database)`), by the orders this processor applies, and by events that carry
 * both references; a miss is read from storage (repositories/order-refs.ts), once per batch of
 * events. An event for an order nobody knows still gets a deterministic lane, by its reference.
 */
import type { Kysely } from 'kysely';
import type { VenueEvent } from '../../exchange/exchange-adapter.ts';
import type { CommitHub } from '../../storage/committed-changes.ts';
import { findOrderRefs } from '../../storage/repositories/order-refs.ts';
import type { LedgerSchema } from '../../storage/schema.ts';

/** References kept in memory; the oldest are forgotten first (a miss costs one indexed read). */
export const MAX_INDEXED_REFS = 200_000;

/** What an order is known by. */
export interface OrderRefsLike {
  readonly id: string;
  /** The order's bot: its lane key when it has one. */
  readonly botId?: string | null;
  readonly clientOrderId?: string | null;
  readonly exchangeOrderId?: string | null;
}

function hashOf(key: string): number {
  let hash = 0;
  for (let index = 0; index < key.length; index++) hash = (Math.imul(hash, 31) + key.charCodeAt(index)) >>> 0;
  return hash;
}

function refsOf(event: VenueEvent): { clientOrderId?: string; exchangeOrderId?: string } | undefined {
  const ref = event.type === 'order' ? event.report : event.type === 'fill' ? event.fill : undefined;
  if (!ref) return undefined;
  return { clientOrderId: ref.clientOrderId || undefined, exchangeOrderId: ref.exchangeOrderId || undefined };
}

/**
 * @example
 * const lanes = new OrderLanes(database.db, 3, commitHubFor(database));
 * await lanes.load(events);
 * lanes.laneOf(event); // 0, 1 or 2, the same for every event of one order
 */
export class OrderLanes {
  readonly lanes: number;
  readonly #db: Kysely<LedgerSchema>;
  /** 'c:' + client order id or 'x:' + exchange order id -> lane key (the order's bot id, else its order id). */
  readonly #byRef = new Map<string, string>();
  readonly #unsubscribe: (() => void) | undefined;

  constructor(db: Kysely<LedgerSchema>, lanes: number, hub?: CommitHub) {
    this.#db = db;
    this.lanes = lanes;
    this.#unsubscribe = hub?.subscribe((change) => {
      for (const order of change.orders) this.learn(order);
    });
  }

  /** Remembers an order's references. */
  learn(order: OrderRefsLike): void {
    const laneKey = order.botId ?? order.id;
    if (order.clientOrderId) this.#remember(`c:${order.clientOrderId}`, laneKey);
    if (order.exchangeOrderId) this.#remember(`x:${order.exchangeOrderId}`, laneKey);
  }

  #remember(key: string, laneKey: string): void {
    if (this.#byRef.get(key) === laneKey) return;
    this.#byRef.delete(key);
    this.#byRef.set(key, laneKey);
    if (this.#byRef.size > MAX_INDEXED_REFS) this.#byRef.delete(this.#byRef.keys().next().value as string);
  }

  /** The lane key the event's references resolve to in memory (learning the other reference), if any. */
  laneKeyOf(event: VenueEvent): string | undefined {
    const refs = refsOf(event);
    if (!refs) return undefined;
    const byClient = refs.clientOrderId ? this.#byRef.get(`c:${refs.clientOrderId}`) : undefined;
    const laneKey = byClient ?? (refs.exchangeOrderId ? this.#byRef.get(`x:${refs.exchangeOrderId}`) : undefined);
    // An event that carries both references teaches the one not yet known, so that a later
    // event with only that one finds the same order (and lane) before the ledger stores it.
    if (laneKey) this.learn({ id: laneKey, ...refs });
    return laneKey;
  }

  /** The lane when it is known without reading storage: the order is indexed, or the event names no order. */
  cachedLane(event: VenueEvent): number | undefined {
    if (this.lanes === 1 || !refsOf(event)) return 0;
    const laneKey = this.laneKeyOf(event);
    return laneKey === undefined ? undefined : hashOf(laneKey) % this.lanes;
  }

  /**
   * The event's lane: its bot's (or order id's), or, for an order not known even to storage, a lane
   * decided by the reference it carries (the client order id, else the exchange order id).
   */
  laneOf(event: VenueEvent): number {
    const cached = this.cachedLane(event);
    if (cached !== undefined) return cached;
    const refs = refsOf(event);
    return hashOf(refs?.clientOrderId ?? refs?.exchangeOrderId ?? '') % this.lanes;
  }

  /** Reads from storage, in one query, the orders of the events whose references are not indexed. */
  async load(events: readonly VenueEvent[]): Promise<void> {
    const clientOrderIds: string[] = [];
    const exchangeOrderIds: string[] = [];
    for (const event of events) {
      const refs = refsOf(event);
      if (!refs || this.laneKeyOf(event) !== undefined) continue;
      if (refs.clientOrderId) clientOrderIds.push(refs.clientOrderId);
      if (refs.exchangeOrderId) exchangeOrderIds.push(refs.exchangeOrderId);
    }
    if (clientOrderIds.length === 0 && exchangeOrderIds.length === 0) return;
    for (const order of await findOrderRefs(this.#db, { clientOrderIds, exchangeOrderIds })) this.learn(order);
    // Teach each event's other reference now that one of them resolves.
    for (const event of events) this.laneKeyOf(event);
  }

  /** Stops following committed changes. */
  close(): void {
    this.#unsubscribe?.();
  }
}
