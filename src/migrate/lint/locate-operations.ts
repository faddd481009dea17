/**
 * Where each operation of a migration is and which live table it acts on: table names followed
 * through renames, drops and table rebuilds, for the rules in lint-rules.ts.
 */
import type { SqlStatement } from '../migration.ts';
import { type LintOperation, lineAt, parseStatement, sameTable, type TableRef } from './lint-sql.ts';

/** An operation of the migration, where it is, and which live table (if any) it acts on at that point. */
export interface LocatedOperation {
  readonly op: LintOperation;
  readonly line: number;
  /** The table as it exists in the database now, when the operation's table is one (possibly renamed since); undefined for tables this migration creates. */
  readonly live: TableRef | undefined;
  /** For `drop-table`: the rows were first copied into a table this migration created (a table rebuild). */
  readonly copiedInto?: Extract<LintOperation, { kind: 'create-table' }>;
  /** For `rename-table`: the old name is created again later in this migration, so code using it keeps working. */
  readonly nameReused?: boolean;
}

/**
 * Follows table names through the migration: which live table each operation acts on, which
 * drops are the last step of a rebuild (rows copied into a new table first), and which renames
 * leave the old name in place because the migration creates it again.
 */
export function locateOperations(statements: readonly SqlStatement[]): LocatedOperation[] {
  const ops = statements.flatMap((statement) =>
    parseStatement(statement.sql).map((op) => ({ op, line: lineAt(statement.sql, statement.line, op.at) })),
  );
  type Origin = { live: TableRef } | { created: Extract<LintOperation, { kind: 'create-table' }> } | { gone: true };
  const names: { name: TableRef; origin: Origin }[] = [];
  const originOf = (name: TableRef): Origin => names.findLast((entry) => sameTable(entry.name, name))?.origin ?? { live: name };
  const liveOf = (name: TableRef) => {
    const origin = originOf(name);
    return 'live' in origin ? origin.live : undefined;
  };
  const copies: { from: TableRef; into: Extract<LintOperation, { kind: 'create-table' }> }[] = [];
  const located: LocatedOperation[] = [];
  ops.forEach(({ op, line }, index) => {
    const live = liveOf(op.table);
    switch (op.kind) {
      case 'create-table':
        located.push({ op, line, live: undefined });
        names.push({ name: op.table, origin: { created: op } });
        return;
      case 'insert-select': {
        const target = originOf(op.table);
        const from = liveOf(op.from);
        if (from && 'created' in target) copies.push({ from, into: target.created });
        located.push({ op, line, live });
        return;
      }
      case 'drop-table': {
        const copy = live ? copies.findLast((c) => sameTable(c.from, live)) : undefined;
        located.push({ op, line, live, copiedInto: copy?.into });
        names.push({ name: op.table, origin: { gone: true } });
        return;
      }
      case 'rename-table': {
        const later = ops.slice(index + 1).map((o) => o.op);
        const nameReused = later.some(
          (o) => (o.kind === 'create-table' && sameTable(o.table, op.table)) || (o.kind === 'rename-table' && sameTable(o.to, op.table)),
        );
        located.push({ op, line, live, nameReused });
        names.push({ name: op.to, origin: originOf(op.table) }, { name: op.table, origin: { gone: true } });
        return;
      }
      default:
        located.push({ op, line, live });
    }
  });
  return located;
}
