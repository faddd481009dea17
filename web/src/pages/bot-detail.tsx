/**
 * One bot: its facts, the auto-stop banner with the order that caused it, order counts and latest
 * orders, its open position, recent events, and its commands, each confirmed first: update the
 * config (a form made from the plugin's schema, prefilled with the current config), stop, start,
 * delete. Stream events of this bot refetch what they concern.
 */
import { type QueryKey, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  type BotDetail,
  type BotEvent,
  type BotOrder,
  type BotPosition,
  botKeys,
  deleteBot,
  fetchBot,
  fetchBotEvents,
  fetchOpenPositions,
  fetchPlugins,
  isAutoStopped,
  startBot,
  stopBot,
} from '../api/bots.ts';
import { useStreamRefresh } from '../live-refresh.ts';
import { ConfirmButton, Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount, Badge, Facts, Time } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import { Link, navigate, seg } from '../router.tsx';
import { BotConfigEditor } from './bot-config-editor.tsx';
import { BotStatus } from './bots.tsx';
import './bots.css';

const ORDER_STATUSES = ['pending', 'ongoing', 'closed', 'failed', 'cancelled'] as const;

const ORDER_COLUMNS: Columns<BotOrder> = [
  { header: 'Order', cell: ({ row }) => <Link to={`/orders/${seg(row.original.id)}`}>{row.original.clientOrderId}</Link> },
  { header: 'Side', cell: ({ row }) => `${row.original.side} ${row.original.intent}` },
  { header: 'Price', cell: ({ row }) => <Amount value={row.original.price ?? row.original.stopPrice} /> },
  { header: 'Amount', cell: ({ row }) => <Amount value={row.original.amount} /> },
  { header: 'Filled', cell: ({ row }) => <Amount value={row.original.filledAmount} /> },
  {
    header: 'Status',
    cell: ({ row }) => (
      <>
        <Badge value={row.original.status} />
        {row.original.cancellationReason ? <span className="mono"> {row.original.cancellationReason}</span> : null}
      </>
    ),
  },
  { header: 'Reason', cell: ({ row }) => <span className="reason">{row.original.reason}</span> },
  { header: 'Created', cell: ({ row }) => <Time at={row.original.createdAt} /> },
];

export function BotPage({ id }: { id: string }) {
  const detail = useQuery({ queryKey: botKeys.detail(id), queryFn: () => fetchBot(id) });
  const positions = useQuery({ queryKey: botKeys.positions(id), queryFn: () => fetchOpenPositions(id) });
  const events = useQuery({ queryKey: botKeys.events(id), queryFn: () => fetchBotEvents(id) });
  useStreamRefresh((event) => {
    if (event.botId !== id) return [];
    const keys: QueryKey[] = [botKeys.detail(id), botKeys.events(id)];
    if (event.topic === 'positions' || event.topic === 'trades' || event.topic === 'fills') keys.push(botKeys.positions(id));
    if (event.topic === 'bots') keys.push(botKeys.list('all'));
    return keys;
  });
  if (detail.isPending) return <Loading what={`Loading bot ${id}`} />;
  if (!detail.data)
    return (
      <>
        <PageTitle>Bot {id}</PageTitle>
        <ErrorBox error={detail.error} />
        <Link to="/bots">All bots</Link>
      </>
    );
  const { bot } = detail.data;
  return (
    <>
      <PageTitle actions={<BotActions detail={detail.data} hasPosition={(positions.data ?? []).length > 0} />}>Bot {bot.id}</PageTitle>
      <ErrorBox error={detail.error} />
      {isAutoStopped(bot) ? (
        <div className="panel stand-out bot-banner" role="status">
          <strong>auto-stopped</strong>
          <span className="reason">{bot.stopReason}</span>
          {bot.stoppedByOrderId ? (
            <span>
              Caused by order <Link to={`/orders/${seg(bot.stoppedByOrderId)}`}>{bot.stoppedByClientOrderId ?? bot.stoppedByOrderId}</Link>.
              Start the bot again once you have looked at it.
            </span>
          ) : null}
        </div>
      ) : null}
      <section className="panel" aria-label="facts">
        <Facts
          items={[
            ['Plugin', bot.pluginId],
            ['Symbol', bot.symbol],
            ['Status', <BotStatus key="status" bot={bot} />],
            [
              'Stop reason',
              bot.stopReason ? (
                <span key="reason" className="reason">
                  {bot.stopReason}
                </span>
              ) : (
                <span key="reason" className="muted">
                  —
                </span>
              ),
            ],
            ['Order TTL', `${bot.orderTtlSeconds} s`],
            ['Created', <Time key="created" at={bot.createdAt} />],
            ['Updated', <Time key="updated" at={bot.updatedAt} />],
          ]}
        />
      </section>
      <BotOrders detail={detail.data} />
      <section aria-labelledby="bot-position">
        <h2 id="bot-position">Open position</h2>
        <ErrorBox error={positions.error} />
        {(positions.data ?? []).length === 0 ? (
          <Empty>No open position.</Empty>
        ) : (
          positions.data?.map((position) => <PositionPanel key={position.id} position={position} />)
        )}
      </section>
      <BotConfig detail={detail.data} />
      <section aria-labelledby="bot-events">
        <h2 id="bot-events">Recent events</h2>
        <ErrorBox error={events.error} />
        <EventList events={events.data ?? []} />
        <Link to={`/events?bot=${encodeURIComponent(bot.id)}`}>All events of {bot.id}</Link>
      </section>
    </>
  );
}

