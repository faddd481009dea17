/**
 * The fetchers and body types of the Database and Admin pages: migrations and backups (read),
 * users (admin), your API tokens, and the paper exchange's control (admin). Types are the server's
 * own TypeBox schemas, imported as types only.
 */
import type { Static } from '@sinclair/typebox';
import type { BackupBody, MigrationStatusBody } from '../../../src/api/schemas/migrations.ts';
import type { OrderBody } from '../../../src/api/schemas/orders.ts';
import type { HandActionBody, MarketBody, PaperFaultsBody } from '../../../src/api/schemas/paper.ts';
import type { TokenBody, UserBody } from '../../../src/api/schemas/users.ts';
import { del, get, patch, post } from './client.ts';

export type MigrationStatus = Static<typeof MigrationStatusBody>;
export type Backup = Static<typeof BackupBody>;
export type User = Static<typeof UserBody>;
export type Role = User['role'];
export type ApiToken = Static<typeof TokenBody>;
export type Scope = ApiToken['scopes'][number];
export type PaperMarket = Static<typeof MarketBody>;
export type HandAction = Static<typeof HandActionBody>;
export type PaperFaults = Static<typeof PaperFaultsBody>;
export type Order = Static<typeof OrderBody>;

export const ROLES: readonly Role[] = ['viewer', 'trader', 'admin'];
export const SCOPES: readonly Scope[] = ['read', 'trade', 'admin'];

export const fetchMigrations = () => get<MigrationStatus>('/migrations');
export const fetchBackups = (limit = 20) => get<{ items: Backup[] }>('/backups', { limit }).then((page) => page.items);

export const fetchUsers = () => get<{ items: User[] }>('/users').then((page) => page.items);
export const createUser = (body: { username: string; role: Role; password?: string }) => post<User>('/users', body);
export const updateUser = (id: string, body: { role?: Role; password?: string; disabled?: boolean }) =>
  patch<User>(`/users/${encodeURIComponent(id)}`, body);
export const deleteUser = (id: string) => del<User>(`/users/${encodeURIComponent(id)}`);

export const fetchTokens = () => get<{ items: ApiToken[] }>('/tokens').then((page) => page.items);
export const createToken = (body: { name: string; scopes: Scope[]; expiresInDays?: number }) =>
  post<{ token: string; view: ApiToken }>('/tokens', body);
export const revokeToken = (id: string) => del<ApiToken>(`/tokens/${encodeURIComponent(id)}`);

/** `BTC/USDT` -> `BTC-USDT`, the path form of a symbol. */
export const symbolPath = (symbol: string) => symbol.replace('/', '-');

export const fetchPaperMarkets = () => get<{ items: PaperMarket[] }>('/paper/markets').then((page) => page.items);
export const setPaperPrice = (symbol: string, price: string) =>
  post<{ market: PaperMarket }>(`/paper/markets/${encodeURIComponent(symbolPath(symbol))}/price`, { price });
export const cancelAtVenue = (ref: string) => post<HandAction>(`/paper/orders/${encodeURIComponent(ref)}/cancel`);
export const fillByHand = (ref: string, body: { amount?: string; price?: string }) =>
  post<HandAction>(`/paper/orders/${encodeURIComponent(ref)}/fill`, body);

export const fetchPaperFaults = () => get<{ faults: PaperFaults }>('/paper/faults').then((answer) => answer.faults);
export const armRejections = (body: { rejectOrders: number; message?: string }) =>
  post<{ faults: PaperFaults }>('/paper/faults', body).then((answer) => answer.faults);
export const clearPaperFaults = () => del<{ faults: PaperFaults }>('/paper/faults').then((answer) => answer.faults);
