/**
 * One client of the live stream: authentication, its subscription on the ledger's change feed, and
 * the send queue with its backpressure rule.
 *
 * Order and exactly-once come from the feed (replay then live, deduplicated by event id); this
 * class keeps them by handling every event in one queue, one at a time: the owner of an event's
 * bot may need a read (cached afterwards), and a later event must not overtake it meanwhile.
 * Sending pauses while the socket holds more than `highWaterBytes`; a client that lets more than
 * `maxQueued` messages pile up, or more than `maxBufferedBytes` in the socket, is closed with 4008
 * and told where to resume.
 */
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { ChangeFeed, FeedChange, FeedSubscription } from '../app/change-feed.ts';
import type { EventAudience } from '../app/event-audience.ts';
import type { CommittedEvent } from '../storage/committed-changes.ts';
import { bearerToken, principalOf } from './auth.ts';
import { ApiError } from './errors.ts';
import type { ActAs, Authenticate, Principal } from './principal.ts';
import {
  eventMessage,
  matches,
  parseClientMessage,
  parseSince,
  StreamRequestError,
  type Subscription,
  symbolOf,
} from './stream-messages.ts';

/** Close codes (documented in the README's "Live stream"). */
export const CLOSE_UNAUTHENTICATED = 4001;
export const CLOSE_BEHIND = 4008;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_INTERNAL = 1011;

export interface StreamLimits {
  /** Messages waiting to be sent before the client is closed with 4008; default 10,000. */
  readonly maxQueued: number;
  /** Bytes buffered in the socket before the client is closed with 4008; default 8 MiB. */
  readonly maxBufferedBytes: number;
  /** Sending pauses while the socket buffers more than this; default 1 MiB. */
  readonly highWaterBytes: number;
  /** How long a client without a token on the upgrade has to send `{type:'auth'}`; default 5 s. */
  readonly authTimeoutMs: number;
  /** Ping interval; a client that did not answer the previous ping is dropped; default 30 s. */
  readonly heartbeatMs: number;
  /** How long an event waits for a lower id still missing before that id is given up; default 1 s. */
  readonly gapGraceMs: number;
}

export interface StreamServices {
  readonly feed: ChangeFeed;
  readonly audience: EventAudience;
  readonly authenticate: Authenticate;
  readonly actAs: ActAs;
  readonly latestEventId: () => Promise<string>;
  readonly limits: StreamLimits;
}

type Queued = { readonly kind: 'event'; readonly event: CommittedEvent; readonly change: FeedChange } | { readonly kind: 'ready' };

export class StreamConnection {
  readonly #socket: WebSocket;
  readonly #request: FastifyRequest;
  readonly #services: StreamServices;
  readonly #onEnd: () => void;
  #principal: Principal | undefined;
  #subscription: Subscription | undefined;
  #feed: FeedSubscription | undefined;
  /** The resume point given on the upgrade (?since=). */
  #querySince: string | undefined;
  /** The id the subscription started after. */
  #since: string | undefined;
  /** The last event id handled: sent, or not for this client; everything up to it was delivered. */
  #lastId: string | undefined;
  readonly #queue: Queued[] = [];
  /** Events heard above a missing id, by id, until it arrives (see #hear). */
  readonly #held = new Map<bigint, Queued>();
  /** The highest id queued with every id below it queued or given up. */
  #cursor = 0n;
  #gapTimer: NodeJS.Timeout | undefined;
  #pumping = false;
  #closed = false;
  /** Client messages are handled one after another, in the order they came. */
  #inbox: Promise<void> = Promise.resolve();
  #timers: NodeJS.Timeout[] = [];
  #alive = true;
  #corked = false;

