/**
 * The main job on the embedded default, with no server: SQLite plus the paper exchange.
 *
 * 1. botledger's own database (data/botledger.db) is brought to the core schema by the migration
 *    engine, a scalper bot is created on the built-in paper exchange and run for 300 price steps,
 *    and its orders and events are listed.
 * 2. The migration engine on a user's database: the legacy `trading_bot.db` of seed 003 (10 tables,
 *    20,000 trades of realistic data) goes through the real `botledger migrate` commands: status,
 *    plan, up, status, verify.
 * 3. Its closed trades are imported into the ledger with their plugin_id, and the per-plugin
 *    statistics include them.
 *
 * Run: npm run demo           (or: npm run demo -- --rows 100000)
 * Afterwards try the commands it prints (down, restore, bots, orders) yourself.
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

const LEDGER_DIR = resolve('data/demo-ledger');
const ledger = `sqlite:${relative(process.cwd(), join(LEDGER_DIR, 'botledger.db'))}`;
rmSync(LEDGER_DIR, { recursive: true, force: true });
rmSync(DEMO_DIR, { recursive: true, force: true });

console.log('Part 1: the ledger on SQLite and the paper exchange');
botledger(['migrate', 'up', '--db', ledger, '--yes']);
botledger([
  'bots',
  'create',
  '--db',
  ledger,
  '--plugin',
  'scalper',
  '--symbol',
  'BTC/USDT',
  '--id',
  'scalper-1',
  '--config',
  '{"amount":"0.01","entryPrice":"59950","takeProfitPrice":"60150","stopLossPrice":"59000"}',
]);
botledger(['run', '--db', ledger, '--ticks', '300']);
botledger(['orders', 'list', '--db', ledger, '--status', 'closed', '--limit', '5']);
botledger(['positions', '--db', ledger, '--limit', '5']);
botledger(['bots', 'stop', '--db', ledger, 'scalper-1']);
botledger(['events', '--db', ledger, '--bot', 'scalper-1', '--limit', '5']);

console.log('\nPart 2: the migration engine on a legacy database');
console.log(`Creating the legacy trading_bot.db of seed 003 with ${rows} trades at ${relative(process.cwd(), DEMO_DB)} ...`);
const database = await openDatabase(url);
await scenario.createLegacySchema(database);
await scenario.generate(database, rows);
await database.close();

botledger(['migrate', 'status', '--db', url, '--dir', dir]);
botledger(['migrate', 'plan', '--db', url, '--dir', dir]);
botledger(['migrate', 'up', '--db', url, '--dir', dir, '--yes']);
botledger(['migrate', 'status', '--db', url, '--dir', dir]);
botledger(['migrate', 'verify', '--db', url, '--dir', dir]);

console.log('\nPart 3: the legacy trades in the ledger, per plugin');
botledger(['import', 'trades', '--db', ledger, '--from', url]);
botledger(['stats', '--db', ledger]);

console.log(`
Done. Try next:
  node bin/botledger.js migrate down    --db ${url} --dir ${dir} --yes   # run the down section (after a backup)
  node bin/botledger.js migrate restore --db ${url} --yes                # put the newest automatic backup back
  node bin/botledger.js migrate status  --db ${url} --dir ${dir} --json
  node bin/botledger.js orders list --db ${ledger} --status cancelled     # the order the stop cancelled (STOP)
  node bin/botledger.js positions show <id> --db ${ledger}                # a position's stop-loss, sync state and events
  node bin/botledger.js trades --db ${ledger} --plugin scalper --days 1
  node bin/botledger.js sync --db ${ledger}                               # compare with the venue now
  node bin/botledger.js bots start scalper-1 --db ${ledger} && node bin/botledger.js run --db ${ledger}`);
