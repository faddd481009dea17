import { PageTitle } from '../components/layout.tsx';

export function AdminPage() {
  return <PageTitle>Admin</PageTitle>;
}
