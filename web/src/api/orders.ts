/**
 * The Orders pages' side of the API: types taken from the server's schemas (types only, nothing
 * of the server is bundled), the fetchers, the actions, and the live refresh: stream events
 * invalidate the queries they concern, at most once per ~500 ms per key, so a busy stream does
 * not turn into a storm of refetches.
 */
import type { Static } from '@sinclair/typebox';
import type { QueryKey, useQueryClient } from '@tanstack/react-query';
import type { OrderBody, OrderCountsBody, OrderDetailBody } from '../../../src/api/schemas/orders.ts';
import { seg } from '../router.tsx';
import { useStreamRefresh } from '../live-refresh.ts';
import type { StreamEvent } from '../stream.tsx';
import { get, post, type Query } from './client.ts';

export type Order = Static<typeof OrderBody>;
export type OrderDetail = Static<typeof OrderDetailBody>;
export type OrderStatus = Order['status'];
export type OrderCounts = Static<typeof OrderCountsBody>['counts'];

export const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'ongoing', 'closed', 'failed', 'cancelled'];

/** The filters the Orders page keeps in its URL (besides status, limit and paging). */
export const ORDER_FILTERS = ['bot', 'plugin', 'symbol', 'side', 'from', 'to'] as const;
export type OrderFilters = Partial<Record<(typeof ORDER_FILTERS)[number], string>>;

export const fetchOrders = (query: Query) => get<{ items: Order[]; nextCursor: string | null }>('/orders', query);
export const fetchOrderCounts = (filters: OrderFilters) => get<{ counts: OrderCounts }>('/orders/counts', filters);
export const fetchOrder = (id: string) => get<OrderDetail>(`/orders/${seg(id)}`);

export type OrderAction = 'cancel' | 'retry' | 'drop';
export const orderAction = (id: string, action: OrderAction) => post<{ order: Order }>(`/orders/${seg(id)}/${action}`);

/** Query keys: everything under ['orders'] is a list or an order, ['orders-counts'] the tab counts. */
export const ordersKey = ['orders'] as const;
export const countsKey = ['orders-counts'] as const;

const ORDER_TOPICS = new Set<StreamEvent['topic']>(['orders', 'fills']);

/** Refreshes the queries under `keys` when the stream tells of an order or a fill that `concerns` accepts. */
export function useOrderStreamRefresh(keys: readonly QueryKey[], concerns: (event: StreamEvent) => boolean = () => true): void {
  useStreamRefresh((event) => (ORDER_TOPICS.has(event.topic) && concerns(event) ? keys : []));
}

/** After an action: the lists, the counts and the order's own page show what it did. */
export function refreshAfterAction(queryClient: ReturnType<typeof useQueryClient>): Promise<unknown> {
  return Promise.all([queryClient.invalidateQueries({ queryKey: ordersKey }), queryClient.invalidateQueries({ queryKey: countsKey })]);
}

/** `2026-11-30T01:00` typed in a datetime-local input (the viewer's zone) -> ISO UTC; '' stays ''. */
export function localInputToIso(value: string): string {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/** An ISO instant -> the value a datetime-local input shows for it, in the viewer's zone. */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
