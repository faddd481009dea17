/**
 * Parses a `<version>_<name>.sql` migration: the sections `-- migrate:up`, `-- migrate:down`,
 * `-- migrate:verify`, the directives `-- migrate:no-transaction`, `-- migrate:irreversible`,
 * `-- migrate:allow-row-change <table>[, <table>...]`, and a statement splitter that keeps 1-based
 * line numbers. The splitter understands what can hide a `;`: '...' and "..." quotes, E'..\''
 * escapes, `--` and nested `/* *\/` comments, PostgreSQL dollar quotes ($$ and $tag$), and
 * `BEGIN ... END` bodies of CREATE TRIGGER (SQLite) and `BEGIN ATOMIC` functions (PostgreSQL).
 */
import { MigrationInputError } from '../errors.ts';
import type { MigrationConfig, SqlStatement } from '../migration.ts';

/** The sections a SQL migration may have. */
export type SqlSection = 'up' | 'down' | 'verify';

/** A parsed SQL migration file. `down` is undefined when the section is absent or holds no statement. */
export interface ParsedSqlMigration {
  readonly config: MigrationConfig;
  readonly up: readonly SqlStatement[];
  readonly down: readonly SqlStatement[] | undefined;
  readonly verify: readonly SqlStatement[];
}

/** Every `-- migrate:` word botledger understands; anything else is an error, so a typo never goes unnoticed. */
export const SQL_DIRECTIVES = ['up', 'down', 'verify', 'no-transaction', 'irreversible', 'allow-row-change'] as const;

const DIRECTIVE_LINE = /^[ \t]*--[ \t]*migrate:([^\s]*)[ \t]*(.*?)[ \t]*\r?$/;
const TABLE_NAME = /^("?[A-Za-z_][\w$]*"?\.)?"?[A-Za-z_][\w$]*"?$/;
const BLOCK_STATEMENT = /^CREATE\s+(OR\s+REPLACE\s+)?((TEMP|TEMPORARY)\s+)?(TRIGGER|FUNCTION|PROCEDURE)\b/i;

/** Receives the splitter's output: statements, and directive lines it found at the start of a line. */
interface SplitSink {
  statement(statement: SqlStatement): void;
  directive?(word: string, argument: string, line: number): void;
}

class SqlSplitError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Splits SQL text into statements with the line each starts on. Comments before a statement are
 * dropped; a last statement without `;` is kept.
 *
 * @example
 * splitSqlStatements("create table a (x text);\n-- note\ninsert into a values ('x;y');");
 * // [{ sql: 'create table a (x text)', line: 1 }, { sql: "insert into a values ('x;y')", line: 3 }]
 */
export function splitSqlStatements(text: string, firstLine = 1): SqlStatement[] {
  const statements: SqlStatement[] = [];
  try {
    scan(text, firstLine, { statement: (s) => statements.push(s) });
  } catch (error) {
    if (error instanceof SqlSplitError)
      throw new MigrationInputError('SQL_SYNTAX', `line ${error.line}: ${error.message}`, { line: error.line });
    throw error;
  }
  return statements;
}

function scan(text: string, firstLine: number, sink: SplitSink): void {
  let line = firstLine;
  let buf = '';
  let bufLine = 0;
  let blockDepth = 0; // > 0 inside BEGIN ... END of a trigger / atomic function
  const n = text.length;
  let i = 0;
  const flush = (): void => {
    const sql = buf.trim();
    if (sql) sink.statement({ sql, line: bufLine });
    buf = '';
    bufLine = 0;
    blockDepth = 0;
  };
  const startContent = (): void => {
    if (!bufLine) bufLine = line;
  };
  while (i < n) {
    const atLineStart = i === 0 || text[i - 1] === '\n';
    if (atLineStart && sink.directive) {
      const end = text.indexOf('\n', i);
      const lineText = text.slice(i, end === -1 ? n : end);
      const match = DIRECTIVE_LINE.exec(lineText);
      if (match) {
        flush();
        sink.directive(match[1], match[2], line);
        i = end === -1 ? n : end; // the newline itself is consumed below
        continue;
      }
    }
    const c = text[i];
    const next = text[i + 1];
    if (c === '\n') {
      line += 1;
      if (buf) buf += c;
      i += 1;
    } else if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      if (bufLine) buf += text.slice(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const startLine = line;
      let depth = 0;
      let j = i;
      while (j < n) {
        if (text[j] === '/' && text[j + 1] === '*') {
          depth += 1;
          j += 2;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          depth -= 1;
          j += 2;
          if (depth === 0) break;
        } else {
          if (text[j] === '\n') line += 1;
          j += 1;
        }
      }
      if (depth !== 0) throw new SqlSplitError('unterminated /* comment', startLine);
      if (bufLine) buf += text.slice(i, j);
      i = j;
    } else if (c === "'" || c === '"' || c === '`') {
      startContent();
      const escapes = c === "'" && /[eE]$/.test(buf) && !/[\w$][eE]$/.test(buf);
      const j = closeQuote(text, i, c, escapes, line);
      line += countNewlines(text, i, j);
      buf += text.slice(i, j);
      i = j;
    } else if (c === '$' && !/[\w$]/.test(text[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 200));
      if (tag) {
        startContent();
        const close = text.indexOf(tag[0], i + tag[0].length);
        if (close === -1) throw new SqlSplitError(`unterminated dollar quote ${tag[0]}`, line);
        const j = close + tag[0].length;
        line += countNewlines(text, i, j);
        buf += text.slice(i, j);
        i = j;
      } else {
        startContent();
        buf += c;
        i += 1;
      }
    } else if (/[A-Za-z_]/.test(c)) {
      startContent();
      let j = i + 1;
      while (j < n && /[\w$]/.test(text[j])) j += 1;
      const word = text.slice(i, j).toUpperCase();
      if (word === 'BEGIN' && blockDepth === 0 && BLOCK_STATEMENT.test(buf.trim())) blockDepth = 1;
      else if (blockDepth > 0 && word === 'CASE') blockDepth += 1;
      else if (blockDepth > 0 && word === 'END') blockDepth -= 1;
      buf += text.slice(i, j);
      i = j;
    } else if (c === ';' && blockDepth === 0) {
      flush();
      i += 1;
    } else {
      if (!/\s/.test(c)) startContent();
      if (bufLine) buf += c;
      i += 1;
    }
  }
  if (blockDepth > 0) throw new SqlSplitError('BEGIN without a matching END', bufLine || line);
  flush();
}

