/**
 * Follows a ledger's event log by id from another process (or from this one, for the change
 * feed's replay): every committed row exactly once, in id order, resumable from the last id a
 * consumer stored.
 *
 * The gap problem. On PostgreSQL an id comes from a sequence when the row is inserted, not when
 * its transaction commits: transaction A can take id 9, transaction B id 10, and B commit first.
 * A reader that saw 10 and moved its position past it would never read 9. So the reader holds
 * back every row after a missing id (a gap) until the gap fills, or until the gap has been seen
 * for `gapGraceMs` — sequences also skip ids for good (a rolled-back transaction, a failed
 * insert, the sequence cache), and a reader must not wait forever for those. A gap is given up
 * only after the grace period, which must exceed the longest time a writer holds an id before
 * its COMMIT (the ledger's write transactions take milliseconds; the default is 5 s).
 * On SQLite there are no such gaps: one writer at a time, ids in commit order, and a rolled-back
 * id is reused, so a row is never held back there (the same rule, it just never fires).
 *
 * Resuming: the consumer stores the id of the last entry it handled; a new tail from that id
 * reads everything after it. Every id at or below the position was delivered or given up after
 * the grace period, so nothing is lost across a reconnect.
 *
 * @example
 * const tail = new EventLogTail(database.db, { after: await loadCursor() });
 * for await (const event of tail.follow({ signal })) { handle(event); await saveCursor(event.id); }
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { CommittedEvent } from '../storage/committed-changes.ts';
import { eventIdIn, readEventsAfter } from '../storage/repositories/event-tail.ts';
import type { LedgerSchema } from '../storage/schema.ts';

export interface EventLogTailOptions {
  /** Read rows with an id above this one; default '0' (the whole log). */
  readonly after?: string;
  /** Rows per read; default 500. */
  readonly pageSize?: number;
  /** How long a missing id holds back the rows after it before it is given up; default 5000 ms. */
  readonly gapGraceMs?: number;
  /** Milliseconds now, for the grace period; default Date.now. */
  readonly now?: () => number;
}

export interface FollowOptions {
  /** Pause between reads once caught up; default 200 ms. */
  readonly intervalMs?: number;
  /** Ends the iteration (after the read in flight). */
  readonly signal?: AbortSignal;
}

/** A reader of event_log by id that never skips a row committed late under a lower id (see the module comment). */
export class EventLogTail {
  readonly #db: Kysely<LedgerSchema>;
  readonly #pageSize: number;
  readonly #graceMs: number;
  readonly #now: () => number;
  #position: bigint;
  /** The missing id right after the position, and when it was first seen missing. */
  #gap: { readonly id: bigint; readonly since: number } | undefined;
  #holding = false;

  constructor(db: Kysely<LedgerSchema>, options: EventLogTailOptions = {}) {
    this.#db = db;
    this.#position = BigInt(eventIdIn(options.after ?? '0'));
    this.#pageSize = options.pageSize ?? 500;
    this.#graceMs = options.gapGraceMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /** The id of the last row delivered (or given up): store it to resume from it. */
  get position(): string {
    return this.#position.toString();
  }

  /** True when committed rows exist after the position but wait behind a gap. */
  get holding(): boolean {
    return this.#holding;
  }

  /**
   * The next rows after the position, in id order, without a gap before any of them (unless the
   * gap outlived the grace period); advances the position. Empty when caught up or held back.
   */
  async read(): Promise<CommittedEvent[]> {
    const rows = await readEventsAfter(this.#db, this.#position.toString(), this.#pageSize);
    const out: CommittedEvent[] = [];
    this.#holding = false;
    for (const row of rows) {
      const id = BigInt(row.id);
      const expected = this.#position + 1n;
      if (id !== expected && !this.#gapExpired(expected)) {
        this.#holding = true;
        break;
      }
      out.push(row);
      this.#position = id;
      this.#gap = undefined;
    }
    return out;
  }

  /** Whether the missing id `expected` has been missing for the grace period; starts its clock the first time. */
  #gapExpired(expected: bigint): boolean {
    const now = this.#now();
    if (this.#gap?.id !== expected) {
      this.#gap = { id: expected, since: now };
    }
    return now - this.#gap.since >= this.#graceMs;
  }

  /**
   * Every row from the position onwards, as it commits, until `signal` aborts.
   *
   * @example
   * for await (const event of new EventLogTail(db, { after: '120' }).follow({ signal })) console.log(event.id);
   */
  async *follow(options: FollowOptions = {}): AsyncGenerator<CommittedEvent> {
    const interval = options.intervalMs ?? 200;
    while (!options.signal?.aborted) {
      const rows = await this.read();
      for (const row of rows) yield row;
      if (rows.length < this.#pageSize || this.#holding) {
        try {
          await sleep(interval, undefined, { signal: options.signal });
        } catch {
          return;
        }
      }
    }
  }
}
