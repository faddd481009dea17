/**
 * The live stream (`/api/v1/stream`, a WebSocket) shared by every page: one connection per tab,
 * authenticated with the session's token in its first message, subscribed to every topic. Pages
 * register handlers with useStreamEvents; after a drop it reconnects and asks for what it missed
 * (`since` the last event id), so a page never misses an update and never reloads.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { currentToken, subscribeSession } from './session-store.ts';

export interface StreamEvent {
  readonly type: 'event';
  readonly id: string;
  readonly topic: 'orders' | 'fills' | 'bots' | 'positions' | 'trades' | 'events' | 'sync';
  readonly eventType: string;
  readonly at: string;
  readonly botId: string | null;
  readonly orderId: string | null;
  readonly pluginId: string | null;
  readonly message: string;
  readonly data: Record<string, unknown>;
}

type Handler = (event: StreamEvent) => void;
export type StreamState = 'connecting' | 'live' | 'offline';

const handlers = new Set<Handler>();
const stateListeners = new Set<() => void>();
let socket: WebSocket | null = null;
let state: StreamState = 'offline';
let lastId: string | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let attempts = 0;

function setState(next: StreamState) {
  state = next;
  for (const listener of stateListeners) listener();
}

function connect() {
  clearTimeout(retryTimer);
  const token = currentToken();
  if (!token || socket) return;
  setState('connecting');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/stream`;
  const ws = new WebSocket(url, []);
  socket = ws;
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: 'auth', token }));
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['events'], filters: {}, ...(lastId ? { since: lastId } : {}) }));
  };
  ws.onmessage = (message) => {
    let parsed: { type?: string; id?: string };
    try {
      parsed = JSON.parse(String(message.data));
    } catch {
      return;
    }
    if (parsed.type === 'ready') {
      attempts = 0;
      setState('live');
    }
    if (parsed.type !== 'event') return;
    lastId = parsed.id;
    for (const handler of handlers) handler(parsed as StreamEvent);
  };
  ws.onclose = (close) => {
    if (socket === ws) socket = null;
    setState('offline');
    // 4001: the token no longer works (the API's next answer ends the session); otherwise retry.
    if (close.code !== 4001 && currentToken()) {
      attempts += 1;
      retryTimer = setTimeout(connect, Math.min(500 * 2 ** attempts, 10_000));
    }
  };
}

function disconnect() {
  clearTimeout(retryTimer);
  const ws = socket;
  socket = null;
  lastId = undefined;
  if (ws?.readyState === WebSocket.CONNECTING) {
    // Closing a socket that is still connecting makes the browser log a warning ("closed before
    // the connection is established"): let it open, then close it, sending nothing.
    ws.onopen = () => ws.close(1000, 'logout');
    ws.onmessage = null;
  } else ws?.close(1000, 'logout');
  setState('offline');
}

subscribeSession(() => (currentToken() ? connect() : disconnect()));
if (currentToken()) connect();

/** Calls the handler with every stream event while the component is mounted (latest handler used). */
export function useStreamEvents(handler: Handler): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const forward: Handler = (event) => latest.current(event);
    handlers.add(forward);
    return () => {
      handlers.delete(forward);
    };
  }, []);
}

export function useStreamState(): StreamState {
  return useSyncExternalStore(
    (listener) => {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    () => state,
  );
}
