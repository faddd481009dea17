/**
 * The main job on the embedded default, with no server: botledger's migration engine on a demo
 * SQLite database. It builds the legacy `trading_bot.db` of seed 003 (10 tables, 20,000 trades of
 * realistic data), then runs the real `botledger migrate` commands on it: status, plan, up, status,
 * verify. It also brings botledger's own database (data/botledger.db) to the current core schema.
 *
 * Run: npm run demo           (or: npm run demo -- --rows 100000)
 * Afterwards try the commands it prints (down, restore) yourself.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { openDatabase } from '../src/storage/database.ts';
import { scenario } from '../test/scenarios/plugin-isolation/scenario.ts';

const DEMO_DIR = resolve('data/demo');
const DEMO_DB = join(DEMO_DIR, 'trading_bot.db');
const rowsFlag = process.argv.indexOf('--rows');
const rows = rowsFlag > 0 ? Number(process.argv[rowsFlag + 1]) : 20_000;
if (!Number.isInteger(rows) || rows < 1) {
  console.error(`--rows must be a whole number of at least 1 (got ${process.argv[rowsFlag + 1]})`);
  process.exit(2);
}

const url = `sqlite:${relative(process.cwd(), DEMO_DB)}`;
const dir = relative(process.cwd(), scenario.migrationsDir('sqlite'));
const bin = resolve('bin/botledger.js');

function botledger(args: string[]): void {
  console.log(`\n$ botledger ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\nthe demo stopped: \`botledger ${args.join(' ')}\` exited with ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

rmSync(DEMO_DIR, { recursive: true, force: true });
console.log(`Creating the legacy trading_bot.db of seed 003 with ${rows} trades at ${relative(process.cwd(), DEMO_DB)} ...`);
const database = await openDatabase(url);
await scenario.createLegacySchema(database);
await scenario.generate(database, rows);
await database.close();

botledger(['migrate', 'up', '--yes']);
botledger(['migrate', 'status', '--db', url, '--dir', dir]);
botledger(['migrate', 'plan', '--db', url, '--dir', dir]);
botledger(['migrate', 'up', '--db', url, '--dir', dir, '--yes']);
botledger(['migrate', 'status', '--db', url, '--dir', dir]);
botledger(['migrate', 'verify', '--db', url, '--dir', dir]);

console.log(`
The demo database is migrated, backed up and verified. Try next:
  node bin/botledger.js migrate down    --db ${url} --dir ${dir} --yes   # run the down section (after a backup)
  node bin/botledger.js migrate restore --db ${url} --yes                # put the newest automatic backup back
  node bin/botledger.js migrate status  --db ${url} --dir ${dir} --json`);
