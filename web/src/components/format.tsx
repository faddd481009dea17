/**
 * How values are shown everywhere: instants in the viewer's time zone with the UTC instant on
 * hover; amounts exactly as the API sent them (decimal strings, never parsed into floats).
 */
import type { ReactNode } from 'react';

const localFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** An instant in local time; hovering shows it in UTC. */
export function Time({ at, empty = '—' }: { at: string | null | undefined; empty?: string }) {
  if (!at) return <span className="muted">{empty}</span>;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <span>{at}</span>;
  return (
    <time dateTime={date.toISOString()} title={`${date.toISOString().replace('T', ' ').replace('Z', ' UTC')}`}>
      {localFormat.format(date)}
    </time>
  );
}

/** A decimal string as stored: never rounded. Signed values get a colour. */
export function Amount({ value, signed = false }: { value: string | null | undefined; signed?: boolean }) {
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  const tone = signed ? (value.startsWith('-') ? 'loss' : /^0*(\.0*)?$/.test(value) ? '' : 'gain') : '';
  return <span className={`amount ${tone}`}>{value}</span>;
}

const STATUS_TONE: Record<string, string> = {
  pending: 'info',
  ongoing: 'info',
  closed: 'ok',
  failed: 'bad',
  cancelled: 'muted',
  active: 'ok',
  stopped: 'warn',
  deleted: 'muted',
  open: 'info',
};

export function Badge({ value, tone }: { value: string; tone?: string }) {
  return <span className={`badge ${tone ?? STATUS_TONE[value] ?? ''}`}>{value}</span>;
}

/** A definition list of label/value pairs (detail pages). */
export function Facts({ items }: { items: ReadonlyArray<readonly [string, ReactNode]> }) {
  return (
    <dl className="facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
