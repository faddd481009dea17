/**
 * Your API tokens: make one (name, scopes, expiry in days), whose text is shown once, in a panel
 * with a Copy button and a warning, and never again (only its hash is stored); list them; revoke
 * one after confirming (it stops working at once). Session tokens (logins) are listed apart.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useCallback, useMemo, useState } from 'react';
import { type ApiToken, createToken, fetchTokens, revokeToken, type Scope, SCOPES } from '../api/admin.ts';
import { ConfirmButton, Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Badge, Time } from '../components/format.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import { currentSession } from '../session-store.ts';
import { FieldError, fieldMessage } from './admin-users.tsx';

/** What a role may put on its tokens (the API refuses more with SCOPE_INVALID). */
const SCOPES_OF_ROLE: Record<string, readonly Scope[]> = { admin: SCOPES, trader: ['read', 'trade'], viewer: ['read'] };

function tokenState(token: ApiToken): { value: string; tone: string } {
  if (token.revokedAt) return { value: 'revoked', tone: 'muted' };
  if (token.expiresAt && Date.parse(token.expiresAt) <= Date.now()) return { value: 'expired', tone: 'muted' };
  return { value: 'active', tone: 'ok' };
}

export function TokensSection() {
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: fetchTokens });
  const queryClient = useQueryClient();
  const refresh = useCallback(() => queryClient.invalidateQueries({ queryKey: ['tokens'] }), [queryClient]);
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  // Memoized, so a refetch does not remount the rows (and an open dialog with them).
  const columns = useMemo<Columns<ApiToken>>(
    () => [
      { header: 'Name', cell: ({ row }) => <strong>{row.original.name}</strong> },
      { header: 'Kind', cell: ({ row }) => (row.original.kind === 'local' ? 'local (the server’s own)' : row.original.kind) },
      { header: 'Scopes', cell: ({ row }) => row.original.scopes.join(', ') },
      {
        header: 'State',
        cell: ({ row }) => {
          const state = tokenState(row.original);
          return <Badge value={state.value} tone={state.tone} />;
        },
      },
      { header: 'Created', cell: ({ row }) => <Time at={row.original.createdAt} /> },
      { header: 'Expires', cell: ({ row }) => <Time at={row.original.expiresAt} empty="never" /> },
      { header: 'Last used', cell: ({ row }) => <Time at={row.original.lastUsedAt} empty="never" /> },
      {
        header: 'Actions',
        cell: ({ row }) =>
          tokenState(row.original).value === 'active' ? (
            <ConfirmButton
              label="Revoke"
              title={`Revoke the token "${row.original.name}"?`}
              message="It stops working at once: every script or device using it gets 401 from then on. This cannot be undone."
              confirmLabel="Revoke token"
              danger
              onConfirm={async () => {
                await revokeToken(row.original.id);
                await refresh();
              }}
            />
          ) : (
            <span className="muted">—</span>
          ),
      },
    ],
    [refresh],
  );
  const personal = tokens.data?.filter((token) => token.kind !== 'session') ?? [];
  const sessions = tokens.data?.filter((token) => token.kind === 'session' && tokenState(token).value === 'active').length ?? 0;
  return (
    <section aria-labelledby="tokens" className="admin-section">
      <h2 id="tokens">Your API tokens</h2>
      <NewTokenForm
        onIssued={(name, token) => {
          setIssued({ name, token });
          void refresh();
        }}
      />
      {issued ? <IssuedToken name={issued.name} token={issued.token} onDone={() => setIssued(null)} /> : null}
      {tokens.isPending ? <Loading what="Reading your tokens" /> : null}
      <ErrorBox error={tokens.error} />
      {tokens.data && personal.length === 0 ? <Empty>No API token yet.</Empty> : null}
      {personal.length > 0 ? <DataTable label="API tokens" rows={personal} columns={columns} rowId={(token) => token.id} /> : null}
      {tokens.data ? (
        <p className="muted">
          {sessions} active login session{sessions === 1 ? '' : 's'} (each login is a session token of 12 hours; logging out ends it).
        </p>
      ) : null}
    </section>
  );
}

