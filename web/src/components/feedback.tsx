/** Loading, error and empty states, and the confirmation every destructive action asks for. */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/client.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  return (
    <div className="error-box" role="alert">
      {apiError ? <code>{apiError.code}</code> : null} {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" aria-busy="true">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty muted">{children}</p>;
}

/**
 * A button that asks before it acts: a modal dialog (Escape or "Keep" closes it, focus starts on
 * the confirm button), then runs the action and shows its error, if any, in the dialog.
 */
export function ConfirmButton({
  label,
  title,
  message,
  confirmLabel,
  onConfirm,
  danger = false,
  disabled = false,
  className,
}: {
  label: ReactNode;
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
  disabled?: boolean;
  className?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const titleId = useId();
  useEffect(() => {
    if (open) dialog.current?.showModal();
    else dialog.current?.close();
  }, [open]);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setOpen(false);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={`${danger ? 'danger' : ''} ${className ?? ''}`} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
      {open ? (
        <dialog ref={dialog} aria-labelledby={titleId} onClose={() => setOpen(false)} className="confirm">
          <h2 id={titleId}>{title}</h2>
          <div>{message}</div>
          <ErrorBox error={error} />
          <div className="actions">
            <button type="button" onClick={() => setOpen(false)} disabled={busy}>
              Keep
            </button>
            {/* biome-ignore lint/a11y/noAutofocus: the dialog's action is what the user came for */}
            <button type="button" autoFocus className={danger ? 'danger' : 'primary'} onClick={confirm} disabled={busy}>
              {busy ? 'Working…' : (confirmLabel ?? title)}
            </button>
          </div>
        </dialog>
      ) : null}
    </>
  );
}
