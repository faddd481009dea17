/**
 * Group commit: items submitted while a commit is in flight (or in the same turn of the event
 * loop) are applied together in ONE transaction and acknowledged together, only after that
 * COMMIT has returned, i.e. is durable (SQLite WAL with synchronous=FULL fsyncs on commit;
 * PostgreSQL with its default synchronous_commit). One fsync per batch instead of one per event
 * is what lets event throughput exceed the disk's commit rate without acknowledging early.
 */
import type { BotledgerDatabase } from '../../storage/database.ts';
import { UnitOfWork } from '../../storage/unit-of-work.ts';

/** Most items in one commit; bounds the latency a big burst adds to the first of them. */
export const DEFAULT_MAX_BATCH = 1000;

/** Applies a batch through the transaction's unit of work; returns one result per item, in order. */
export type BatchApplier<I, R> = (uow: UnitOfWork, items: readonly I[]) => Promise<R[]>;

interface Waiting<I, R> {
  readonly item: I;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * @example
 * const writer = new GroupCommitter(database, async (uow, items) => items.map(() => 'ok'));
 * await Promise.all([writer.submit(a), writer.submit(b)]); // one COMMIT for both
 */
export class GroupCommitter<I, R> {
  readonly #database: BotledgerDatabase;
  readonly #apply: BatchApplier<I, R>;
  readonly #maxBatch: number;
  #queue: Waiting<I, R>[] = [];
  #running = false;
  #commits = 0;

  constructor(database: BotledgerDatabase, apply: BatchApplier<I, R>, options: { maxBatch?: number } = {}) {
    this.#database = database;
    this.#apply = apply;
    this.#maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  }

  /** Number of COMMITs so far (for benchmarks and tests of batching). */
  get commits(): number {
    return this.#commits;
  }

  /** Resolves with the item's result once the transaction holding it has committed. */
  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        // Let the rest of this turn's events join the batch before the first commit starts.
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Resolves when everything submitted so far has been committed (or rejected). */
  async idle(): Promise<void> {
    while (this.#running || this.#queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        await this.#commitBatch(batch);
      }
    } finally {
      this.#running = false;
    }
  }

  async #commitBatch(batch: Waiting<I, R>[]): Promise<void> {
    try {
      const results = await UnitOfWork.run(this.#database, (uow) => this.#apply(uow, batch.map((w) => w.item)));
      this.#commits++;
      for (const [index, waiting] of batch.entries()) waiting.resolve(results[index] as R);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One bad item must not fail its neighbours: commit each alone to find it.
      for (const waiting of batch) await this.#commitBatch([waiting]);
    }
  }
}
