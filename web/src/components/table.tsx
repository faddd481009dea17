/**
 * The tables of every list, on TanStack Table (columns, cells, header) with keyset paging driven
 * by the API's nextCursor: "Next" follows the cursor, "Previous" goes back through the cursors
 * already seen, and the first page is always the newest. Rows carry data-row-id for tests.
 */
import { type ColumnDef, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useState } from 'react';

export type Columns<T> = ColumnDef<T, unknown>[];

export function DataTable<T>({
  rows,
  columns,
  rowId,
  label,
  rowClass,
}: {
  rows: readonly T[];
  columns: Columns<T>;
  rowId: (row: T) => string;
  label: string;
  rowClass?: (row: T) => string | undefined;
}) {
  const table = useReactTable({ data: rows as T[], columns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => rowId(row) });
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col">
                  {header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} data-row-id={row.id} className={rowClass?.(row.original)}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} data-label={String(cell.column.columnDef.header ?? '')}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The cursors of a keyset-paged list: current (undefined = first page), next, previous. */
export function useCursorPages(resetKey: string) {
  const [state, setState] = useState<{ key: string; stack: (string | undefined)[] }>({ key: resetKey, stack: [undefined] });
  const stack = state.key === resetKey ? state.stack : [undefined];
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    page: stack.length,
    next: (nextCursor: string) => setState({ key: resetKey, stack: [...stack, nextCursor] }),
    previous: () => setState({ key: resetKey, stack: stack.slice(0, -1) }),
    first: () => setState({ key: resetKey, stack: [undefined] }),
  };
}

export function Pager({
  page,
  nextCursor,
  onNext,
  onPrevious,
  onFirst,
}: {
  page: number;
  nextCursor: string | null | undefined;
  onNext: (cursor: string) => void;
  onPrevious: () => void;
  onFirst: () => void;
}) {
  return (
    <nav className="pager" aria-label="pages">
      <button type="button" onClick={onFirst} disabled={page <= 1}>
        Newest
      </button>
      <button type="button" name="previous" onClick={onPrevious} disabled={page <= 1}>
        ← Previous
      </button>
      <span className="muted">page {page}</span>
      <button type="button" name="next" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor}>
        Next →
      </button>
    </nav>
  );
}
