/**
 * The overview: what needs a look at a glance, each panel a link to its page. Bots by status,
 * auto-stopped bots with their whole reason (standing out), open positions with their unrealized
 * pnl, today's realized pnl (UTC day), failed orders with their expiry, sync mismatches. Kept
 * current by the live stream (throttled refetches), never by reloading.
 */
import { useQuery } from '@tanstack/react-query';
import { ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount, Badge, Time } from '../components/format.tsx';
import { isAutoStopped } from '../api/bots.ts';
import { PageTitle } from '../components/layout.tsx';
import { type Order, fetchBots, fetchDaily, fetchOrders, fetchPositions, fetchSync, nextDay, useLiveRefresh, utcToday } from '../api/views.ts';
import { Link, seg } from '../router.tsx';
import './views.css';

const BOT_STATUSES = ['active', 'stopped', 'deleted'] as const;


/** A failed order is retried until its expiry, then cancelled (EXPIRED): the soonest first. */
function soonestToExpire(orders: readonly Order[]): Order[] {
  return [...orders].sort((a, b) => (a.expiresAt ?? '9').localeCompare(b.expiresAt ?? '9'));
}

const expiresSoon = (order: Order) => order.expiresAt !== null && Date.parse(order.expiresAt) - Date.now() < 3_600_000;

export function OverviewPage() {
  const today = utcToday();
  useLiveRefresh([['bots'], ['positions'], ['stats'], ['orders'], ['sync']]);
  const bots = useQuery({ queryKey: ['bots', 'all'], queryFn: fetchBots });
  const positions = useQuery({ queryKey: ['positions', 'overview'], queryFn: () => fetchPositions({ status: 'open', limit: 20 }) });
  const daily = useQuery({ queryKey: ['stats', 'daily', today], queryFn: () => fetchDaily({ from: today, to: nextDay(today) }) });
  const failed = useQuery({ queryKey: ['orders', 'overview-failed'], queryFn: () => fetchOrders({ status: 'failed', limit: 20 }) });
  const sync = useQuery({ queryKey: ['sync'], queryFn: fetchSync });

  const autoStopped = (bots.data?.items ?? []).filter(isAutoStopped);
  const todays = daily.data?.find((row) => row.day === today);
  const mismatchedAccounts = (sync.data ?? []).filter((account) => account.sync && account.sync.status !== 'ok');
  const mismatchedPositions = (positions.data?.items ?? []).filter((position) => position.syncStatus === 'mismatch');

  return (
    <>
      <PageTitle>Overview</PageTitle>
      {autoStopped.length > 0 ? (
        <section className="panel stand-out" aria-labelledby="auto-stopped">
          <h2 id="auto-stopped">Auto-stopped bots</h2>
          <ul className="plain">
            {autoStopped.map((bot) => (
              <li key={bot.id}>
                <Link to={`/bots/${seg(bot.id)}`}>{bot.id}</Link> <Time at={bot.updatedAt} />
                <div className="reason">{bot.stopReason}</div>
                {bot.stoppedByOrderId ? (
                  <div>
                    caused by order <Link to={`/orders/${seg(bot.stoppedByOrderId)}`}>{bot.stoppedByClientOrderId ?? bot.stoppedByOrderId}</Link>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="grid">
        <section className="panel" aria-labelledby="bots-by-status">
          <h2 id="bots-by-status">
            <Link to="/bots">Bots</Link>
          </h2>
          {bots.isPending ? <Loading /> : <ErrorBox error={bots.error} />}
          <ul className="plain counts">
            {BOT_STATUSES.map((status) => (
              <li key={status}>
                <Link to={`/bots?status=${status}`}>
                  <Badge value={status} /> <span className="count">{(bots.data?.items ?? []).filter((bot) => bot.status === status).length}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
        <section className="panel" aria-labelledby="realized-today">
          <h2 id="realized-today">
            <Link to={`/trades?from=${today}`}>Realized pnl today</Link>
          </h2>
          {daily.isPending ? <Loading /> : <ErrorBox error={daily.error} />}
          {daily.data ? (
            <p className="big" data-testid="realized-today">
              <Amount value={todays?.pnl ?? '0'} signed />
            </p>
          ) : null}
          <p className="muted">
            {todays?.trades ?? 0} trade(s) closed on {today} (UTC)
          </p>
        </section>
        <section className="panel" aria-labelledby="sync-state">
          <h2 id="sync-state">
            <Link to="/positions?status=open">Sync with the exchange</Link>
          </h2>
          {sync.isPending ? <Loading /> : <ErrorBox error={sync.error} />}
          <ul className="plain">
            {(sync.data ?? []).map((account) => (
              <li key={account.accountId}>
                {account.name} <Badge value={account.sync?.status ?? 'never synced'} tone={account.sync?.status === 'ok' ? 'ok' : account.sync ? 'bad' : 'muted'} />{' '}
                <Time at={account.sync?.lastSyncAt} empty="never" />
                {account.sync?.error ? <div className="reason">{account.sync.error}</div> : null}
              </li>
            ))}
          </ul>
          {mismatchedAccounts.length === 0 && mismatchedPositions.length === 0 ? (
            <p className="muted">No mismatch.</p>
          ) : (
            <ul className="plain">
              {mismatchedPositions.map((position) => (
                <li key={position.id}>
                  <Link to={`/positions/${seg(position.id)}`}>{position.symbol}</Link> <Badge value="mismatch" tone="bad" />
                  <div className="reason">{position.exitReason}</div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section className="panel" aria-labelledby="open-positions">
        <h2 id="open-positions">
          <Link to="/positions?status=open">Open positions</Link>
        </h2>
        {positions.isPending ? <Loading /> : <ErrorBox error={positions.error} />}
        {positions.data?.items.length === 0 ? <p className="muted">No open position.</p> : null}
        <ul className="plain rows">
          {(positions.data?.items ?? []).map((position) => (
            <li key={position.id} data-row-id={position.id}>
              <Link to={`/positions/${seg(position.id)}`}>
                {position.symbol} {position.side}
              </Link>{' '}
              <Amount value={position.amount} /> @ <Amount value={position.entryPrice} /> <span className="muted">unrealized</span>{' '}
              <Amount value={position.unrealizedPnl} signed /> {position.botId ? <span className="muted">bot {position.botId}</span> : null}
            </li>
          ))}
        </ul>
        {positions.data?.nextCursor ? <Link to="/positions?status=open">All open positions…</Link> : null}
      </section>
      <section className="panel" aria-labelledby="failed-orders">
        <h2 id="failed-orders">
          <Link to="/orders?status=failed">Failed orders (retried until they expire)</Link>
        </h2>
        {failed.isPending ? <Loading /> : <ErrorBox error={failed.error} />}
        {failed.data?.items.length === 0 ? <p className="muted">No failed order.</p> : null}
        <ul className="plain rows">
          {soonestToExpire(failed.data?.items ?? []).map((order) => (
            <li key={order.id} data-row-id={order.id}>
              <Link to={`/orders/${seg(order.id)}`}>{order.clientOrderId}</Link> {order.side} <Amount value={order.amount} /> {order.symbol}{' '}
              <span className="muted">retries {order.retryCount}, next retry</span> <Time at={order.nextRetryAt} empty="none" />{' '}
              <span className="muted">expires</span> <Time at={order.expiresAt} empty="never" />{' '}
              {expiresSoon(order) ? <Badge value="expires within the hour" tone="warn" /> : null}
              <div className="reason">{order.reason}</div>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
