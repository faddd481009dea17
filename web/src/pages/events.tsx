import { PageTitle } from '../components/layout.tsx';

export function EventsPage() {
  return <PageTitle>Events</PageTitle>;
}
