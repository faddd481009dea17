import { PageTitle } from '../components/layout.tsx';

export function PositionPage({ id }: { id: string }) {
  return <PageTitle>Position {id}</PageTitle>;
}
