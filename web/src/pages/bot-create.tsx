import { PageTitle } from '../components/layout.tsx';

export function BotCreatePage() {
  return <PageTitle>New bot</PageTitle>;
}
