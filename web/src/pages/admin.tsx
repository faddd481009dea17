/**
 * The Admin page: users, your API tokens, and the paper exchange's control. Admins only: the
 * section link is hidden from others, and anyone reaching the path sees "admins only" (the API
 * answers 403 to their requests anyway, so nothing is asked of it).
 */
import { PageTitle } from '../components/layout.tsx';
import { currentSession } from '../session-store.ts';
import { PaperControl } from './admin-paper.tsx';
import { TokensSection } from './admin-tokens.tsx';
import { UsersSection } from './admin-users.tsx';
import './admin.css';

export function AdminPage() {
  const session = currentSession();
  if (session?.user.role !== 'admin')
    return (
      <>
        <PageTitle>Admin</PageTitle>
        <p className="notice" role="status">
          Admins only: users, tokens and the paper exchange's control are managed by an admin. You are logged in as{' '}
          {session?.user.username ?? 'nobody'} ({session?.user.role ?? 'no role'}).
        </p>
      </>
    );
  return (
    <>
      <PageTitle>Admin</PageTitle>
      <nav aria-label="admin sections" className="actions">
        <a href="#users">Users</a>
        <a href="#tokens">Your API tokens</a>
        <a href="#paper">Paper exchange</a>
      </nav>
      <UsersSection />
      <TokensSection />
      <PaperControl />
    </>
  );
}