function NewTokenForm({ onIssued }: { onIssued: (name: string, token: string) => void }) {
  const allowed = SCOPES_OF_ROLE[currentSession()?.user.role ?? 'viewer'] ?? ['read'];
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [days, setDays] = useState('90');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const toggle = (scope: Scope, on: boolean) =>
    setScopes((now) => (on ? SCOPES.filter((each) => each === scope || now.includes(each)) : now.filter((each) => each !== scope)));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const expiry = days.trim();
    // A whole number of days, or empty for no expiry; said here rather than sent as a bad number.
    if (expiry !== '' && !/^[0-9]{1,4}$/.test(expiry)) {
      setError(new FieldProblem('expiresInDays', 'expiry must be a whole number of days (1-3650), or empty for none'));
      return;
    }
    setBusy(true);
    try {
      const answer = await createToken({ name: name.trim(), scopes, ...(expiry ? { expiresInDays: Number(expiry) } : {}) });
      onIssued(answer.view.name, answer.token);
      setName('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const nameError = fieldMessage(error, 'name');
  const scopesError = fieldMessage(error, 'scopes');
  const daysError = error instanceof FieldProblem ? error.message : fieldMessage(error, 'expiresInDays');
  return (
    <form className="panel admin-form" onSubmit={submit} aria-label="make an API token" noValidate>
      <label>
        Token name
        <input
          name="token-name"
          autoComplete="off"
          value={name}
          onChange={(event) => setName(event.target.value)}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? 'token-name-error' : undefined}
        />
        <FieldError id="token-name-error" message={nameError} />
      </label>
      <fieldset className="scopes">
        <legend>Scopes</legend>
        {SCOPES.map((scope) => (
          <label key={scope}>
            <input
              type="checkbox"
              name={`scope-${scope}`}
              checked={scopes.includes(scope)}
              disabled={!allowed.includes(scope)}
              onChange={(event) => toggle(scope, event.target.checked)}
            />
            {scope}
          </label>
        ))}
        <FieldError id="token-scopes-error" message={scopesError} />
      </fieldset>
      <label>
        Expires after (days)
        <input
          name="token-days"
          inputMode="numeric"
          value={days}
          onChange={(event) => setDays(event.target.value)}
          aria-invalid={daysError ? true : undefined}
          aria-describedby={daysError ? 'token-days-error' : undefined}
        />
        <small className="muted">empty: never expires</small>
        <FieldError id="token-days-error" message={daysError} />
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Making…' : 'Make token'}
        </button>
      </div>
      {error && !nameError && !scopesError && !daysError ? <ErrorBox error={error} /> : null}
    </form>
  );
}

/** A problem found before asking the API, shown like the API's field errors. */
class FieldProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function IssuedToken({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  // The clipboard exists only in secure contexts (https or localhost) and may be refused.
  const canCopy = typeof navigator !== 'undefined' && typeof navigator.clipboard?.writeText === 'function';
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied('Copied.');
    } catch {
      setCopied('The browser refused the clipboard: select the text and copy it by hand.');
    }
  };
  return (
    <section className="panel stand-out new-token" aria-labelledby="new-token-title" data-testid="new-token">
      <h3 id="new-token-title">Your new token "{name}"</h3>
      <p>
        <strong>Copy it now: it will not be shown again.</strong> Only its hash is stored; if you lose it, revoke it and make another.
      </p>
      <code data-testid="new-token-text">{token}</code>
      <div className="actions">
        {canCopy ? (
          <button type="button" onClick={() => void copy()}>
            Copy
          </button>
        ) : (
          <span className="muted">Select the text above and copy it.</span>
        )}
        <button type="button" onClick={onDone}>
          I have copied it
        </button>
        {copied ? <span role="status">{copied}</span> : null}
      </div>
    </section>
  );
}
