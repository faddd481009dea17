import { PageTitle } from '../components/layout.tsx';

export function DatabasePage() {
  return <PageTitle>Database</PageTitle>;
}
