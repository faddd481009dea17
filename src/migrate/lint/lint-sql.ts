/**
 * Reads migration SQL into the operations the lint rules care about (ALTER TABLE actions, DROP
 * TABLE, CREATE INDEX, CREATE TABLE, INSERT ... SELECT). Not a full SQL parser: careful regexes
 * over a copy of the statement whose comments and string contents are blanked, so that a keyword
 * inside a string, a comment or a function body never matches. Identifiers may be quoted
 * ("x", `x`, [x]) and schema-qualified (monitoring.positions); unquoted ones are lower-cased.
 */

/** A table as named in a statement. `schema` is undefined when the name is not qualified. */
export interface TableRef {
  readonly schema?: string;
  readonly name: string;
}

/** A column type as written (`varchar(100)`, `character varying(50)`, `text`). */
export interface ColumnType {
  readonly raw: string;
  /** Lower-case base name with single spaces: `varchar`, `character varying`, `text`. */
  readonly base: string;
  /** The first type argument, e.g. 100 for varchar(100). */
  readonly length?: number;
}

interface At {
  /** Offset in the statement's SQL where the operation starts (for its line). */
  readonly at: number;
}

export type LintOperation = At &
  (
    | { readonly kind: 'alter-table'; readonly table: TableRef }
    | { readonly kind: 'alter-type'; readonly table: TableRef; readonly column: string; readonly type: ColumnType }
    | { readonly kind: 'set-not-null'; readonly table: TableRef; readonly column: string }
    | {
        readonly kind: 'add-column';
        readonly table: TableRef;
        readonly column: string;
        readonly type: ColumnType | undefined;
        readonly notNull: boolean;
        readonly defaultExpression: string | undefined;
        /** GENERATED / IDENTITY / serial: the database fills it, no default needed. */
        readonly generated: boolean;
      }
    | { readonly kind: 'drop-column'; readonly table: TableRef; readonly column: string }
    | { readonly kind: 'drop-table'; readonly table: TableRef }
    | { readonly kind: 'create-index'; readonly table: TableRef; readonly concurrently: boolean; readonly name: string | undefined }
    | { readonly kind: 'rename-column'; readonly table: TableRef; readonly from: string; readonly to: string }
    | { readonly kind: 'rename-table'; readonly table: TableRef; readonly to: TableRef }
    | {
        readonly kind: 'create-table';
        readonly table: TableRef;
        readonly columns: readonly { name: string; type: ColumnType | undefined }[];
      }
    | { readonly kind: 'insert-select'; readonly table: TableRef; readonly from: TableRef }
  );

const IDENT = String.raw`(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_$]*)`;
const QNAME = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;
/** Words that start a constraint rather than a column in ADD / DROP / a CREATE TABLE body. */
const CONSTRAINT_WORDS = new Set(['constraint', 'primary', 'unique', 'foreign', 'check', 'exclude', 'key', 'index']);
/** Words that end a column type or a DEFAULT expression in a column definition. */
const DEFINITION_END = /^(?:not|null|constraint|primary|unique|check|references|generated|collate|default|identity|autoincrement|on|as)\b/i;

/** Unquotes an identifier; unquoted names are lower-cased (PostgreSQL folds them; SQLite ignores case). */
export function normalizeIdentifier(text: string): string {
  const t = text.trim();
  if (t.startsWith('"')) return t.slice(1, -1).replaceAll('""', '"');
  if (t.startsWith('`')) return t.slice(1, -1).replaceAll('``', '`');
  if (t.startsWith('[')) return t.slice(1, -1);
  return t.toLowerCase();
}

function splitQualified(text: string): TableRef {
  const parts = text.match(new RegExp(IDENT, 'g')) ?? [text];
  return parts.length > 1
    ? { schema: normalizeIdentifier(parts[0]), name: normalizeIdentifier(parts[1]) }
    : { name: normalizeIdentifier(parts[0]) };
}

/** `monitoring.positions` or `positions`, for messages. */
export function tableLabel(table: TableRef): string {
  return table.schema ? `${table.schema}.${table.name}` : table.name;
}

/** Same table (names compared as normalized; an unqualified name matches any schema). */
export function sameTable(a: TableRef, b: TableRef): boolean {
  return a.name === b.name && (a.schema === undefined || b.schema === undefined || a.schema === b.schema);
}

/**
 * The statement with comments and the contents of string literals (including PostgreSQL
 * dollar-quoted bodies) replaced by spaces, same length and same line breaks, so offsets and line
 * numbers still match the original.
 */
