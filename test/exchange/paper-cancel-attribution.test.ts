/**
 * The paper exchange says who cancelled an order and when (issue 6, defect 4): its API
 * (`cancelOrder`, botledger) or a person at its control surface, kept in the state file, also in
 * a file made before these fields existed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import { tempDir } from '../support/dialects.ts';
import { SYMBOL, paperExchange } from './paper-support.ts';

const order = (clientOrderId: string) => ({ clientOrderId, symbol: SYMBOL, side: 'buy', type: 'limit', amount: '1', price: '90' }) as const;

test('a cancel through the API says api, a cancel by hand says person; both with the venue time', async () => {
  const paper = paperExchange();
  await paper.placeOrder(order('a1'));
  await paper.placeOrder(order('a2'));
  const byApi = await paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'a1' });
  const byHand = paper.control.cancelByHand({ symbol: SYMBOL, clientOrderId: 'a2' });
  assert.equal(byApi.canceledBy, 'api');
  assert.equal(byHand.canceledBy, 'person');
  assert.equal(byHand.reason, byApi.reason, "the venue's words are the same for both");
  assert.ok(typeof byApi.canceledAt === 'number' && byApi.canceledAt <= byApi.timestamp);
  assert.ok((byHand.canceledAt as number) > (byApi.canceledAt as number));
  assert.equal((byHand.raw as { info: { canceledBy: string } }).info.canceledBy, 'person');
  const open = await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'a1' });
  assert.equal(open?.canceledBy, 'api', 'fetchOrder reports it too');
});

test('who cancelled is kept in the state file, and a file made before the columns gets them', async () => {
  const file = join(tempDir(), 'paper-exchange.db');
  const first = new PaperExchange({ file });
  await first.placeOrder(order('b1'));
  await first.placeOrder(order('b2'));
  first.control.cancelByHand({ symbol: SYMBOL, clientOrderId: 'b1' });
  await first.close();
  const reopened = new PaperExchange({ file });
  assert.equal((await reopened.fetchOrder({ symbol: SYMBOL, clientOrderId: 'b1' }))?.canceledBy, 'person');
  await reopened.close();

  // An older state file: the two columns did not exist.
  const raw = new BetterSqlite3(file);
  raw.exec('alter table paper_orders drop column canceled_by; alter table paper_orders drop column canceled_at');
  raw.close();
  const old = new PaperExchange({ file });
  try {
    const before = await old.fetchOrder({ symbol: SYMBOL, clientOrderId: 'b1' });
    assert.equal(before?.state, 'cancelled');
    assert.equal(before?.canceledBy, undefined, 'an old cancel does not say who');
    assert.equal((await old.cancelOrder({ symbol: SYMBOL, clientOrderId: 'b2' })).canceledBy, 'api');
  } finally {
    await old.close();
  }
});
