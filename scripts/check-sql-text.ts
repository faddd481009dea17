/**
 * Every SQL statement of the ledger lives in src/storage/ (and the migration engine's in
 * src/migrate/): this finds SQL text anywhere else under src/. Run by `npm run lint` through
 * scripts/check-layers.ts and by test/architecture/sql-text.test.ts.
 *
 * What counts as SQL text, read from the TypeScript syntax tree (so comments never count):
 * - a string or template literal holding a statement SHAPE: `select <columns> from <table>`,
 *   `insert into <table> (`/`values`, `update <table> set <column> =`, `delete from <table>`,
 *   `create|alter|drop table|index|view|trigger|sequence <name>`, `pragma <name>`, a transaction
 *   statement (`begin immediate`, `start transaction`, `savepoint x`, or a whole literal that is
 *   BEGIN, COMMIT, ROLLBACK). Keywords must be all lower case or all upper case and the
 *   grammar must fit, so an English sentence ("Select a bot from the list", "Update the bot set
 *   up...") is not SQL: the shape, not the word, is what is refused. A bare lower-case 'commit'
 *   or 'begin' is a word (a phase name, an enum value), not a statement;
 * - Kysely's raw SQL: a `sql` template (`sql\`...\``) or a `sql.raw(...)`/`sql.ref(...)`/... call;
 * - Kysely's query builder: `.selectFrom(`, `.insertInto(`, `.updateTable(`, `.deleteFrom(`,
 *   `.replaceInto(`, `.mergeInto(`, and `.schema.createTable(`-style schema builders;
 * - better-sqlite3's `.pragma(` call.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * Folders of src/ that may hold SQL. src/exchange/paper/ is the paper venue's OWN database (the
 * state of a simulated remote exchange, paper-store.ts), not the ledger: a real venue keeps its
 * books on its own servers, the paper venue keeps them in its own SQLite file. It is not the
 * ledger's data layer, so the ledger's storage rule does not reach it.
 */
export const SQL_ALLOWED_DIRS = ['storage', 'migrate', join('exchange', 'paper')] as const;

export interface SqlTextViolation {
  readonly file: string;
  readonly line: number;
  /** What was found: 'SQL statement', 'Kysely sql template', 'Kysely query builder .selectFrom(' ... */
  readonly kind: string;
  /** The offending text, shortened. */
  readonly text: string;
}

/** Statement shapes; `{kw}` is a keyword, matched all-lower or all-upper case. */
const SHAPES: readonly string[] = [
  String.raw`\b{select}\s+(?:{distinct}\s+)?(?:ITEM)(?:\s*,\s*(?:ITEM))*\s+{from}\s+NAME`,
  String.raw`\b{insert}\s+(?:{or}\s+[a-zA-Z]+\s+)?{into}\s+NAME\s*(?:\(|{values}\b|{select}\b|{default}\s+{values}\b)`,
  String.raw`\b{replace}\s+{into}\s+NAME\s*(?:\(|{values}\b)`,
  String.raw`\b{update}\s+NAME\s+{set}\s+NAME\s*=`,
  String.raw`\b{delete}\s+{from}\s+NAME\s*(?:$|;|{where}\b|{returning}\b)`,
  String.raw`\b(?:{create}|{alter}|{drop})\s+(?:{unique}\s+|{temp}\s+|{temporary}\s+)?(?:{table}|{index}|{view}|{trigger}|{sequence})\s+(?:{concurrently}\s+)?(?:{if}\s+(?:{not}\s+)?{exists}\s+)?NAME`,
  String.raw`^\s*{pragma}\s+[a-zA-Z_]+`,
  String.raw`\b{begin}\s+(?:{immediate}|{exclusive}|{deferred}|{transaction})\b`,
  String.raw`\b{start}\s+{transaction}\b`,
  String.raw`\b(?:{release}\s+)?{savepoint}\s+[a-zA-Z_]\w*`,
  String.raw`\b{rollback}\s+{to}\s+`,
  String.raw`\b{with}\s+[a-zA-Z_]\w*\s+{as}\s*\(\s*{select}\b`,
];
const NAME = String.raw`(?:"[^"]+"|[a-zA-Z_][\w$]*)(?:\.(?:"[^"]+"|[a-zA-Z_][\w$]*))?`;
const ITEM = String.raw`\*|[a-zA-Z_]\w*\.\*|\?|\$\d+|\d+|'[^']*'|[a-zA-Z_][\w.]*\s*\([^()]*\)(?:\s+{as}\s+\w+)?|${NAME}(?:\s+{as}\s+\w+)?`;