export function maskSql(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to && i < out.length; i++) if (out[i] !== '\n') out[i] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(text[i - 1]) && (i < 2 || !/[A-Za-z0-9_]/.test(text[i - 2]));
      let j = i + 1;
      while (j < text.length) {
        if (escapes && text[j] === '\\') j += 2;
        else if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      blank(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
      if (tag && !(i > 0 && /[A-Za-z0-9_]/.test(text[i - 1]))) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        const stop = end < 0 ? text.length : end + tag[0].length;
        blank(i + tag[0].length, stop - tag[0].length);
        i = stop;
      } else i++;
    } else i++;
  }
  return out.join('');
}

/** Splits `masked` at commas outside parentheses; returns [offset, text] pairs. */
function splitTopLevel(masked: string, offset: number): [number, string][] {
  const parts: [number, string][] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= masked.length; i++) {
    const c = masked[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if ((c === ',' && depth === 0) || i === masked.length) {
      const piece = masked.slice(start, i);
      const lead = piece.length - piece.trimStart().length;
      if (piece.trim()) parts.push([offset + start + lead, piece.trim()]);
      start = i + 1;
    }
  }
  return parts;
}

/**
 * Reads a column type at the start of `text`.
 *
 * @example
 * parseColumnType('character varying(100) not null'); // { raw: 'character varying(100)', base: 'character varying', length: 100 }
 */
export function parseColumnType(text: string): ColumnType | undefined {
  const m =
    /^(character\s+varying|double\s+precision|timestamp(?:tz)?(?:\s*\(\s*\d+\s*\))?(?:\s+with(?:out)?\s+time\s+zone)?|time(?:\s+with(?:out)?\s+time\s+zone)?|[A-Za-z_][A-Za-z0-9_.]*)(?:\s*\(\s*(\d+)(?:\s*,\s*-?\d+)?\s*\))?(?:\s*\[\s*\d*\s*\])*/i.exec(
      text.trim(),
    );
  if (!m || DEFINITION_END.test(m[1])) return undefined;
  const base = m[1]
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*\(\s*\d+\s*\)/, '');
  return { raw: m[0], base, length: m[2] === undefined ? undefined : Number(m[2]) };
}

/** Variable-length character types with a length limit (never char(n), which pads to its length, nor an array of them). */
export function isBoundedVarchar(type: ColumnType | undefined): type is ColumnType & { length: number } {
  return (
    !!type &&
    !type.raw.trimEnd().endsWith(']') &&
    type.length !== undefined &&
    ['varchar', 'character varying', 'nvarchar', 'varchar2', 'nvarchar2', 'varying character'].includes(type.base)
  );
}

/** Character types without a limit: text, varchar without a length, clob. */
export function isUnboundedText(type: ColumnType | undefined): boolean {
  if (!type || type.raw.trimEnd().endsWith(']')) return false;
  if (['text', 'clob', 'citext', 'string'].includes(type.base)) return true;
  return type.length === undefined && ['varchar', 'character varying', 'nvarchar'].includes(type.base);
}

/** The expression starting at `start` of a column definition, up to the next constraint keyword outside parentheses. */
function takeExpression(original: string, masked: string, start: number): string {
  let depth = 0;
  let i = start;
  for (; i < masked.length; i++) {
    const c = masked[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /\s/.test(c) && DEFINITION_END.test(masked.slice(i).trimStart()) && masked.slice(start, i).trim()) break;
  }
  return original.slice(start, i).trim();
}

function parseColumnDefinition(original: string, masked: string) {
  const defaultMatch = /\bdefault\s+/i.exec(masked);
  return {
    type: parseColumnType(masked),
    notNull: /\bnot\s+null\b/i.test(masked),
    defaultExpression: defaultMatch ? takeExpression(original, masked, defaultMatch.index + defaultMatch[0].length) : undefined,
    generated: /\b(?:generated|identity|autoincrement)\b/i.test(masked) || /^\s*(?:small|big)?serial\d?\b/i.test(masked),
  };
}

function parseAlterAction(table: TableRef, original: string, masked: string, at: number): LintOperation | undefined {
  let m = new RegExp(String.raw`^alter\s+(?:column\s+)?(${IDENT})\s+(?:set\s+data\s+)?type\s+`, 'i').exec(masked);
  if (m) {
    const type = parseColumnType(masked.slice(m[0].length));
    return type ? { kind: 'alter-type', table, column: normalizeIdentifier(m[1]), type, at } : undefined;
  }
  m = new RegExp(String.raw`^alter\s+(?:column\s+)?(${IDENT})\s+set\s+not\s+null\b`, 'i').exec(masked);
  if (m) return { kind: 'set-not-null', table, column: normalizeIdentifier(m[1]), at };
  m = new RegExp(String.raw`^add\s+(column\s+)?(?:if\s+not\s+exists\s+)?(${IDENT})\s*`, 'i').exec(masked);
  if (m && (m[1] || !CONSTRAINT_WORDS.has(m[2].toLowerCase()))) {
    const definition = parseColumnDefinition(original.slice(m[0].length), masked.slice(m[0].length));
    return { kind: 'add-column', table, column: normalizeIdentifier(m[2]), ...definition, at };
  }
  m = new RegExp(String.raw`^drop\s+(column\s+)?(?:if\s+exists\s+)?(${IDENT})`, 'i').exec(masked);
  if (m && (m[1] || !CONSTRAINT_WORDS.has(m[2].toLowerCase())))
    return { kind: 'drop-column', table, column: normalizeIdentifier(m[2]), at };
  m = new RegExp(String.raw`^rename\s+to\s+(${QNAME})`, 'i').exec(masked);
  if (m) return { kind: 'rename-table', table, to: splitQualified(m[1]), at };
  m = new RegExp(String.raw`^rename\s+(column\s+)?(${IDENT})\s+to\s+(${IDENT})`, 'i').exec(masked);
  if (m && (m[1] || m[2].toLowerCase() !== 'constraint'))
    return { kind: 'rename-column', table, from: normalizeIdentifier(m[2]), to: normalizeIdentifier(m[3]), at };
  return undefined;
}

