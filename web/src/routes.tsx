/** The pages and their paths (src/api/dashboard.ts serves the app at each section's path). */
import type { ReactNode } from 'react';
import { AdminPage } from './pages/admin.tsx';
import { BotCreatePage } from './pages/bot-create.tsx';
import { BotPage } from './pages/bot-detail.tsx';
import { BotsPage } from './pages/bots.tsx';
import { DatabasePage } from './pages/database.tsx';
import { EventsPage } from './pages/events.tsx';
import { OrderPage } from './pages/order-detail.tsx';
import { OrdersPage } from './pages/orders.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PositionPage } from './pages/position-detail.tsx';
import { PositionsPage } from './pages/positions.tsx';
import { StatsPage } from './pages/stats.tsx';
import { TradesPage } from './pages/trades.tsx';

type Params = Record<string, string>;

export const ROUTES: ReadonlyArray<{ readonly pattern: string; readonly title: string; readonly render: (params: Params) => ReactNode }> = [
  { pattern: '/', title: 'Overview', render: () => <OverviewPage /> },
  { pattern: '/orders', title: 'Orders', render: () => <OrdersPage /> },
  { pattern: '/orders/:id', title: 'Order', render: ({ id }) => <OrderPage key={id} id={id} /> },
  { pattern: '/bots', title: 'Bots', render: () => <BotsPage /> },
  { pattern: '/bots/new', title: 'New bot', render: () => <BotCreatePage /> },
  { pattern: '/bots/:id', title: 'Bot', render: ({ id }) => <BotPage key={id} id={id} /> },
  { pattern: '/positions', title: 'Positions', render: () => <PositionsPage /> },
  { pattern: '/positions/:id', title: 'Position', render: ({ id }) => <PositionPage key={id} id={id} /> },
  { pattern: '/trades', title: 'Trades', render: () => <TradesPage /> },
  { pattern: '/stats', title: 'Statistics', render: () => <StatsPage /> },
  { pattern: '/events', title: 'Events', render: () => <EventsPage /> },
  { pattern: '/database', title: 'Database', render: () => <DatabasePage /> },
  { pattern: '/admin', title: 'Admin', render: () => <AdminPage /> },
];
