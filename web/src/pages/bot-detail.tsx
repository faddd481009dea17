import { PageTitle } from '../components/layout.tsx';

export function BotPage({ id }: { id: string }) {
  return <PageTitle>Bot {id}</PageTitle>;
}
