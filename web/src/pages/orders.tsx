import { PageTitle } from '../components/layout.tsx';

export function OrdersPage() {
  return <PageTitle>Orders</PageTitle>;
}
