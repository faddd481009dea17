/**
 * One position: every fact as stored, its stop-loss (state, order, retries, the venue's whole last
 * error), its sync state, its trade once closed, its event log (payloads whole on demand), and
 * "Close position" (at market or at a limit price) behind a confirmation.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { post } from '../api/client.ts';
import { fetchPosition, type LedgerEvent, useLiveRefresh } from '../api/views.ts';
import { ConfirmButton, Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount, Badge, Facts, Time } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import { Link, seg } from '../router.tsx';
import { errorText, Payload, StopLossBadge } from './view-parts.tsx';
import './views.css';

export const EVENT_COLUMNS: Columns<LedgerEvent> = [
  { header: 'Time', cell: ({ row }) => <Time at={row.original.occurredAt} /> },
  { header: 'Source', cell: ({ row }) => row.original.source },
  { header: 'Type', cell: ({ row }) => <code>{row.original.type}</code> },
  {
    header: 'Bot',
    cell: ({ row }) => (row.original.botId ? <Link to={`/bots/${seg(row.original.botId)}`}>{row.original.botId}</Link> : <span className="muted">—</span>),
  },
  {
    header: 'Order',
    cell: ({ row }) =>
      row.original.orderId ? <Link to={`/orders/${seg(row.original.orderId)}`}>{row.original.orderId}</Link> : <span className="muted">—</span>,
  },
  {
    header: 'Message',
    cell: ({ row }) => (
      <div className="reason">
        {row.original.message}
        {row.original.applied ? null : <span className="muted"> (changed nothing)</span>}
        <Payload value={row.original.payload} />
      </div>
    ),
  },
];

export function PositionPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const limitId = useId();
  const [limitPrice, setLimitPrice] = useState('');
  useLiveRefresh([['position', id]], ['positions', 'trades', 'fills', 'orders', 'sync']);
  const detail = useQuery({ queryKey: ['position', id], queryFn: () => fetchPosition(id) });
  if (detail.isPending) return <Loading />;
  if (!detail.data) return <ErrorBox error={detail.error} />;
  const { position, stopLoss, sync, trade, events } = detail.data;
  const close = async () => {
    await post(`/positions/${seg(id)}/close`, limitPrice.trim() ? { limitPrice: limitPrice.trim() } : {});
    setLimitPrice('');
    await Promise.all([queryClient.invalidateQueries({ queryKey: ['position', id] }), queryClient.invalidateQueries({ queryKey: ['positions'] })]);
  };
  const stopError = errorText(stopLoss.errorDetails);
  return (
    <>
      <PageTitle
        actions={
          position.status === 'open' ? (
            <ConfirmButton
              label="Close position"
              title="Close position"
              danger
              confirmLabel={limitPrice.trim() ? `Close at limit ${limitPrice.trim()}` : 'Close at market'}
              message={
                <>
                  <p>
                    Close {position.side} <Amount value={position.amount} /> {position.symbol}? The bot's exits are cancelled and a closing
                    order is placed; the stop-loss stays until the position is closed.
                  </p>
                  <label htmlFor={limitId}>
                    Limit price (empty: at market)
                    <input id={limitId} inputMode="decimal" value={limitPrice} onChange={(event) => setLimitPrice(event.target.value)} placeholder="60100" />
                  </label>
                </>
              }
              onConfirm={close}
            />
          ) : null
        }
      >
        Position {position.symbol} {position.side} <Badge value={position.status} />
      </PageTitle>
      <ErrorBox error={detail.error} />
      <section className="panel" aria-label="facts">
        <Facts
          items={[
            ['Id', <code key="id">{position.id}</code>],
            ['Bot', position.botId ? <Link key="b" to={`/bots/${seg(position.botId)}`}>{position.botId}</Link> : '—'],
            ['Plugin', position.pluginId],
            ['Account', position.exchangeAccountId ?? '—'],
            ['Amount held', <Amount key="a" value={position.amount} />],
            ['Amount closed', <Amount key="c" value={position.closedAmount} />],
            ['Entry price', <Amount key="e" value={position.entryPrice} />],
            ['Entry cost', <Amount key="ec" value={position.entryCost} />],
            ['Exit price', <Amount key="x" value={position.exitPrice} />],
            ['Last price', <Amount key="m" value={position.markPrice} />],
            ['Unrealized pnl', <Amount key="u" value={position.unrealizedPnl} signed />],
            ['Realized pnl', <Amount key="r" value={position.realizedPnl} signed />],
            ['Fees', <Amount key="f" value={position.fees} />],
            ['Opening order', position.exchangeOrderId ?? '—'],
            ['Opened', <Time key="o" at={position.openedAt} />],
            ['Closed', <Time key="cl" at={position.closedAt} />],
            ['Updated', <Time key="up" at={position.updatedAt} />],
            ['Version', String(position.version)],
          ]}
        />
        {position.exitReason ? (
          <p>
            <span className="muted">{position.status === 'closed' ? 'Exit reason' : 'Reason'}:</span> <span className="reason">{position.exitReason}</span>
          </p>
        ) : null}
      </section>
      <section className={`panel ${stopLoss.state === 'unprotected' ? 'stand-out' : ''}`} aria-labelledby="stop-loss">
        <h2 id="stop-loss">Stop-loss</h2>
        <Facts
          items={[
            ['State', <StopLossBadge key="s" state={stopLoss.state} />],
            ['Stop price', <Amount key="p" value={stopLoss.price} />],
            [
              'Stop order',
              stopLoss.order ? (
                <span key="o">
                  <Link to={`/orders/${seg(stopLoss.order.id)}`}>{stopLoss.order.clientOrderId}</Link> <Badge value={stopLoss.order.status} />{' '}
                  {stopLoss.order.cancellationReason ? <code>{stopLoss.order.cancellationReason}</code> : null}
                </span>
              ) : (
                '—'
              ),
            ],
            ['Retries', String(stopLoss.retryCount)],
            ['Last error at', <Time key="t" at={stopLoss.lastErrorAt} />],
          ]}
        />
        {stopLoss.order ? <p className="reason">{stopLoss.order.reason}</p> : null}
        {stopError ? (
          <div>
            <h3>Last error</h3>
            <p className="reason error-text">{stopError}</p>
            <pre>{JSON.stringify(stopLoss.errorDetails, null, 2)}</pre>
          </div>
        ) : null}
      </section>
      <section className="panel" aria-labelledby="sync">
        <h2 id="sync">Sync with the exchange</h2>
        <Facts
          items={[
            ['Status', <Badge key="s" value={sync.status ?? 'not synced'} tone={sync.status === 'mismatch' ? 'bad' : sync.status ? 'ok' : 'muted'} />],
            ['Last sync', <Time key="t" at={sync.lastSyncAt} empty="never" />],
          ]}
        />
      </section>
      <section className="panel" aria-labelledby="trade">
        <h2 id="trade">Trade</h2>
        {trade ? (
          <Facts
            items={[
              ['Pnl', <Amount key="p" value={trade.pnl} signed />],
              ['Entry', <Amount key="e" value={trade.entryPrice} />],
              ['Exit', <Amount key="x" value={trade.exitPrice} />],
              ['Amount', <Amount key="a" value={trade.amount} />],
              ['Fees', <Amount key="f" value={trade.fees} />],
              ['Closed', <Time key="c" at={trade.closedAt} />],
              ['Exit reason', <span key="r" className="reason">{trade.exitReason ?? '—'}</span>],
            ]}
          />
        ) : (
          <p className="muted">Open: no trade yet.</p>
        )}
      </section>
      <h2>Event log</h2>
      {events.length === 0 ? <Empty>No event.</Empty> : <DataTable rows={events} columns={EVENT_COLUMNS} rowId={(event) => event.id} label="position events" />}
    </>
  );
}
