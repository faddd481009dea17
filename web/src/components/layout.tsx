/** The frame of every page: the navigation, who is logged in, the stream's state, logout. */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { get, post } from '../api/client.ts';
import { Link, useLocation } from '../router.tsx';
import { currentSession, end } from '../session-store.ts';
import { useStreamState } from '../stream.tsx';

const SECTIONS: ReadonlyArray<readonly [string, string, boolean?]> = [
  ['/', 'Overview'],
  ['/orders', 'Orders'],
  ['/bots', 'Bots'],
  ['/positions', 'Positions'],
  ['/trades', 'Trades'],
  ['/stats', 'Statistics'],
  ['/events', 'Events'],
  ['/database', 'Database'],
  ['/admin', 'Admin', true],
];

export async function logout(): Promise<void> {
  try {
    await post('/auth/logout');
  } catch {
    // The session ends here whatever the server answers (it may already be gone).
  }
  end(null);
}

export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const session = currentSession();
  const stream = useStreamState();
  // Asking who we are every minute ends a session the server ended (revoked, user disabled) even
  // on a page that is only being looked at: the 401 sends it back to the login page.
  useQuery({ queryKey: ['me'], queryFn: () => get('/me'), refetchInterval: 60_000 });
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          botledger
        </Link>
        <nav aria-label="sections" className="sections">
          {SECTIONS.filter(([, , adminOnly]) => !adminOnly || session?.user.role === 'admin').map(([to, label]) => {
            const current = to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`);
            return (
              <Link key={to} to={to} aria-current={current ? 'page' : undefined}>
                {label}
              </Link>
            );
          })}
        </nav>
        <div className="who">
          <span className={`live ${stream}`} title={`live stream: ${stream}`} role="status">
            ● {stream}
          </span>
          <span>
            {session?.user.username} <span className="muted">({session?.user.role})</span>
          </span>
          <button type="button" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main">{children}</main>
    </div>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-title">
      <h1>{children}</h1>
      {actions ? <div className="actions">{actions}</div> : null}
    </div>
  );
}
