/**
 * Issue 6, defect 4, through the command line: a person cancels the bot's order at the venue (its
 * event never reaches botledger), then `botledger bots update` runs. The venue answers botledger's
 * cancel with "already cancelled"; the command must say the order was cancelled outside botledger
 * and the bot is stopped, exit 4, keep the new config, and place nothing.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import { tempDir } from '../support/dialects.ts';
import { createTestPostgresDatabase } from '../support/postgres.ts';
import { runCli } from './cli-support.ts';

const CONFIG = '{"amount":"0.01","entryPrice":"59000","takeProfitPrice":"59500"}';
const NEW_CONFIG = '{"amount":"0.01","entryPrice":"58900","takeProfitPrice":"59400"}';

/** The paper exchange's state file the CLI made under `dir` (wherever in it the CLI keeps it). */
function venueFile(dir: string): string {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((name) => /paper-exchange[^/]*\.db$/.test(name));
  assert.equal(files.length, 1, `one paper exchange file under ${dir}: ${files.join(', ')}`);
  return join(dir, files[0] as string);
}

/** Cancels an order on the venue's own file, as a person on its website would; nobody hears the event. */
async function cancelByHand(dir: string, clientOrderId: string): Promise<void> {
  const paper = new PaperExchange({ file: venueFile(dir) });
  try {
    paper.control.cancelByHand({ symbol: 'BTC/USDT', clientOrderId });
  } finally {
    await paper.close();
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`bots update after a cancel by hand at the venue [${dialect}]`, () => {
    test('prints that the order was cancelled outside botledger and the bot is stopped, exits 4, keeps the config', async (t) => {
      const dir = tempDir('botledger-outside-cancel-');
      let db = `sqlite:${join(dir, 'ledger.db')}`;
      if (dialect === 'postgres') {
        const pg = await createTestPostgresDatabase();
        if (!pg) return t.skip('PostgreSQL unavailable');
        t.after(() => pg.drop());
        db = pg.url;
      }
      const cli = (...args: string[]) => runCli([...args, '--db', db], dir);
      const created = await cli('bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', 's1', '--config', CONFIG, '--migrate', '--json');
      assert.equal(created.code, 0, created.stderr);
      const [order] = JSON.parse(created.stdout).orders;
      assert.equal(order.status, 'pending');

      await cancelByHand(dir, order.clientOrderId);

      const text = await cli('bots', 'update', 's1', '--config', NEW_CONFIG);
      assert.equal(text.code, 4, `exit 4: the update did not do what was asked\n${text.stdout}\n${text.stderr}`);
      assert.match(text.stdout, /bot s1: stopped \(Order bl-s1-1 cancelled outside botledger - bot stopped\)/);
      assert.match(text.stdout, /Order bl-s1-1 was cancelled outside botledger \(at the venue\) before this update reached it: the bot is stopped\./);
      assert.match(text.stdout, /The new config is saved; `botledger bots start s1` places its orders again\./);

      const shown = JSON.parse((await cli('orders', 'show', order.id, '--json')).stdout);
      assert.equal(shown.order.status, 'cancelled');
      assert.equal(shown.order.cancellationReason, 'OUTSIDE');
      // The venue's answer is in the event log: its refusal of botledger's cancel, or (since every
      // command reconciles with the venue at start, before it cancels anything: issue 6, defect 6)
      // its report of the person's cancel, found by that reconciliation.
      const answer = shown.events.find(
        (e: { type: string; source: string }) => e.type === 'OrderCancelRejected' || (e.type === 'OrderCanceled' && e.source === 'reconciliation'),
      );
      assert.ok(answer, `the venue's answer is in the event log: ${JSON.stringify(shown.events)}`);
      const bot = JSON.parse((await cli('bots', 'show', 's1', '--json')).stdout);
      assert.equal(bot.bot.status, 'stopped');
      assert.equal(bot.bot.config.entryPrice, '58900', 'the new config is saved');
      assert.equal(bot.orders.pending, 0, 'nothing new was placed');

      // A second update on the stopped bot is an ordinary one: nothing live to take down, exit 0.
      const json = await cli('bots', 'update', 's1', '--config', CONFIG, '--json');
      assert.equal(json.code, 0, json.stderr);
      assert.equal(JSON.parse(json.stdout).cancelledOutside, undefined);
    });
  });
}
