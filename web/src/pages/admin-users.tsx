/**
 * Users (admins): list, add (field errors from the API next to the field; nothing is created on a
 * refusal), change a role, set a password, disable or enable, delete. Each change asks first; the
 * API refuses to remove or demote the last admin and to delete a user who owns data, and the
 * dialog shows why.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useCallback, useMemo, useState } from 'react';
import { createUser, deleteUser, fetchUsers, ROLES, type Role, type User, updateUser } from '../api/admin.ts';
import { ApiError } from '../api/client.ts';
import { ConfirmButton, Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Badge, Time } from '../components/format.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import { currentSession } from '../session-store.ts';

/** The API's error when it names `field`, for showing next to that field. */
export function fieldMessage(error: unknown, field: string): string | null {
  return error instanceof ApiError && error.field === field ? error.message : null;
}

export function FieldError({ id, message }: { id: string; message: string | null }) {
  return message ? (
    <span className="field-error" id={id} role="alert">
      {message}
    </span>
  ) : null;
}

export function UsersSection() {
  const users = useQuery({ queryKey: ['users'], queryFn: fetchUsers });
  const queryClient = useQueryClient();
  const refresh = useCallback(() => void queryClient.invalidateQueries({ queryKey: ['users'] }), [queryClient]);
  const me = currentSession()?.user.id;
  // Memoized: a column list made on each render would remount the row inputs and lose what is typed.
  const columns = useMemo<Columns<User>>(
    () => [
      { header: 'Username', cell: ({ row }) => <strong>{row.original.username}</strong> },
      { header: 'Role', cell: ({ row }) => row.original.role },
      {
        header: 'State',
        cell: ({ row }) => (row.original.disabled ? <Badge value="disabled" tone="bad" /> : <Badge value="enabled" tone="ok" />),
      },
      { header: 'Password', cell: ({ row }) => (row.original.hasPassword ? 'set' : <span className="muted">none (token only)</span>) },
      { header: 'Created', cell: ({ row }) => <Time at={row.original.createdAt} /> },
      { header: 'Actions', cell: ({ row }) => <UserActions user={row.original} isMe={row.original.id === me} onChanged={refresh} /> },
    ],
    [me, refresh],
  );
  return (
    <section aria-labelledby="users" className="admin-section">
      <h2 id="users">Users</h2>
      <NewUserForm onCreated={refresh} />
      {users.isPending ? <Loading what="Reading the users" /> : null}
      <ErrorBox error={users.error} />
      {users.data && users.data.length === 0 ? <Empty>No users.</Empty> : null}
      {users.data && users.data.length > 0 ? (
        <DataTable label="users" rows={users.data} columns={columns} rowId={(user) => user.id} />
      ) : null}
    </section>
  );
}

function NewUserForm({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('trader');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const user = await createUser({ username: username.trim(), role, ...(password ? { password } : {}) });
      setCreated(user.username);
      setUsername('');
      setPassword('');
      onCreated();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const usernameError = fieldMessage(error, 'username');
  const passwordError = fieldMessage(error, 'password');
  const roleError = fieldMessage(error, 'role');
  return (
    <form className="panel admin-form" onSubmit={submit} aria-label="add a user" noValidate>
      <label>
        Username
        <input
          name="new-username"
          autoComplete="off"
          value={username}
          onChange={(event) => setUsername(event.target.value)}
          aria-invalid={usernameError ? true : undefined}
          aria-describedby={usernameError ? 'new-username-error' : undefined}
        />
        <small className="muted">3-32: a-z, 0-9, . _ -, starting with a letter</small>
        <FieldError id="new-username-error" message={usernameError} />
      </label>
      <label>
        Role
        <select name="new-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((each) => (
            <option key={each} value={each}>
              {each}
            </option>
          ))}
        </select>
        <FieldError id="new-role-error" message={roleError} />
      </label>
      <label>
        Password (optional)
        <input
          name="new-password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          aria-invalid={passwordError ? true : undefined}
          aria-describedby={passwordError ? 'new-password-error' : undefined}
        />
        <small className="muted">at least 8 characters; without one, the user logs in with a token</small>
        <FieldError id="new-password-error" message={passwordError} />
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add user'}
        </button>
      </div>
      {error && !usernameError && !passwordError && !roleError ? <ErrorBox error={error} /> : null}
      {created ? (
        <p role="status" className="result">
          User {created} added.
        </p>
      ) : null}
    </form>
  );
}

function UserActions({ user, isMe, onChanged }: { user: User; isMe: boolean; onChanged: () => void }) {
  const [role, setRole] = useState<Role>(user.role);
  const [password, setPassword] = useState('');
  const act = (change: () => Promise<unknown>) => async () => {
    await change();
    onChanged();
  };
  return (
    <div className="row-actions">
      <label>
        <span className="sr-only">role of {user.username}</span>
        <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((each) => (
            <option key={each} value={each}>
              {each}
            </option>
          ))}
        </select>
      </label>
      <ConfirmButton
        label="Change role"
        title={`Make ${user.username} ${role}?`}
        message={`${user.username} becomes ${role}; their tokens are cut down to what ${role} may do.`}
        confirmLabel="Change role"
        disabled={role === user.role}
        onConfirm={act(() => updateUser(user.id, { role }))}
      />
      <label>
        <span className="sr-only">new password of {user.username}</span>
        <input
          type="password"
          autoComplete="new-password"
          placeholder="new password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </label>
      <ConfirmButton
        label="Set password"
        title={`Set ${user.username}'s password?`}
        message={`A new password ends ${user.username}'s sessions${isMe ? ', yours included: you log in again' : ''}.`}
        confirmLabel="Set password"
        disabled={password === ''}
        onConfirm={act(async () => {
          await updateUser(user.id, { password });
          setPassword('');
        })}
      />
      <ConfirmButton
        label={user.disabled ? 'Enable' : 'Disable'}
        title={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}?`}
        message={
          user.disabled
            ? `${user.username} can log in again and their tokens work again.`
            : `${user.username} cannot log in and every token of theirs stops working at once. Their history stays.`
        }
        danger={!user.disabled}
        onConfirm={act(() => updateUser(user.id, { disabled: !user.disabled }))}
      />
      <ConfirmButton
        label="Delete"
        title={`Delete ${user.username}?`}
        message={`${user.username} and their tokens are removed for good. A user who owns bots, orders or trades cannot be deleted: disable them instead.`}
        confirmLabel="Delete user"
        danger
        onConfirm={act(() => deleteUser(user.id))}
      />
    </div>
  );
}
