import { PageTitle } from '../components/layout.tsx';

export function StatsPage() {
  return <PageTitle>Statistics</PageTitle>;
}
