/**
 * Pieces the reading pages share: a filter form whose values live in the URL query (applied on
 * submit, so a half-typed symbol is never sent), a raw payload shown whole on demand, and the
 * stop-loss state and last error of a position as the API stores them.
 */
import { type FormEvent, useId } from 'react';
import type { Position } from '../api/views.ts';
import { prettyJson } from '../api/views.ts';
import { Badge, Time } from '../components/format.tsx';
import { useQueryState } from '../router.tsx';

export interface FilterField {
  readonly name: string;
  readonly label: string;
  /** A select's choices ('' = any); a text input without. */
  readonly options?: readonly string[];
  readonly type?: 'text' | 'date';
  readonly placeholder?: string;
}

/** Filters in the URL query: the form shows them, "Apply" writes them (a new page 1), "Clear" removes them. */
export function FilterForm({ fields }: { fields: readonly FilterField[] }) {
  const [query, setQuery] = useQueryState();
  const id = useId();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setQuery(Object.fromEntries(fields.map((field) => [field.name, String(data.get(field.name) ?? '').trim()])));
  };
  // The key re-mounts the inputs when the URL changes (back button, a link), so they show it.
  const key = fields.map((field) => query[field.name] ?? '').join('|');
  return (
    <form className="filters" onSubmit={submit} key={key} aria-label="filters">
      {fields.map((field) => (
        <label key={field.name} htmlFor={`${id}-${field.name}`}>
          {field.label}
          {field.options ? (
            <select id={`${id}-${field.name}`} name={field.name} defaultValue={query[field.name] ?? ''}>
              {field.options.map((option) => (
                <option key={option} value={option}>
                  {option || 'any'}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={`${id}-${field.name}`}
              name={field.name}
              type={field.type ?? 'text'}
              defaultValue={query[field.name] ?? ''}
              placeholder={field.placeholder}
            />
          )}
        </label>
      ))}
      <button type="submit" className="primary">
        Apply
      </button>
      <button type="button" onClick={() => setQuery(Object.fromEntries(fields.map((field) => [field.name, null])))}>
        Clear
      </button>
    </form>
  );
}

/** A raw payload (a venue's answer, a command's input), whole, behind a disclosure. */
export function Payload({ value, summary = 'payload' }: { value: unknown; summary?: string }) {
  if (value === null || value === undefined) return null;
  return (
    <details className="payload">
      <summary>{summary}</summary>
      <pre>{prettyJson(value)}</pre>
    </details>
  );
}

/** As the server tells it (domain stopLossState): none, unprotected (a price, no order), protected. */
export function stopLossStateOf(position: Pick<Position, 'stopLossPrice' | 'slOrderId'>): 'none' | 'unprotected' | 'protected' {
  if (position.stopLossPrice === null) return 'none';
  return position.slOrderId ? 'protected' : 'unprotected';
}

const STOP_TONE = { none: 'muted', unprotected: 'bad', protected: 'ok' } as const;

export function StopLossBadge({ state }: { state: 'none' | 'unprotected' | 'protected' }) {
  return <Badge value={state} tone={STOP_TONE[state]} />;
}

/** The sentence of a stored error ({ message, ...details }), or the whole value as JSON. */
export function errorText(details: unknown): string | null {
  if (details === null || details === undefined) return null;
  if (typeof details === 'object' && typeof (details as { message?: unknown }).message === 'string') return (details as { message: string }).message;
  return typeof details === 'string' ? details : prettyJson(details);
}

/** A position's last error: when, its whole sentence, and the venue's whole answer on demand. */
export function LastError({ position }: { position: Pick<Position, 'errorDetails' | 'lastErrorAt' | 'retryCount'> }) {
  const text = errorText(position.errorDetails);
  if (!text) return <span className="muted">no error</span>;
  return (
    <div>
      <span className="muted">
        {position.retryCount} failure(s), last <Time at={position.lastErrorAt} />
      </span>
      <div className="reason error-text">{text}</div>
      <Payload value={position.errorDetails} summary="venue's whole error" />
    </div>
  );
}
