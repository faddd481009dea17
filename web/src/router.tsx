/**
 * A small client-side router over the History API: pages are real paths (/orders?status=failed,
 * /bots/scalp1), which `botledger serve` answers with the app, so a reload or a shared link opens
 * the same page. Filters live in the query string, so the back button and links keep them.
 */
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => notify());

function notify() {
  for (const listener of listeners) listener();
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current path and query string (re-renders on navigation). */
export function useLocation(): { path: string; search: string; query: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search);
  const url = new URL(href, location.origin);
  return { path: url.pathname, search: url.search, query: url.searchParams };
}

/** The query string as an object, and a setter that merges changes into it (empty values removed). */
export function useQueryState(): [Record<string, string>, (changes: Record<string, string | null | undefined>, replace?: boolean) => void] {
  const { path, query } = useLocation();
  const values = Object.fromEntries(query.entries());
  const update = (changes: Record<string, string | null | undefined>, replace = true) => {
    const next = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === undefined || value === '') next.delete(key);
      else next.set(key, value);
    }
    const text = next.toString();
    navigate(text ? `${path}?${text}` : path, { replace });
  };
  return [values, update];
}

/** Matches `/bots/:id` against `/bots/scalp1` -> { id: 'scalp1' }; null when it does not fit. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const have = path.replace(/\/+$/, '').split('/');
  if (path === '/') have.splice(0, have.length, '', '');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < want.length; index++) {
    if (want[index].startsWith(':')) params[want[index].slice(1)] = decodeURIComponent(have[index]);
    else if (want[index] !== have[index]) return null;
  }
  return params;
}

/** A link that navigates without reloading (a new tab with Ctrl/Cmd-click, as any link). */
export function Link({ to, children, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} {...rest} onClick={onClick}>
      {children}
    </a>
  );
}

/** A path segment for a URL: ids may hold '/' or ':' (client order ids do not, but be safe). */
export const seg = (value: string) => encodeURIComponent(value);
