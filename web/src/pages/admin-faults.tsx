/**
 * The paper exchange's faults (admins): reject the next N order placements as the venue would,
 * so a newcomer sees orders become `failed` with the venue's words as the reason, their retries
 * (5 s, 10 s, 20 s, ... apart) fail while rejections remain, and retry or drop them on the Orders
 * page; clear to let placements through again.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { armRejections, clearPaperFaults, fetchPaperFaults } from '../api/admin.ts';
import { ConfirmButton, ErrorBox, Loading } from '../components/feedback.tsx';
import { Facts } from '../components/format.tsx';

export function FaultsControl() {
  const faults = useQuery({ queryKey: ['paper', 'faults'], queryFn: fetchPaperFaults, refetchInterval: 5_000 });
  const queryClient = useQueryClient();
  const [count, setCount] = useState('3');
  const [message, setMessage] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['paper', 'faults'] });
  const armed = faults.data;
  const n = count.trim();
  return (
    <div className="panel">
      <h3>Faults: reject the next orders</h3>
      <p>
        The venue rejects the next orders placed (a retry counts as one): they become <strong>failed</strong> with the venue's answer as
        their reason, and botledger retries them after 5 s, 10 s, 20 s, … until they expire. Arm enough rejections to watch the retries fail
        too.
      </p>
      {faults.isPending ? <Loading what="Reading the faults" /> : null}
      <ErrorBox error={faults.error} />
      {armed ? (
        <Facts
          items={[
            [
              'Rejections armed',
              <strong key="value" data-testid="armed-rejections">
                {armed.rejectOrders}
              </strong>,
            ],
            [
              'Next reason',
              armed.reason ? (
                <span key="value" className="reason">
                  {armed.reason}
                </span>
              ) : (
                '—'
              ),
            ],
            ...(armed.otherFaults > 0 ? ([['Other faults queued', String(armed.otherFaults)]] as const) : []),
          ]}
        />
      ) : null}
      <div className="admin-form">
        <label>
          Orders to reject
          <input name="reject-count" inputMode="numeric" value={count} onChange={(event) => setCount(event.target.value)} />
          <small className="muted">1 to 1000</small>
        </label>
        <label>
          The venue's words (optional)
          <input
            name="reject-message"
            placeholder="API key is invalid."
            value={message}
            onChange={(event) => setMessage(event.target.value)}
          />
        </label>
        <div className="actions">
          <ConfirmButton
            label="Reject the next orders"
            title={`Reject the next ${n} orders?`}
            message={`The paper exchange rejects the next ${n} order placements (bots' orders and retries alike) with "${message.trim() || 'API key is invalid.'}".`}
            confirmLabel="Arm the rejections"
            danger
            disabled={!/^[0-9]{1,4}$/.test(n)}
            onConfirm={async () => {
              await armRejections({ rejectOrders: Number(n), ...(message.trim() ? { message: message.trim() } : {}) });
              await refresh();
            }}
          />
          <ConfirmButton
            label="Clear faults"
            title="Clear every fault?"
            message="Every fault armed at the paper exchange is forgotten: orders and retries go through again."
            confirmLabel="Clear faults"
            disabled={!armed || armed.rejectOrders + armed.otherFaults === 0}
            onConfirm={async () => {
              await clearPaperFaults();
              await refresh();
            }}
          />
        </div>
      </div>
    </div>
  );
}
