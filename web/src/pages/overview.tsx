import { PageTitle } from '../components/layout.tsx';

export function OverviewPage() {
  return <PageTitle>Overview</PageTitle>;
}
