/**
 * Acceptance of issue 6, the property through the command line (a few dozen cases: each is a
 * process): `botledger bots create` with seeded random valid and invalid configs and flags either
 * exits 0 with the bot active and its first order at the venue, or exits 2 naming the flag or
 * field with no table change. BOTS_INPUT_CLI_SEED / BOTS_INPUT_CLI_CASES change the sample.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BotInputCase, botInputCases, describeCase } from '../engine/bot-input-cases.ts';
import { type CliLedger, cliLedger } from './cli-ledger.ts';

const SEED = Number(process.env.BOTS_INPUT_CLI_SEED ?? 66);
const COUNT = Number(process.env.BOTS_INPUT_CLI_CASES ?? 24);
/** How the command line names each field a mutation breaks. */
const CLI_NAME: Record<string, string> = { ttl: '--ttl', id: '--id', symbol: '--symbol', config: '--config' };

function argsOf(c: BotInputCase): string[] {
  const args = ['bots', 'create', '--plugin', 'scalper', '--symbol', String(c.symbol), '--id', String(c.id), '--config', JSON.stringify(c.config)];
  return c.ttl ? [...args, '--ttl', c.ttl.flag, '--json'] : [...args, '--json'];
}

async function check(l: CliLedger, c: BotInputCase): Promise<'created' | 'refused'> {
  const what = describeCase(c);
  const before = await l.counts();
  const result = await l.cli(...argsOf(c));
  const document = JSON.parse(result.stdout);
  if (result.code === 0) {
    assert.deepEqual(c.broken, [], `created although ${c.mutations.join(', ')} broke it: ${what}`);
    assert.equal(document.bot.status, 'active', what);
    const first = document.orders.at(-1);
    assert.ok(first && first.status !== 'failed' && first.exchangeOrderId, `${what}: first order ${JSON.stringify(first)}`);
    const atVenue = await l.withVenue((paper) => paper.fetchOrder({ symbol: document.bot.symbol, clientOrderId: first.clientOrderId }));
    assert.ok(atVenue && atVenue.state !== 'rejected', `${what}: the venue does not have ${first.clientOrderId}`);
    return 'created';
  }
  assert.equal(result.code, 2, `${what}: exit ${result.code}: ${result.stdout}${result.stderr}`);
  assert.ok(c.broken.length > 0, `${what}: a valid case was refused: ${result.stdout}`);
  const message: string = document.error.message;
  const named = c.broken.map((field) => CLI_NAME[field] ?? field);
  assert.ok(named.some((field) => message.includes(field)), `${what}: the error does not name ${named.join(' or ')}: ${message}`);
  assert.deepEqual(await l.counts(), before, `${what}: refused, yet a table changed`);
  return 'refused';
}

test(`property through the CLI: ${COUNT} seeded bots create commands (seed ${SEED}) [sqlite]`, async () => {
  const l = cliLedger();
  assert.equal((await l.cli('bots', 'list', '--migrate')).code, 0);
  const outcomes = { created: 0, refused: 0 };
  for (const c of botInputCases(SEED, COUNT, 'c')) outcomes[await check(l, c)]++;
  assert.ok(outcomes.created >= 3 && outcomes.refused >= COUNT / 2, JSON.stringify(outcomes));
  console.log(`# cli: ${outcomes.created} created and placeable, ${outcomes.refused} refused naming the flag or field`);
});
