/** The app: the login page without a session, else the page the path names inside the layout. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { Layout, PageTitle } from './components/layout.tsx';
import { LoginPage } from './pages/login.tsx';
import { Link, matchPath, navigate, useLocation } from './router.tsx';
import { ROUTES } from './routes.tsx';
import { currentSession, subscribeSession } from './session-store.ts';

export function App() {
  const session = useSyncExternalStore(subscribeSession, currentSession);
  const { path, search } = useLocation();
  const queryClient = useQueryClient();
  useEffect(() => {
    // Another user's data must never show from the cache after a logout or a new login.
    if (!session) queryClient.clear();
  }, [session, queryClient]);
  useEffect(() => {
    if (!session && path !== '/login') navigate(`/login?next=${encodeURIComponent(path + search)}`, { replace: true });
    if (session && path === '/login') navigate(new URLSearchParams(search).get('next') || '/', { replace: true });
  }, [session, path, search]);
  const route = ROUTES.map((candidate) => ({ candidate, params: matchPath(candidate.pattern, path) })).find(({ params }) => params);
  useEffect(() => {
    document.title = session ? `${route?.candidate.title ?? 'Not found'} · botledger` : 'Log in · botledger';
  }, [session, route]);
  if (!session) return <LoginPage />;
  return (
    <Layout>
      {route ? (
        route.candidate.render(route.params!)
      ) : (
        <>
          <PageTitle>Not found</PageTitle>
          <p>
            No page at <code>{path}</code>. <Link to="/">Overview</Link>
          </p>
        </>
      )}
    </Layout>
  );
}