function BotOrders({ detail }: { detail: BotDetail }) {
  const id = detail.bot.id;
  return (
    <section aria-labelledby="bot-orders">
      <h2 id="bot-orders">Orders</h2>
      <ul className="order-counts" aria-label="orders by status">
        {ORDER_STATUSES.map((status) => (
          <li key={status}>
            <Link to={`/orders?bot=${encodeURIComponent(id)}&status=${status}`}>
              {status} <span className="count">{detail.counts[status] ?? 0}</span>
            </Link>
          </li>
        ))}
        <li>
          <Link to={`/orders?bot=${encodeURIComponent(id)}`}>all orders of {id}</Link>
        </li>
      </ul>
      {detail.recentOrders.length === 0 ? (
        <Empty>No orders yet.</Empty>
      ) : (
        <DataTable rows={detail.recentOrders} columns={ORDER_COLUMNS} rowId={(order) => order.id} label="latest orders" />
      )}
    </section>
  );
}

function PositionPanel({ position }: { position: BotPosition }) {
  return (
    <div className="panel">
      <Facts
        items={[
          [
            'Position',
            <Link key="link" to={`/positions/${seg(position.id)}`}>
              {position.id}
            </Link>,
          ],
          ['Side', position.side],
          ['Amount', <Amount key="amount" value={position.amount} />],
          ['Entry price', <Amount key="entry" value={position.entryPrice} />],
          ['Stop-loss', <Amount key="sl" value={position.stopLossPrice} />],
          ['Realized pnl', <Amount key="pnl" value={position.realizedPnl} signed />],
          ['Opened', <Time key="opened" at={position.openedAt} />],
        ]}
      />
    </div>
  );
}

function EventList({ events }: { events: BotEvent[] }) {
  if (events.length === 0) return <Empty>No events yet.</Empty>;
  return (
    <ul className="bot-events panel">
      {events.map((event) => (
        <li key={event.id}>
          <Time at={event.createdAt} /> <span className="event-type">{event.type}</span>
          <span className="muted">({event.source})</span> {event.message}
        </li>
      ))}
    </ul>
  );
}

function BotConfig({ detail }: { detail: BotDetail }) {
  const plugins = useQuery({ queryKey: ['plugins'], queryFn: fetchPlugins, staleTime: 60_000 });
  const plugin = plugins.data?.find((candidate) => candidate.id === detail.bot.pluginId);
  return (
    <section aria-labelledby="bot-config">
      <h2 id="bot-config">Config</h2>
      <ErrorBox error={plugins.error} />
      {detail.bot.status === 'deleted' || !plugin ? (
        <pre>{JSON.stringify(detail.bot.config, null, 2)}</pre>
      ) : (
        <BotConfigEditor key={JSON.stringify(detail.bot.config)} bot={detail.bot} plugin={plugin} />
      )}
    </section>
  );
}

/** Stop, start and delete, each asking first (with the option to close the open position). */
function BotActions({ detail, hasPosition }: { detail: BotDetail; hasPosition: boolean }) {
  const queryClient = useQueryClient();
  const [closePosition, setClosePosition] = useState(false);
  const { bot } = detail;
  const refresh = () => queryClient.invalidateQueries({ queryKey: botKeys.all });
  const closeOption = (
    <label className="check">
      <input type="checkbox" checked={closePosition} onChange={(event) => setClosePosition(event.target.checked)} />
      Also close its open position at market{hasPosition ? '' : ' (it holds none now)'}
    </label>
  );
  return (
    <>
      {bot.status === 'active' ? (
        <ConfirmButton
          label="Stop"
          title={`Stop bot ${bot.id}`}
          confirmLabel="Stop bot"
          message={
            <>
              <p>Its live orders are cancelled (STOP). A position it holds keeps its stop-loss unless you close it.</p>
              {closeOption}
            </>
          }
          onConfirm={async () => {
            await stopBot(bot.id, closePosition);
            await refresh();
          }}
        />
      ) : null}
      {bot.status === 'stopped' ? (
        <ConfirmButton
          label="Start"
          title={`Start bot ${bot.id}`}
          confirmLabel="Start bot"
          message={<p>Its plugin places its orders again.</p>}
          onConfirm={async () => {
            await startBot(bot.id);
            await refresh();
          }}
        />
      ) : null}
      {bot.status !== 'deleted' ? (
        <ConfirmButton
          danger
          label="Delete"
          title={`Delete bot ${bot.id}`}
          confirmLabel="Delete bot"
          message={
            <>
              <p>Its live orders are cancelled (DELETE) and the bot is kept as deleted: it cannot be started again.</p>
              {closeOption}
            </>
          }
          onConfirm={async () => {
            await deleteBot(bot.id, closePosition);
            await refresh();
            navigate('/bots');
          }}
        />
      ) : null}
    </>
  );
}
