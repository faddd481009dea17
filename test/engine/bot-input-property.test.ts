/**
 * Acceptance of issue 6, the property: for seeded random valid and invalid bot configs and flags,
 * either the bot is created and its first order is placeable by the venue (the venue has it, not
 * rejected), or BotService.create refuses with an input error naming the broken field and no
 * table changes. Reproduce one case with BOT_INPUT_SEED=<seed> BOT_INPUT_CASES=<n>.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineFixture } from './engine-fixture.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type BotInputCase, botInputCases, describeCase } from './bot-input-cases.ts';
import { openRulesFixture, tableCounts } from './rules-fixture.ts';

const SEED = Number(process.env.BOT_INPUT_SEED ?? 6);
const COUNT = Number(process.env.BOT_INPUT_CASES ?? 300);

/** Error codes of refused input (anything else is a crash, not a refusal). */
const INPUT_CODES = ['PLUGIN_CONFIG_INVALID', 'INVALID_FIELD', 'INVALID_DECIMAL', 'INVALID_CLIENT_ORDER_ID'];
/** How the library names each field a mutation breaks. */
const LIBRARY_NAME: Record<string, string> = { ttl: 'orderTtlMs', id: 'bot id' };

async function check(f: EngineFixture, c: BotInputCase): Promise<'created' | 'refused'> {
  const what = describeCase(c);
  const before = await tableCounts(f);
  const input = { id: c.id, pluginId: 'scalper', symbol: c.symbol, config: c.config, ...(c.ttl ? { orderTtlMs: c.ttl.ms } : {}) } as never;
  let error: unknown;
  try {
    await f.bots.create(input);
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) {
    assert.deepEqual(c.broken, [], `created although ${c.mutations.join(', ')} broke it: ${what}`);
    const bot = await f.bots.get(c.id as string);
    assert.equal(bot.status, 'active', `${what}: ${bot.stopReason}`);
    const [first] = await f.ordersOfBot(bot.id);
    assert.ok(first, `${what}: no first order`);
    assert.notEqual(first.status, 'failed', `${what}: first order failed: ${first.reason}`);
    const atVenue = await f.paper.fetchOrder({ symbol: bot.symbol, clientOrderId: first.clientOrderId });
    assert.ok(atVenue && atVenue.state !== 'rejected', `${what}: the venue does not have ${first.clientOrderId}`);
    return 'created';
  }
  const code = String((error as { code?: unknown }).code);
  const message = (error as Error).message;
  assert.ok(INPUT_CODES.includes(code), `${what}: not an input error: ${code} ${message}`);
  assert.ok(c.broken.length > 0, `${what}: a valid case was refused: ${message}`);
  const named = c.broken.map((field) => LIBRARY_NAME[field] ?? field);
  assert.ok(
    named.some((field) => message.includes(field)),
    `${what}: the error does not name ${named.join(' or ')}: ${message}`,
  );
  assert.deepEqual(await tableCounts(f), before, `${what}: refused, yet a table changed`);
  return 'refused';
}

forEachDialect('property: a bot is created placeable, or refused naming the field with no table change', (target) => {
  test(`${COUNT} seeded cases (seed ${SEED})`, async () => {
    const f = await openRulesFixture(target);
    try {
      const outcomes = { created: 0, refused: 0 };
      for (const c of botInputCases(SEED, COUNT)) outcomes[await check(f, c)]++;
      // Both sides of the property were exercised.
      assert.ok(outcomes.created >= COUNT / 10 && outcomes.refused >= COUNT / 2, JSON.stringify(outcomes));
      console.log(`# ${target.dialect}: ${outcomes.created} created and placeable, ${outcomes.refused} refused naming the field`);
    } finally {
      await f.close();
    }
  });
});
