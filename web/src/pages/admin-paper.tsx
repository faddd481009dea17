/**
 * The paper exchange's control (admins): its markets with a "Set price" per market (resting
 * orders the new price crosses fill), and a person's hands at the venue for one order: "Cancel at
 * the venue" (an outside cancel: botledger stops the order's bot, as it must when someone cancels
 * at the exchange behind its back) and "Fill by hand". Each asks first; the answer shows the
 * ledger's order afterwards. Faults (rejecting the next orders) are in admin-faults.tsx.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { cancelAtVenue, fetchPaperMarkets, fillByHand, type HandAction, type PaperMarket, setPaperPrice } from '../api/admin.ts';
import { ConfirmButton, ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount, Badge, Facts } from '../components/format.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import { Link, seg } from '../router.tsx';
import { FaultsControl } from './admin-faults.tsx';

export function PaperControl() {
  return (
    <section aria-labelledby="paper" className="admin-section">
      <h2 id="paper">Paper exchange</h2>
      <p className="muted">
        The built-in venue every bot trades on here. What you do below is what a person at the exchange would do: botledger learns of it
        only from the venue's events, as it would from a real exchange.
      </p>
      <Markets />
      <HandActions />
      <FaultsControl />
    </section>
  );
}

// Module-level: a column list made on each render would remount the price inputs and lose what is typed.
const MARKET_COLUMNS: Columns<PaperMarket> = [
  { header: 'Symbol', cell: ({ row }) => <strong>{row.original.symbol}</strong> },
  { header: 'Last', cell: ({ row }) => <Amount value={row.original.price} /> },
  { header: 'Bid', cell: ({ row }) => <Amount value={row.original.bid} /> },
  { header: 'Ask', cell: ({ row }) => <Amount value={row.original.ask} /> },
  { header: 'Tick size', cell: ({ row }) => <Amount value={row.original.tickSize} /> },
  { header: 'Min amount', cell: ({ row }) => <Amount value={row.original.minAmount} /> },
  { header: 'Set price', cell: ({ row }) => <SetPrice market={row.original} /> },
];

function Markets() {
  const markets = useQuery({ queryKey: ['paper', 'markets'], queryFn: fetchPaperMarkets, refetchInterval: 5_000 });
  return (
    <>
      <h3>Markets</h3>
      {markets.isPending ? <Loading what="Reading the markets" /> : null}
      <ErrorBox error={markets.error} />
      {markets.data ? (
        <DataTable label="paper markets" rows={markets.data} columns={MARKET_COLUMNS} rowId={(market) => market.symbol} />
      ) : null}
    </>
  );
}

function SetPrice({ market }: { market: PaperMarket }) {
  const [price, setPrice] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const queryClient = useQueryClient();
  return (
    <div className="row-actions">
      <label>
        <span className="sr-only">new price of {market.symbol}</span>
        <input inputMode="decimal" placeholder={market.price} value={price} onChange={(event) => setPrice(event.target.value)} />
      </label>
      <ConfirmButton
        label="Set price"
        title={`Set ${market.symbol} to ${price}?`}
        message={`The last price of ${market.symbol} becomes ${price} (on its tick grid, ${market.tickSize}); resting orders it crosses fill, and the bots react.`}
        confirmLabel="Set price"
        disabled={price.trim() === ''}
        onConfirm={async () => {
          const answer = await setPaperPrice(market.symbol, price.trim());
          setDone(`now ${answer.market.price}`);
          setPrice('');
          await queryClient.invalidateQueries({ queryKey: ['paper', 'markets'] });
        }}
      />
      {done ? (
        <span role="status" className="muted">
          {done}
        </span>
      ) : null}
    </div>
  );
}

function HandActions() {
  const [ref, setRef] = useState('');
  const [amount, setAmount] = useState('');
  const [price, setPrice] = useState('');
  const [result, setResult] = useState<{ action: string; answer: HandAction } | null>(null);
  const queryClient = useQueryClient();
  const order = ref.trim();
  const after = (action: string) => async (answer: HandAction) => {
    setResult({ action, answer });
    // The venue's events changed orders, bots and positions: lists elsewhere refetch.
    await queryClient.invalidateQueries();
  };
  return (
    <div className="panel">
      <h3>An order, by hand at the venue</h3>
      <p>
        A cancel here is an <strong>outside cancel</strong>: botledger did not ask for it, so it records the order as cancelled{' '}
        <code>OUTSIDE</code> and <strong>stops the order's bot</strong> with the reason, instead of placing the order again behind your
        back. A fill by hand is a trade the bot then reacts to.
      </p>
      <div className="admin-form">
        <label>
          Order id or client order id
          <input name="venue-order" autoComplete="off" spellCheck={false} value={ref} onChange={(event) => setRef(event.target.value)} />
        </label>
        <label>
          Fill amount (optional)
          <input
            name="fill-amount"
            inputMode="decimal"
            placeholder="what remains"
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
          />
        </label>
        <label>
          Fill price (optional)
          <input
            name="fill-price"
            inputMode="decimal"
            placeholder="the last price"
            value={price}
            onChange={(event) => setPrice(event.target.value)}
          />
        </label>
        <div className="actions">
          <ConfirmButton
            label="Cancel at the venue"
            title={`Cancel ${order} at the venue?`}
            message="An outside cancel: the order is cancelled at the exchange behind botledger's back, and its bot is stopped with the reason."
            confirmLabel="Cancel at the venue"
            danger
            disabled={order === ''}
            onConfirm={async () => after('Cancelled at the venue')(await cancelAtVenue(order))}
          />
          <ConfirmButton
            label="Fill by hand"
            title={`Fill ${order} by hand?`}
            message={`The venue fills ${amount.trim() || 'what remains of it'} at ${price.trim() || 'the last price'}.`}
            confirmLabel="Fill by hand"
            disabled={order === ''}
            onConfirm={async () =>
              after('Filled by hand')(
                await fillByHand(order, {
                  ...(amount.trim() ? { amount: amount.trim() } : {}),
                  ...(price.trim() ? { price: price.trim() } : {}),
                }),
              )
            }
          />
        </div>
      </div>
      {result ? <HandResult action={result.action} answer={result.answer} /> : null}
    </div>
  );
}

function HandResult({ action, answer }: { action: string; answer: HandAction }) {
  const { venueOrder, order } = answer;
  return (
    <div className="result" role="status" aria-label="result at the venue">
      <h4>
        {action}: {venueOrder.clientOrderId}
      </h4>
      <Facts
        items={[
          ['At the venue', <Badge key="value" value={venueOrder.state} />],
          ['Filled there', <Amount key="value" value={venueOrder.filledAmount} />],
          ['Exchange order id', <code key="value">{venueOrder.exchangeOrderId}</code>],
        ]}
      />
      {order ? (
        <Facts
          items={[
            ['In the ledger', <Badge key="value" value={order.status} />],
            ['Cancellation reason', order.cancellationReason ?? '—'],
            [
              'Reason',
              <span key="value" className="reason">
                {order.reason}
              </span>,
            ],
            [
              'Order',
              <Link key="value" to={`/orders/${seg(order.id)}`}>
                {order.id}
              </Link>,
            ],
            [
              'Bot',
              order.botId ? (
                <Link key="value" to={`/bots/${seg(order.botId)}`}>
                  {order.botId}
                </Link>
              ) : (
                '—'
              ),
            ],
          ]}
        />
      ) : (
        <p className="muted">The ledger's order is another user's (or none): its owner sees its new state on their Orders page.</p>
      )}
    </div>
  );
}
