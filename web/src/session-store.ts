/**
 * The session, kept in localStorage so a reload keeps it (and each tab shares it): the token the
 * API gave at login, when it expires and who it is. It ends at logout, at its expiry (a timer), or
 * when the API answers 401 (revoked, user disabled); the login page then says why.
 */
export interface SessionUser {
  readonly id: string;
  readonly username: string;
  readonly role: 'admin' | 'trader' | 'viewer';
}
export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  readonly user: SessionUser;
}

const KEY = 'botledger.session';
const listeners = new Set<() => void>();
let endedBecause: string | null = null;
let session: Session | null = read();
let timer: ReturnType<typeof setTimeout> | undefined;
schedule();

function read(): Session | null {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    if (stored && !(Date.parse(stored.expiresAt) > Date.now())) {
      localStorage.removeItem(KEY);
      endedBecause = 'Your session expired: log in again.';
      return null;
    }
    return stored;
  } catch {
    return null;
  }
}

function schedule() {
  clearTimeout(timer);
  if (!session) return;
  // setTimeout holds at most 2^31-1 ms; sessions last hours, so this is only a guard.
  const left = Math.min(Date.parse(session.expiresAt) - Date.now(), 2 ** 31 - 1);
  timer = setTimeout(() => end('Your session expired: log in again.'), Math.max(left, 0));
}

function notify() {
  for (const listener of listeners) listener();
}

export function currentSession(): Session | null {
  return session;
}
export function currentToken(): string | null {
  return session?.token ?? null;
}
/** Why the last session ended, when it was not a logout (shown on the login page once). */
export function sessionEndReason(): string | null {
  return endedBecause;
}

export function startSession(next: Session): void {
  session = next;
  endedBecause = null;
  localStorage.setItem(KEY, JSON.stringify(next));
  schedule();
  notify();
}

export function end(reason: string | null): void {
  session = null;
  endedBecause = reason;
  localStorage.removeItem(KEY);
  clearTimeout(timer);
  notify();
}

export function sessionExpired(message: string): void {
  if (session) end(`Your session ended (${message}): log in again.`);
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  session = read();
  schedule();
  notify();
});
