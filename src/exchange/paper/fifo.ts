/**
 * A first-in first-out queue with O(1) shift (Array.prototype.shift is O(n), which made a backlog
 * of tens of thousands of pushed events quadratic).
 *
 * @example
 * const queue = new Fifo<number>();
 * queue.push(1); queue.push(2);
 * queue.shift(); // 1
 */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  last(): T | undefined {
    return this.length > 0 ? this.#items[this.#items.length - 1] : undefined;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#head += 1;
    // Compact now and then so the consumed prefix does not hold memory.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Empties the queue and returns what it held, oldest first. */
  clear(): T[] {
    const items = this.toArray();
    this.#items = [];
    this.#head = 0;
    return items;
  }

  toArray(): T[] {
    return this.#items.slice(this.#head);
  }
}
