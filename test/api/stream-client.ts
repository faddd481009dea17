/**
 * A stream client for the tests: a real `ws` WebSocket to a listening app, collecting what it
 * receives, with waits that fail with what was received so far.
 */
import { WebSocket } from 'ws';

export interface StreamMessage {
  readonly type: string;
  readonly id?: string;
  readonly [key: string]: any;
}

export interface TestStreamClient {
  readonly socket: WebSocket;
  readonly messages: StreamMessage[];
  /** Event ids received, in order. */
  eventIds(): string[];
  send(message: unknown): void;
  /** Resolves with the first message (from the start) that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (message: StreamMessage) => boolean, timeoutMs?: number): Promise<StreamMessage>;
  /** Resolves when the server closed the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/**
 * Connects to `ws://<host>/api/v1/stream<query>` with optional headers.
 *
 * @example
 * const client = await connectStream(base, '?since=0', { authorization: `Bearer ${token}` });
 */
export async function connectStream(base: string, query = '', headers: Record<string, string> = {}): Promise<TestStreamClient> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/stream${query}`, { headers });
  const messages: StreamMessage[] = [];
  const waiters = new Set<() => void>();
  let closedWith: { code: number; reason: string } | undefined;
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const wake of [...waiters]) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      closedWith = { code, reason: reason.toString() };
      resolve(closedWith);
      for (const wake of [...waiters]) wake();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    eventIds: () => messages.filter((message) => message.type === 'event').map((message) => message.id as string),
    send: (message) => socket.send(JSON.stringify(message)),
    closed,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.find(predicate);
          if (!found && closedWith) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(
              new Error(`closed ${closedWith.code} (${closedWith.reason}) after ${messages.length} messages, without the one awaited`),
            );
            return true;
          }
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no such message in ${timeoutMs} ms; received ${messages.length}: ${JSON.stringify(messages.slice(-5)).slice(0, 800)}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
  };
}
