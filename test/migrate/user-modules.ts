/** A folder of a user's own module migrations, one per flavour (.ts, .mts, .js, .mjs), for the loader's tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeMigrations } from './engine-support.ts';

/** One migration per module flavour; each creates a table through kysely's `sql`. */
export const USER_MODULES: Record<string, string> = {
  '0001_typed.ts': `import { type Kysely, sql } from 'kysely';
import { tableName } from '../shared/names.ts';
interface Row { id: number }
export async function up(db: Kysely<any>): Promise<void> {
  const rows: Row[] = [];
  await sql\`create table \${sql.raw(tableName('typed'))} (id integer primary key)\`.execute(db);
  void rows;
}
export async function down(db: Kysely<any>): Promise<void> { await sql\`drop table t_typed\`.execute(db); }
`,
  '0002_module.mts': `import { sql } from 'kysely';
export const config = { allowRowChange: [] as string[] };
export async function up(db: any) { await sql\`create table t_mts (id integer primary key)\`.execute(db); }
`,
  '0003_plain.js': `import { sql } from 'kysely';
export async function up(db) { await sql\`create table t_js (id integer primary key)\`.execute(db); }
`,
  '0004_plain.mjs': `import { sql } from 'kysely';
export const verify = ['select 1 where 1 = 0'];
export async function up(db) { await sql\`create table t_mjs (id integer primary key)\`.execute(db); }
`,
  'package.json': '{ "name": "my-migrations", "private": true }\n',
  'tsconfig.json': '{ "compilerOptions": { "strict": true } }\n',
};

/** Writes USER_MODULES into `dir/migrations`, the helper into `dir/shared`, and a node_modules folder. */
export function writeUserModules(dir: string): string {
  const migrations = writeMigrations(dir, USER_MODULES);
  mkdirSync(join(migrations, 'node_modules'), { recursive: true });
  mkdirSync(join(dir, 'shared'), { recursive: true });
  writeFileSync(join(dir, 'shared', 'names.ts'), "export function tableName(kind: string): string { return 't_' + kind; }\n");
  return migrations;
}
