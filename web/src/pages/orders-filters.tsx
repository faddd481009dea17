/**
 * The Orders page's filters: bot, plugin, symbol, side and creation time, kept in the URL query
 * (a link or a reload shows the same list). Times are typed in the viewer's zone and stored in
 * the URL as ISO UTC instants, which is what the API takes. Applied on submit, so typing a bot id
 * does not send a request per key.
 */
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { get } from '../api/client.ts';
import { isoToLocalInput, localInputToIso, ORDER_FILTERS, type OrderFilters } from '../api/orders.ts';

export function OrderFiltersForm({ filters, onApply }: { filters: OrderFilters; onApply: (filters: OrderFilters) => void }) {
  const [draft, setDraft] = useState<OrderFilters>({ ...filters, from: isoToLocalInput(filters.from), to: isoToLocalInput(filters.to) });
  const botsList = useId();
  // The user's bots, offered as suggestions (an old bot's id can still be typed).
  const bots = useQuery({ queryKey: ['bots', 'ids'], queryFn: () => get<{ items: { id: string }[] }>('/bots'), staleTime: 30_000 });
  const set = (name: keyof OrderFilters) => (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ ...draft, from: localInputToIso(draft.from ?? ''), to: localInputToIso(draft.to ?? ''), symbol: draft.symbol?.trim().toUpperCase() });
  };
  const clear = () => onApply(Object.fromEntries(ORDER_FILTERS.map((name) => [name, ''])));
  return (
    <form className="filters" onSubmit={submit} aria-label="order filters">
      <label>
        Bot
        <input value={draft.bot ?? ''} onChange={set('bot')} list={botsList} placeholder="any" size={12} />
        <datalist id={botsList}>
          {bots.data?.items.map((bot) => (
            <option key={bot.id} value={bot.id} />
          ))}
        </datalist>
      </label>
      <label>
        Plugin
        <input value={draft.plugin ?? ''} onChange={set('plugin')} placeholder="any" size={10} />
      </label>
      <label>
        Symbol
        <input value={draft.symbol ?? ''} onChange={set('symbol')} placeholder="BTC/USDT" size={10} />
      </label>
      <label>
        Side
        <select value={draft.side ?? ''} onChange={set('side')}>
          <option value="">any</option>
          <option value="buy">buy</option>
          <option value="sell">sell</option>
        </select>
      </label>
      <label>
        Created from
        <input type="datetime-local" value={draft.from ?? ''} onChange={set('from')} />
      </label>
      <label>
        Created before
        <input type="datetime-local" value={draft.to ?? ''} onChange={set('to')} />
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          Filter
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
