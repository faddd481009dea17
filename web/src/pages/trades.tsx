import { PageTitle } from '../components/layout.tsx';

export function TradesPage() {
  return <PageTitle>Trades</PageTitle>;
}
