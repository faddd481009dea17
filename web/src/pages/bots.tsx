import { PageTitle } from '../components/layout.tsx';

export function BotsPage() {
  return <PageTitle>Bots</PageTitle>;
}