  constructor(socket: WebSocket, request: FastifyRequest, services: StreamServices, onEnd: () => void) {
    this.#socket = socket;
    this.#request = request;
    this.#services = services;
    this.#onEnd = onEnd;
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      this.#inbox = this.#inbox.then(() => this.#onMessage(text)).catch((error) => this.#fail(error));
    });
    socket.on('close', () => this.#end());
    socket.on('pong', () => {
      this.#alive = true;
    });
    this.#start();
  }

  /** Closes the socket with `code` and stops following the feed. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#end();
    this.#socket.close(code, reason.slice(0, 120));
  }

  #start(): void {
    const query = (this.#request.query ?? {}) as Record<string, unknown>;
    const token = bearerToken(this.#request) ?? (typeof query.token === 'string' ? query.token : undefined);
    if (query.since !== undefined) {
      try {
        this.#querySince = parseSince(query.since);
      } catch (error) {
        this.#sendError(error as StreamRequestError);
      }
    }
    const { heartbeatMs, authTimeoutMs } = this.#services.limits;
    this.#timers.push(
      setInterval(() => {
        if (!this.#alive) {
          this.#end();
          this.#socket.terminate();
          return;
        }
        this.#alive = false;
        this.#socket.ping();
      }, heartbeatMs),
    );
    if (token !== undefined) this.#inbox = this.#inbox.then(() => this.#authenticate(token)).catch((error) => this.#fail(error));
    else
      this.#timers.push(
        setTimeout(() => {
          if (!this.#principal) this.close(CLOSE_UNAUTHENTICATED, 'unauthenticated: send {"type":"auth","token":...} within 5 s');
        }, authTimeoutMs),
      );
  }

  async #authenticate(token: string): Promise<void> {
    if (this.#closed) return;
    try {
      this.#principal = await principalOf(this.#request, token, this.#services.authenticate, this.#services.actAs);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.close(CLOSE_UNAUTHENTICATED, `unauthenticated: ${error.message}`);
      return;
    }
    if (!this.#principal.scopes.includes('read')) {
      this.close(CLOSE_UNAUTHENTICATED, 'unauthenticated: the token lacks the "read" scope');
      return;
    }
    this.#send(JSON.stringify({ type: 'authenticated', user: this.#principal.username }));
  }

  async #onMessage(text: string): Promise<void> {
    if (this.#closed) return;
    let message: ReturnType<typeof parseClientMessage>;
    try {
      message = parseClientMessage(text);
    } catch (error) {
      if (!(error instanceof StreamRequestError)) throw error;
      if (!this.#principal) this.close(CLOSE_UNAUTHENTICATED, 'unauthenticated: the first message must be {"type":"auth","token":...}');
      else this.#sendError(error);
      return;
    }
    if (message.type === 'auth') {
      if (this.#principal) this.#sendError(new StreamRequestError('type', 'already authenticated'));
      else await this.#authenticate(message.token);
      return;
    }
    if (!this.#principal) {
      this.close(CLOSE_UNAUTHENTICATED, 'unauthenticated: the first message must be {"type":"auth","token":...}');
      return;
    }
    if (this.#subscription && message.since !== undefined) {
      this.#sendError(new StreamRequestError('since', 'since is taken by the first subscribe only; reconnect to resume from another id'));
      return;
    }
    this.#subscription = { topics: new Set(message.topics), filters: message.filters };
    this.#send(JSON.stringify({ type: 'subscribed', topics: message.topics, filters: message.filters }));
    if (!this.#feed) await this.#follow(message.since ?? this.#querySince);
  }

  /** Starts following the feed after `since` (replay, then live), or after the log's highest id now. */
  async #follow(since: string | undefined): Promise<void> {
    const after = since ?? (await this.#services.latestEventId());
    if (this.#closed) return;
    this.#since = after;
    this.#cursor = BigInt(after);
    const onError = (error: unknown): void => {
      this.#request.log.error({ err: error }, 'stream replay failed');
      this.close(CLOSE_INTERNAL, `the replay failed; reconnect with since=${after}`);
    };
    this.#feed = this.#services.feed.subscribe((change) => this.#hear(change), { after, onError, pace: () => this.#roomForReplay() });
    this.#feed.live.then(
      () => this.#enqueue({ kind: 'ready' }),
      () => undefined,
    );
  }

  /**
   * Takes a change's events into the id order. Writers publish after their COMMIT, and two of them
   * (the caller's connection and the venue processor's) can publish in the other order than their
   * ids: an id above the next one is held until the missing one arrives, or for `gapGraceMs` (an
   * id PostgreSQL's sequence skipped for good, a rolled-back transaction, never comes).
   */
  #hear(change: FeedChange): void {
    if (this.#closed) return;
    if (change.origin === 'live' && change.bots.length > 0) this.#services.audience.remember(change.bots);
    for (const event of change.events) {
      const id = BigInt(event.id);
      // At or below the cursor: a row given up as a gap that came after all; late beats lost.
      if (id <= this.#cursor) this.#queue.push({ kind: 'event', event, change });
      else this.#held.set(id, { kind: 'event', event, change });
    }
    this.#release();
    if (this.#checkBehind()) return;
    void this.#pump();
  }

  /** Resolves when the client has taken in most of what was sent (the replay's next page may come). */
  async #roomForReplay(): Promise<void> {
    const { maxQueued, highWaterBytes } = this.#services.limits;
    while (!this.#closed && (this.#queue.length + this.#held.size > maxQueued / 2 || this.#socket.bufferedAmount > highWaterBytes))
      await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** Queues the held events that follow the cursor without a gap; times a gap that remains. */
  #release(): void {
    for (let next = this.#cursor + 1n; this.#held.has(next); next++) {
      this.#queue.push(this.#held.get(next) as Queued);
      this.#held.delete(next);
      this.#cursor = next;
    }
    if (this.#held.size === 0) {
      clearTimeout(this.#gapTimer);
      this.#gapTimer = undefined;
    } else if (!this.#gapTimer) {
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = undefined;
        // The gap is given up: the cursor jumps to just below the lowest held id.
        this.#cursor = [...this.#held.keys()].reduce((low, id) => (id < low ? id : low)) - 1n;
        this.#release();
        void this.#pump();
      }, this.#services.limits.gapGraceMs);
    }
  }

  #enqueue(item: Queued): void {
    if (this.#closed) return;
    this.#queue.push(item);
    void this.#pump();
  }

  /** Closes a client that fell too far behind (4008), telling it where to resume. */
  #checkBehind(): boolean {
    const { maxQueued, maxBufferedBytes } = this.#services.limits;
    if (this.#queue.length + this.#held.size <= maxQueued && this.#socket.bufferedAmount <= maxBufferedBytes) return false;
    const resume = this.#lastId ?? this.#since ?? '0';
    this.close(CLOSE_BEHIND, `behind; reconnect with since=${resume}`);
    return true;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      await this.#drain();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#pumping = false;
    }
  }

  async #drain(): Promise<void> {
    while (!this.#closed && this.#queue.length > 0) {
      if (this.#socket.bufferedAmount > this.#services.limits.highWaterBytes) {
        if (this.#checkBehind()) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const item = this.#queue[0];
      if (item.kind === 'ready') {
        this.#send(JSON.stringify({ type: 'ready', lastId: this.#lastId ?? this.#since ?? '0' }));
      } else {
        await this.#deliver(item.event, item.change);
      }
      this.#queue.shift();
    }
  }

  /** An unexpected failure (the database, a bug): logged; the client is told to resume (1011). */
  #fail(error: unknown): void {
    this.#request.log.error({ err: error }, 'stream client failed');
    this.close(CLOSE_INTERNAL, `server error; reconnect with since=${this.#lastId ?? this.#since ?? '0'}`);
  }

  async #deliver(event: CommittedEvent, change: FeedChange): Promise<void> {
    const principal = this.#principal as Principal;
    const audience = this.#services.audience;
    const bot = event.botId ? (audience.cached(event.botId) ?? (await audience.load(event.botId))) : null;
    if (this.#closed) return;
    // Events of no bot (or of a bot of no user) are the venue's and the service's: admins only.
    const visible = bot && bot.userId !== null ? bot.userId === principal.userId : principal.role === 'admin';
    if (visible && this.#subscription && matches(this.#subscription, event, symbolOf(event, change, bot?.symbol)))
      this.#send(eventMessage(event, change));
    if (this.#lastId === undefined || BigInt(event.id) > BigInt(this.#lastId)) this.#lastId = event.id;
  }

  #send(text: string): void {
    if (this.#closed) return;
    // Frames sent in one turn of the event loop leave in one write (a burst is one syscall, not hundreds).
    const raw = (this.#socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (raw && !this.#corked) {
      this.#corked = true;
      raw.cork();
      process.nextTick(() => {
        this.#corked = false;
        raw.uncork();
      });
    }
    this.#socket.send(text);
  }

  #sendError(error: StreamRequestError): void {
    this.#send(JSON.stringify({ type: 'error', code: error.code, message: error.message, field: error.field }));
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#feed?.stop();
    for (const timer of this.#timers) clearTimeout(timer);
    clearTimeout(this.#gapTimer);
    this.#queue.length = 0;
    this.#held.clear();
    this.#onEnd();
  }
}
