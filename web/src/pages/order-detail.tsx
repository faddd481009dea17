import { PageTitle } from '../components/layout.tsx';

export function OrderPage({ id }: { id: string }) {
  return <PageTitle>Order {id}</PageTitle>;
}