function parseCreateTable(table: TableRef, masked: string, bodyAt: number): LintOperation {
  const close = masked.lastIndexOf(')');
  const columns = splitTopLevel(masked.slice(bodyAt, close < bodyAt ? masked.length : close), bodyAt)
    .map(([offset, text]) => {
      const m = new RegExp(String.raw`^(${IDENT})\s*`).exec(text);
      if (!m || CONSTRAINT_WORDS.has(m[1].toLowerCase())) return undefined;
      return { name: normalizeIdentifier(m[1]), type: parseColumnType(masked.slice(offset + m[0].length, offset + text.length)) };
    })
    .filter((column) => column !== undefined);
  return { kind: 'create-table', table, columns, at: 0 };
}

/**
 * The operations of one SQL statement that the lint rules look at (an empty list for anything else).
 *
 * @example
 * parseStatement('ALTER TABLE monitoring.positions ALTER COLUMN exit_reason TYPE TEXT');
 * // [{ kind: 'alter-table', ... }, { kind: 'alter-type', table: { schema: 'monitoring', name: 'positions' }, column: 'exit_reason', type: { base: 'text', ... } }]
 */
export function parseStatement(sqlText: string): LintOperation[] {
  const masked = maskSql(sqlText);
  const lead = masked.length - masked.trimStart().length;
  const body = masked.slice(lead);
  let m = new RegExp(String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(${QNAME})\s*\*?\s+`, 'i').exec(body);
  if (m) {
    const table = splitQualified(m[1]);
    const actionsAt = lead + m[0].length;
    const actions = splitTopLevel(masked.slice(actionsAt), actionsAt)
      .map(([offset, text]) => parseAlterAction(table, sqlText.slice(offset, offset + text.length), text, offset))
      .filter((op) => op !== undefined);
    return [{ kind: 'alter-table', table, at: lead }, ...actions];
  }
  m = new RegExp(String.raw`^drop\s+table\s+(?:if\s+exists\s+)?((?:${QNAME})(?:\s*,\s*${QNAME})*)`, 'i').exec(body);
  if (m) {
    const names = m[1].match(new RegExp(QNAME, 'g')) ?? [];
    return names.map((name) => ({ kind: 'drop-table', table: splitQualified(name), at: lead }));
  }
  m = new RegExp(
    String.raw`^create\s+(?:unique\s+)?index\s+(concurrently\s+)?(?:if\s+not\s+exists\s+)?(?:(?!on\b)(${QNAME})\s+)?on\s+(?:only\s+)?(${QNAME})`,
    'i',
  ).exec(body);
  if (m)
    return [
      {
        kind: 'create-index',
        table: splitQualified(m[3]),
        concurrently: !!m[1],
        name: m[2] ? normalizeIdentifier(m[2]) : undefined,
        at: lead,
      },
    ];
  m = new RegExp(String.raw`^create\s+(?:(?:temp|temporary|unlogged)\s+)?table\s+(?:if\s+not\s+exists\s+)?(${QNAME})\s*\(`, 'i').exec(body);
  if (m) return [{ ...parseCreateTable(splitQualified(m[1]), masked, lead + m[0].length), at: lead }];
  m = new RegExp(String.raw`^insert\s+(?:or\s+\w+\s+)?into\s+(${QNAME})[\s\S]*?\bselect\b[\s\S]*?\bfrom\s+(${QNAME})`, 'i').exec(body);
  if (m) return [{ kind: 'insert-select', table: splitQualified(m[1]), from: splitQualified(m[2]), at: lead }];
  return [];
}

/** The 1-based line of `offset` in a statement that starts on `firstLine`. */
export function lineAt(sqlText: string, firstLine: number, offset: number): number {
  let line = firstLine;
  for (let i = 0; i < offset && i < sqlText.length; i++) if (sqlText[i] === '\n') line++;
  return line;
}
