/** Every route group of the API, in registration order; each calls application functions only. */
import type { ApiInstance } from '../api-instance.ts';
import accounts from './accounts.ts';
import auth from './auth.ts';
import bots from './bots.ts';
import events from './events.ts';
import health from './health.ts';
import migrations from './migrations.ts';
import sync from './sync.ts';
import trades from './trades.ts';
import orders from './orders.ts';
import paper from './paper.ts';
import plugins from './plugins.ts';
import positions from './positions.ts';
import users from './users.ts';

export interface RouteGroup {
  readonly plugin: (app: ApiInstance) => Promise<void>;
  /** Default /api/v1. */
  readonly prefix?: string;
}

export const API_ROUTES: readonly RouteGroup[] = [
  { plugin: health, prefix: '' },
  { plugin: auth },
  { plugin: users },
  { plugin: bots },
  { plugin: trades },
  { plugin: events },
  { plugin: sync },
  { plugin: migrations },
  { plugin: accounts },
  { plugin: orders },
  { plugin: positions },
  { plugin: plugins },
  { plugin: paper },
];