function compile(shape: string, upper: boolean): RegExp {
  const source = shape
    .replaceAll('ITEM', ITEM)
    .replaceAll('NAME', NAME)
    .replace(/\{([a-z]+)\}/g, (_, word: string) => (upper ? word.toUpperCase() : word));
  return new RegExp(source);
}

const STATEMENTS = SHAPES.flatMap((shape) => [compile(shape, false), compile(shape, true)]);
/** A literal that is nothing but a transaction statement, upper case (lower case is a word). */
const BARE_TRANSACTION = /^\s*(?:BEGIN|COMMIT|ROLLBACK)(?:\s+TRANSACTION)?\s*;?\s*$|^\s*(?:begin|commit|rollback)\s*;\s*$/;

/** True when `text` holds a SQL statement shape (see the module comment). */
export function looksLikeSql(text: string): boolean {
  return BARE_TRANSACTION.test(text) || STATEMENTS.some((pattern) => pattern.test(text));
}

const BUILDER_METHODS = new Set(['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto']);
const SCHEMA_METHODS = new Set(['createTable', 'alterTable', 'dropTable', 'createIndex', 'dropIndex', 'createView', 'dropView']);

function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  // A template's holes become a name: `select ${columns} from ${table}` is still a statement's shape.
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => `hole_ ${span.literal.text}`).join('');
  return undefined;
}

/** Local names of Kysely's `sql` in a file (`import { sql } from 'kysely'`, or `sql as raw`). */
function kyselySqlNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (statement.moduleSpecifier.text !== 'kysely') continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) if ((element.propertyName ?? element.name).text === 'sql') names.add(element.name.text);
    }
  }
  return names;
}

/** The SQL text in one TypeScript source text; `file` is only used in the report. */
export function findSqlTextIn(file: string, text: string): SqlTextViolation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: SqlTextViolation[] = [];
  const sqlNames = kyselySqlNames(source);
  // A variable that merely happens to be called `sql` (a string) is not Kysely's raw SQL.
  const isSqlTag = (expression: ts.Expression): boolean => ts.isIdentifier(expression) && sqlNames.has(expression.text);
  const report = (node: ts.Node, kind: string, shown: string): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    // One report per kind and line: a builder chain or a nested sub-query is one finding.
    if (found.some((seen) => seen.line === line && seen.kind === kind)) return;
    found.push({ file, line, kind, text: shown.replace(/\s+/g, ' ').trim().slice(0, 80) });
  };
  const visit = (node: ts.Node): void => {
    // Module specifiers are paths, not text.
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isTaggedTemplateExpression(node) && isSqlTag(node.tag)) {
      report(node, 'Kysely sql template', node.template.getText(source));
      return;
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const callee = node.expression;
      const name = callee.name.text;
      if (isSqlTag(callee.expression)) report(node, `Kysely sql.${name}(`, node.getText(source));
      else if (BUILDER_METHODS.has(name)) report(node, `Kysely query builder .${name}(`, node.getText(source));
      else if (SCHEMA_METHODS.has(name) && ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'schema')
        report(node, `Kysely schema builder .schema.${name}(`, node.getText(source));
      else if (name === 'pragma') report(node, 'SQLite .pragma(', node.getText(source));
    }
    const literal = literalText(node);
    if (literal !== undefined && looksLikeSql(literal)) {
      report(node, 'SQL statement', ts.isTemplateExpression(node) ? node.getText(source) : literal);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : /\.(ts|js|mts|cts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Whether `file` (under `srcDir`) lies in a folder that may hold SQL. */
export function mayHoldSql(srcDir: string, file: string): boolean {
  const path = relative(srcDir, file);
  return SQL_ALLOWED_DIRS.some((dir) => path === dir || path.startsWith(dir + sep));
}

/**
 * Every piece of SQL text under `srcDir` outside the folders that may hold it.
 *
 * @example
 * findSqlText(resolve('src')); // [{ file: 'src/engine/retries.ts', line: 40, kind: 'SQL statement', text: 'select * from orders ...' }]
 */
export function findSqlText(srcDir: string): SqlTextViolation[] {
  return walk(srcDir)
    .filter((file) => !mayHoldSql(srcDir, file))
    .flatMap((file) => findSqlTextIn(relative(process.cwd(), file), readFileSync(file, 'utf8')));
}