function closeQuote(text: string, start: number, quote: string, backslashEscapes: boolean, line: number): number {
  let j = start + 1;
  while (j < text.length) {
    const ch = text[j];
    if (backslashEscapes && ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === quote) {
      if (text[j + 1] === quote) {
        j += 2; // doubled quote: an escaped quote inside the literal
        continue;
      }
      return j + 1;
    }
    j += 1;
  }
  const what = quote === "'" ? 'string literal' : 'quoted identifier';
  throw new SqlSplitError(`unterminated ${what} (${quote}) starting here`, line);
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k += 1) if (text[k] === '\n') count += 1;
  return count;
}

/**
 * Parses the text of a SQL migration file. Errors name the file and the line.
 *
 * @example
 * const parsed = parseSqlMigration('-- migrate:up\nalter table orders add reason text;\n-- migrate:down\nalter table orders drop reason;', '0002_reason.sql');
 * parsed.up; // [{ sql: 'alter table orders add reason text', line: 2 }]
 */
export function parseSqlMigration(text: string, fileName: string): ParsedSqlMigration {
  const sections: Record<SqlSection, SqlStatement[]> = { up: [], down: [], verify: [] };
  const seen = new Map<SqlSection, number>();
  let current: SqlSection | undefined;
  let transaction = true;
  let irreversible = false;
  const allowRowChange: string[] = [];
  const fail = (line: number, message: string): never => {
    throw new MigrationInputError('MIGRATION_FILE_INVALID', `${fileName} line ${line}: ${message}`, { file: fileName, line });
  };
  const noArgument = (word: string, argument: string, line: number): void => {
    if (argument && !argument.startsWith('--')) fail(line, `"-- migrate:${word}" takes no argument (found "${argument}")`);
  };
  try {
    scan(text.replace(/^\uFEFF/, ''), 1, {
      statement(statement) {
        if (!current) fail(statement.line, 'SQL before the first section: start the file with "-- migrate:up"');
        else sections[current].push(statement);
      },
      directive(word, argument, line) {
        switch (word) {
          case 'up':
          case 'down':
          case 'verify': {
            noArgument(word, argument, line);
            const earlier = seen.get(word);
            if (earlier) fail(line, `section "-- migrate:${word}" appears twice (first on line ${earlier})`);
            seen.set(word, line);
            current = word;
            return;
          }
          case 'no-transaction':
            noArgument(word, argument, line);
            transaction = false;
            return;
          case 'irreversible':
            noArgument(word, argument, line);
            irreversible = true;
            return;
          case 'allow-row-change': {
            const tables = argument
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean);
            if (tables.length === 0) fail(line, '"-- migrate:allow-row-change" needs at least one table name');
            for (const table of tables)
              if (!TABLE_NAME.test(table)) fail(line, `"${table}" is not a table name (in -- migrate:allow-row-change)`);
            allowRowChange.push(...tables.map((t) => t.replaceAll('"', '').toLowerCase()));
            return;
          }
          default:
            fail(line, `unknown directive "-- migrate:${word}" (known: ${SQL_DIRECTIVES.join(', ')})`);
        }
      },
    });
  } catch (error) {
    if (error instanceof SqlSplitError) fail(error.line, error.message);
    throw error;
  }
  if (!seen.has('up')) fail(1, 'no "-- migrate:up" section: every migration needs one');
  return {
    config: { transaction, irreversible, allowRowChange },
    up: sections.up,
    down: sections.down.length > 0 ? sections.down : undefined,
    verify: sections.verify,
  };
}
