/**
 * Copies of a scenario's migration folder with one migration altered: a slow statement appended
 * to its up (for the kill test) or an extra verify query that returns a row (for the failed
 * verification test). `.sql` files are edited as text; a `.ts` migration is replaced by a small
 * wrapper module that imports the original by absolute URL, so the copy lives in any temp folder.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Alteration {
  /** SQL run at the end of the migration's up, inside its transaction. */
  readonly appendUp?: string;
  /** A verify query added to the migration (must return zero rows to pass). */
  readonly addVerify?: string;
}

/** The migration files of a folder in numeric order. */
export function migrationFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.(sql|ts)$/.test(f))
    .sort((a, b) => Number(a.split('_')[0]) - Number(b.split('_')[0]));
}

function alterSql(text: string, alteration: Alteration): string {
  let out = text;
  if (alteration.appendUp) {
    const up = out.indexOf('-- migrate:up');
    const next = out.slice(up + 1).search(/-- migrate:(down|verify)/);
    const at = next < 0 ? out.length : up + 1 + next;
    out = `${out.slice(0, at)}\n${alteration.appendUp};\n\n${out.slice(at)}`;
  }
  if (alteration.addVerify) {
    out = out.includes('-- migrate:verify')
      ? `${out}\n${alteration.addVerify};\n`
      : `${out}\n-- migrate:verify\n${alteration.addVerify};\n`;
  }
  return out;
}

function wrapperModule(original: string, alteration: Alteration | undefined): string {
  const base = pathToFileURL(original).href;
  if (!alteration) return `export * from '${base}';\n`;
  const kysely = import.meta.resolve('kysely');
  return `import * as base from '${base}';
import { sql } from '${kysely}';
export const config = base.config;
export const down = base.down;
export async function up(db, context) {
  await base.up(db, context);
  ${alteration.appendUp ? `await sql.raw(${JSON.stringify(alteration.appendUp)}).execute(db);` : ''}
}
export async function verify(db, context) {
  const rows = typeof base.verify === 'function' ? ((await base.verify(db, context)) ?? []) : [];
  ${alteration.addVerify ? `rows.push(...(await sql.raw(${JSON.stringify(alteration.addVerify)}).execute(db)).rows);` : ''}
  return rows;
}
`;
}

/**
 * Copies `from` into `to` (an empty folder, whose parent gets a package.json), applying `alteration` to the migration at `index`
 * (0 = the first). Returns `to`.
 *
 * @example
 * copyMigrations(scenario.migrationsDir('sqlite'), join(dir, scenario.name), 0, { addVerify: "select 'boom' as problem" });
 */
export function copyMigrations(from: string, to: string, index: number, alteration: Alteration): string {
  // The wrappers are ES modules wherever the temp folder is (the engine refuses a package.json among migrations, so it goes one level up).
  writeFileSync(join(dirname(to), 'package.json'), '{ "type": "module" }\n');
  migrationFiles(from).forEach((file, i) => {
    const source = join(from, file);
    const target = join(to, file);
    if (file.endsWith('.sql')) {
      if (i === index) writeFileSync(target, alterSql(readFileSync(source, 'utf8'), alteration));
      else copyFileSync(source, target);
    } else {
      writeFileSync(target, wrapperModule(source, i === index ? alteration : undefined));
    }
  });
  return to;
}
