/**
 * Events: a live tail of the event log. The first page comes from GET /events (newest first,
 * filtered by bot, order, source and type in the URL); then each stream event that fits the
 * filters is put on top as it arrives, without reloading. "Pause" holds new events back (and
 * "Resume" shows them); older pages follow the cursor. At most MAX_LIVE events are kept in memory
 * so a tab left open for days does not grow without end. Raw payloads open on demand.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { fetchEvents, type LedgerEvent } from '../api/views.ts';
import { Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { PageTitle } from '../components/layout.tsx';
import { DataTable, Pager, useCursorPages } from '../components/table.tsx';
import { useQueryState } from '../router.tsx';
import { type StreamEvent, useStreamEvents } from '../stream.tsx';
import { EVENT_COLUMNS } from './position-detail.tsx';
import { FilterForm } from './view-parts.tsx';
import './views.css';

const MAX_LIVE = 500;
const SOURCES = ['', 'api', 'cli', 'engine', 'exchange-ws', 'exchange-rest', 'reconciliation'];

interface EventFilter {
  readonly bot?: string;
  readonly order?: string;
  readonly source?: string;
  readonly type?: string;
}

/** A stream message as an event-log row (the stream carries the row's fields and its payload). */
function asLogEntry(event: StreamEvent): LedgerEvent {
  const wire = event as StreamEvent & { source?: string; occurredAt?: string; applied?: boolean };
  return {
    id: event.id,
    occurredAt: wire.occurredAt ?? event.at,
    createdAt: event.at,
    source: wire.source ?? '',
    type: event.eventType,
    botId: event.botId,
    orderId: event.orderId,
    pluginId: event.pluginId,
    message: event.message,
    payload: event.data?.payload ?? null,
    applied: wire.applied ?? true,
  };
}

/** Whether a stream event belongs in the filtered list (an order is named by its id or client order id). */
function fits(entry: LedgerEvent, event: StreamEvent, filter: EventFilter): boolean {
  if (filter.bot && entry.botId !== filter.bot) return false;
  if (filter.source && entry.source !== filter.source) return false;
  if (filter.type && entry.type !== filter.type) return false;
  if (filter.order) {
    const clientOrderId = (event.data?.order as { clientOrderId?: string } | undefined)?.clientOrderId;
    if (entry.orderId !== filter.order && clientOrderId !== filter.order) return false;
  }
  return true;
}

/** Newest first, each id once, at most MAX_LIVE. */
function merge(newer: readonly LedgerEvent[], older: readonly LedgerEvent[]): LedgerEvent[] {
  const seen = new Set<string>();
  const rows: LedgerEvent[] = [];
  for (const entry of [...newer, ...older]) {
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    rows.push(entry);
    if (rows.length >= MAX_LIVE) break;
  }
  return rows;
}

export function EventsPage() {
  const [query] = useQueryState();
  const filter: EventFilter = { bot: query.bot, order: query.order, source: query.source, type: query.type };
  const key = JSON.stringify(filter);
  return (
    <>
      <PageTitle>Events</PageTitle>
      <FilterForm
        fields={[
          { name: 'bot', label: 'Bot' },
          { name: 'order', label: 'Order (id or client order id)' },
          { name: 'source', label: 'Source', options: SOURCES },
          { name: 'type', label: 'Type', placeholder: 'OrderFilled' },
        ]}
      />
      <EventTail key={key} filter={filter} />
    </>
  );
}

function EventTail({ filter }: { filter: EventFilter }) {
  const pages = useCursorPages('events');
  const [live, setLive] = useState<LedgerEvent[]>([]);
  const [held, setHeld] = useState<LedgerEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const events = useQuery({
    queryKey: ['events', filter, pages.cursor],
    queryFn: () => fetchEvents({ ...filter, limit: 50, cursor: pages.cursor }),
    placeholderData: keepPreviousData,
    // Fresh on every visit (the live list starts empty then); while here, the stream keeps it current.
    refetchOnMount: 'always',
  });
  useStreamEvents((event) => {
    const entry = asLogEntry(event);
    if (!fits(entry, event, filter)) return;
    if (paused) setHeld((rows) => merge([entry], rows));
    else setLive((rows) => merge([entry], rows));
  });
  const resume = () => {
    setLive((rows) => merge(held, rows));
    setHeld([]);
    setPaused(false);
  };
  const onFirstPage = pages.page === 1;
  const rows = onFirstPage ? merge(live, events.data?.items ?? []) : (events.data?.items ?? []);
  return (
    <>
      <div className="actions tail-controls">
        {paused ? (
          <button type="button" className="primary" onClick={resume}>
            Resume
          </button>
        ) : (
          <button type="button" onClick={() => setPaused(true)}>
            Pause
          </button>
        )}
        <span role="status" className={paused ? 'paused' : 'muted'}>
          {paused ? `Paused: ${held.length} new event(s) held back` : onFirstPage ? 'Live: new events appear on top' : 'Older events (not live)'}
        </span>
      </div>
      <ErrorBox error={events.error} />
      {events.isPending ? <Loading /> : null}
      {!events.isPending && rows.length === 0 ? <Empty>No event matches.</Empty> : null}
      {rows.length > 0 ? <DataTable rows={rows} columns={EVENT_COLUMNS} rowId={(entry) => entry.id} label="events" /> : null}
      <Pager page={pages.page} nextCursor={events.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} onFirst={pages.first} />
    </>
  );
}
