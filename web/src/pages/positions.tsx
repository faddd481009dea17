import { PageTitle } from '../components/layout.tsx';

export function PositionsPage() {
  return <PageTitle>Positions</PageTitle>;
}
