/**
 * The Orders pages in Chromium against a real `botledger serve` with the paper exchange: scalper
 * bots' resting orders listed with their counts in the status tabs; a new order and a fill show up
 * without a reload (the live stream); tabs and filters narrow the list and live in the URL; keyset
 * pages go forward and back; a pending order is cancelled through the confirmation dialog (Keep
 * first changes nothing) and shows REPLACED; an order's page shows its fills and event log and
 * follows the order live (it fills while open); the phone width turns rows into cards; orders
 * the paper exchange rejected (POST /paper/faults) are listed as failed with their retry state,
 * retried and dropped through the confirmation dialog.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  adminSession,
  BROWSER_SKIP,
  callApi,
  type DashboardServer,
  logIn,
  openPage,
  screenshot,
  serveDashboard,
} from './web-support.ts';

// Browser globals of the functions run in the page (this project's Node tsconfig has no DOM types).
declare const document: any;
declare const window: any;
declare function getComputedStyle(element: unknown, pseudo?: string): any;

let dashboard: DashboardServer;
let admin: string;
let lastPrice: number;
/** Each bot's entry is this fraction of the start price: far below it, so they rest at the venue. */
const ENTRY_FACTOR: Record<string, number> = { o1: 0.7, o2: 0.74, o3: 0.78, o4: 0.82, f1: 0.6, f2: 0.62 };

async function createBot(id: string) {
  const config = {
    amount: '0.01',
    entryPrice: String(Math.floor(lastPrice * ENTRY_FACTOR[id])),
    takeProfitPrice: String(Math.floor(lastPrice * 1.3)),
  };
  await callApi(dashboard.base, admin, 'POST', '/bots', { id, pluginId: 'scalper', symbol: 'BTC/USDT', config });
}

const ordersOf = async (query: string) => (await callApi(dashboard.base, admin, 'GET', `/orders?limit=1000&${query}`)).items as any[];
const rows = (page: Page) => page.locator('table[aria-label$=" orders"] tbody tr');
const rowIds = async (page: Page) => rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row-id')));
const tabCount = (page: Page, status: string) => page.locator(`[role=tab][data-status=${status}] .count`);

async function waitForRows(page: Page, count: number) {
  await page.waitForFunction((n) => document.querySelectorAll('table[aria-label$=" orders"] tbody tr').length === n, count);
}

before(async () => {
  if (BROWSER_SKIP) return;
  dashboard = await serveDashboard();
  admin = await adminSession(dashboard);
  const markets = await callApi(dashboard.base, admin, 'GET', '/paper/markets');
  lastPrice = Number(markets.items.find((market: { symbol: string }) => market.symbol === 'BTC/USDT').price);
  for (const id of ['o1', 'o2', 'o3']) await createBot(id);
});

test('orders: tabs with live counts, new orders and fills without reload, filters and pages in the URL, cancel with confirmation, an order page', {
  skip: BROWSER_SKIP,
}, async () => {
  const { page, assertClean } = await openPage(dashboard.base);
  await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);
  await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Orders' }).click();
  await waitForRows(page, 3);
  await page.locator('.live', { hasText: 'live' }).waitFor();
  await page.waitForFunction(() => document.querySelector('[role=tab][data-status=pending] .count')?.textContent === '3');
  assert.equal(await tabCount(page, 'all').textContent(), '3');
  assert.equal(await tabCount(page, 'failed').textContent(), '0');
  assert.equal(await page.locator('[role=tab][data-status=all]').getAttribute('aria-selected'), 'true');
  const [o1Entry] = await ordersOf('bot=o1');
  const row = page.locator(`tr[data-row-id="${o1Entry.id}"]`);
  assert.equal(await row.locator('td[data-label=Price]').textContent(), o1Entry.price, 'the price exactly as the API sends it');
  assert.equal(await row.locator('td[data-label=Reason] .reason').innerText(), o1Entry.reason, 'the reason whole');
  // Times in the viewer's zone (the page runs in Europe/Berlin, en-US), the UTC instant on hover.
  const created = row.locator('td[data-label=Created] time');
  const instant = new Date(o1Entry.createdAt);
  assert.equal(await created.getAttribute('title'), `${instant.toISOString().replace('T', ' ').replace('Z', ' UTC')}`, 'UTC on hover');
  const berlin = new Intl.DateTimeFormat('en-US', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(instant);
  assert.equal(await created.innerText(), berlin, 'shown in the viewer\'s time zone');
  assert.equal(await row.getByRole('link', { name: 'o1', exact: true }).getAttribute('href'), '/bots/o1');

  // Live: a new bot's order and a fill arrive without a reload (the marker would be gone).
  await page.evaluate(() => Object.assign(window, { __noReload: true }));
  await createBot('o4');
  await waitForRows(page, 4);
  await page.waitForFunction(() => document.querySelector('[role=tab][data-status=pending] .count')?.textContent === '4');
  const [o4Entry] = await ordersOf('bot=o4');
  await callApi(dashboard.base, admin, 'POST', '/paper/markets/BTC-USDT/price', { price: o4Entry.price });
  await page.locator(`tr[data-row-id="${o4Entry.id}"] td[data-label=Status]`, { hasText: 'ongoing' }).waitFor();
  await waitForRows(page, 5); // its take-profit
  await page.waitForFunction(() => document.querySelector('[role=tab][data-status=ongoing] .count')?.textContent === '1');
  assert.equal(await page.evaluate(() => (window as any).__noReload), true, 'no reload happened');

  // Tabs and filters narrow the list and live in the URL.
  await page.getByRole('tab', { name: /^pending/ }).click();
  await page.waitForURL(/\/orders\?status=pending$/);
  await waitForRows(page, 4);
  assert.equal(await page.getByRole('tab', { name: /^pending/ }).getAttribute('aria-selected'), 'true');
  await page.getByLabel('Bot').fill('o2');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=pending&bot=o2$/);
  await waitForRows(page, 1);
  await page.waitForFunction(() => document.querySelector('[role=tab][data-status=all] .count')?.textContent === '1');
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('Side').selectOption('sell');
  await page.getByLabel('Created from').fill('2030-01-01T10:00');
  await page.getByRole('button', { name: 'Filter' }).click();
  // Typed in the viewer's zone (Europe/Berlin, UTC+1 in January), kept in the URL as UTC.
  await page.waitForURL((url) => url.searchParams.get('from') === '2030-01-01T09:00:00.000Z' && url.searchParams.get('side') === 'sell');
  await page.getByText('No pending orders match these filters.').waitFor();
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.waitForURL(/\/orders\?status=pending$/);

  // Keyset pages: Next shows other rows, Previous the same ones again.
  await page.goto(`${dashboard.base}/orders?limit=2`);
  await waitForRows(page, 2);
  const first = await rowIds(page);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.waitForFunction((ids) => {
    const shown = [...document.querySelectorAll('table[aria-label$=" orders"] tbody tr')].map((tr) => tr.getAttribute('data-row-id'));
    return shown.length === 2 && !shown.some((id) => ids.includes(id));
  }, first);
  const second = await rowIds(page);
  await page.getByRole('button', { name: 'Next' }).click();
  await waitForRows(page, 1);
  assert.ok(await page.getByRole('button', { name: 'Next' }).isDisabled(), 'the last page has no Next');
  const third = await rowIds(page);
  assert.equal(new Set([...first, ...second, ...third]).size, 5, 'three pages, every order once');
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.waitForFunction(
    (ids) => document.querySelector('table[aria-label$=" orders"] tbody tr')?.getAttribute('data-row-id') === ids[0],
    first,
  );
  assert.deepEqual(await rowIds(page), first);

  // Cancel a pending order: Keep changes nothing; confirming cancels it with REPLACED.
  await page.goto(`${dashboard.base}/orders?bot=o1`);
  const o1Row = page.locator(`tr[data-row-id="${o1Entry.id}"]`);
  await o1Row.getByRole('button', { name: 'Cancel' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this order?' });
  await dialog.getByRole('button', { name: 'Keep' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await callApi(dashboard.base, admin, 'GET', `/orders/${o1Entry.id}`)).order.status, 'pending', 'Keep cancels nothing');
  await o1Row.getByRole('button', { name: 'Cancel' }).click();
  await dialog.getByRole('button', { name: 'Cancel order' }).click();
  await o1Row.locator('td[data-label=Status]', { hasText: 'cancelled' }).waitFor();
  await o1Row.locator('td[data-label=Reason]', { hasText: 'REPLACED' }).waitFor();
  const cancelled = (await callApi(dashboard.base, admin, 'GET', `/orders/${o1Entry.id}`)).order;
  assert.deepEqual([cancelled.status, cancelled.cancellationReason], ['cancelled', 'REPLACED']);
  assert.equal(await o1Row.locator('td[data-label=Reason] .reason').innerText(), `${cancelled.reason}\nREPLACED`);

  await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Orders' }).click();
  await rows(page).first().waitFor();
  await screenshot(page, 'orders');

  // The filled entry's page: its facts, its fill, its event log with payloads.
  await page.getByRole('link', { name: o4Entry.clientOrderId, exact: true }).click();
  await page.waitForURL(`${dashboard.base}/orders/${o4Entry.id}`);
  const detail = await callApi(dashboard.base, admin, 'GET', `/orders/${o4Entry.id}`);
  await page.getByRole('heading', { name: 'Fills' }).waitFor();
  const fills = page.locator('table[aria-label=fills] tbody tr');
  assert.equal(await fills.count(), detail.fills.length);
  assert.ok(detail.fills.length >= 1);
  assert.equal(await fills.first().locator('td[data-label=Amount]').textContent(), detail.fills[0].amount);
  const events = page.locator('table[aria-label="event log"] tbody tr');
  assert.equal(await events.count(), detail.events.length);
  assert.ok(detail.events.length >= 2, 'placed and filled');
  const withPayload = events.filter({ has: page.locator('details') }).first();
  await withPayload.getByText('payload').click();
  await withPayload.locator('pre').waitFor();
  await page
    .locator('dl.facts')
    .getByText(detail.order.averagePrice ?? '—', { exact: true })
    .first()
    .waitFor();
  await screenshot(page, 'order-detail');

  // A pending order's page follows it live: the price reaches it, it fills, the page shows it.
  const [o3Entry] = await ordersOf('bot=o3');
  await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Orders' }).click();
  await page.getByRole('link', { name: o3Entry.clientOrderId, exact: true }).click();
  await page.getByText('No fills.').waitFor();
  await page.evaluate(() => Object.assign(window, { __noReload: true }));
  await callApi(dashboard.base, admin, 'POST', '/paper/markets/BTC-USDT/price', { price: o3Entry.price });
  await page.locator('table[aria-label=fills] tbody tr').waitFor();
  await page.locator('.page-title .badge', { hasText: 'ongoing' }).waitFor();
  assert.equal(await page.evaluate(() => (window as any).__noReload), true, 'no reload happened');
  assertClean();
});

test('orders at phone width: each order a labelled card, nothing wider than the screen', { skip: BROWSER_SKIP }, async () => {
  const { page, assertClean } = await openPage(dashboard.base, { width: 390, height: 844 });
  await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);
  await page.goto(`${dashboard.base}/orders?status=pending`);
  await rows(page).first().waitFor();
  const card = rows(page).first();
  assert.equal(await card.evaluate((tr) => getComputedStyle(tr).display), 'block', 'a row is a card');
  assert.equal(await card.locator('td[data-label=Status]').evaluate((td) => getComputedStyle(td, '::before').content), '"Status"');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 391), 'no sideways scrolling');
  await screenshot(page, 'orders-phone');
  assertClean();
});

test("failed orders: the venue's words whole, retry state, retry and drop with confirmation", { skip: BROWSER_SKIP }, async () => {
  // Every placement is rejected until the end of the test, the retry loop's too: nothing races the clicks.
  const armed = await callApi(dashboard.base, admin, 'POST', '/paper/faults', {
    rejectOrders: 1000,
    message: 'Insufficient margin for this order.',
  });
  try {
    await createBot('f1');
    await createBot('f2');
    const [f1] = await ordersOf('bot=f1');
    const [f2] = await ordersOf('bot=f2');
    assert.deepEqual([f1.status, f2.status], ['failed', 'failed']);
    const { page, assertClean } = await openPage(dashboard.base);
    await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);
    await page.goto(`${dashboard.base}/orders?status=failed`);
    await waitForRows(page, 2);
    await page.waitForFunction(() => document.querySelector('[role=tab][data-status=failed] .count')?.textContent === '2');
    const f1Row = page.locator(`tr[data-row-id="${f1.id}"]`);
    assert.equal(await f1Row.locator('td[data-label=Reason] .reason').innerText(), armed.faults.reason, "the venue's rejection whole");
    const retries = f1Row.locator('td[data-label=Retries]');
    assert.match(await retries.innerText(), /retries\s+\d+\s+first failed\s+\S.*\s+next retry\s+\S.*\s+expires\s+\S/s);
    assert.ok(
      await page.locator('.orders-list .table-wrap').evaluate((wrap) => wrap.scrollWidth <= wrap.clientWidth),
      'at 1280 px every column, the actions too, is in view without scrolling sideways',
    );
    await screenshot(page, 'orders-failed');

    // Retry: placed again (and rejected again while the fault is armed): one retry more, still failed.
    const retryCount = (await callApi(dashboard.base, admin, 'GET', `/orders/${f1.id}`)).order.retryCount;
    await f1Row.getByRole('button', { name: 'Retry' }).click();
    const retryDialog = page.getByRole('dialog', { name: 'Retry this order?' });
    await retryDialog.getByRole('button', { name: 'Retry order' }).click();
    await retryDialog.waitFor({ state: 'detached' });
    assert.equal(await page.locator('.error-box').count(), 0, 'no error shown');
    const retried = (await callApi(dashboard.base, admin, 'GET', `/orders/${f1.id}`)).order;
    assert.ok(retried.retryCount > retryCount, `retried: ${retryCount} -> ${retried.retryCount}`);
    await page.waitForFunction(
      ({ id, count }) => Number(document.querySelector(`tr[data-row-id="${id}"] td[data-label=Retries] dd`)?.textContent) >= count,
      { id: f1.id, count: retried.retryCount },
    );

    // Drop: Keep changes nothing, confirming gives it up (DROPPED) and it leaves the failed tab.
    const f2Row = page.locator(`tr[data-row-id="${f2.id}"]`);
    await f2Row.getByRole('button', { name: 'Drop' }).click();
    const dropDialog = page.getByRole('dialog', { name: 'Drop this order?' });
    await dropDialog.getByRole('button', { name: 'Keep' }).click();
    await dropDialog.waitFor({ state: 'detached' });
    assert.equal((await callApi(dashboard.base, admin, 'GET', `/orders/${f2.id}`)).order.status, 'failed', 'Keep drops nothing');
    await f2Row.getByRole('button', { name: 'Drop' }).click();
    await dropDialog.getByRole('button', { name: 'Drop order' }).click();
    // (Its bot's strategy may place a new entry, rejected too: a new failed row, not this one.)
    await f2Row.waitFor({ state: 'detached' });
    const dropped = (await callApi(dashboard.base, admin, 'GET', `/orders/${f2.id}`)).order;
    assert.deepEqual([dropped.status, dropped.cancellationReason], ['cancelled', 'DROPPED']);
    await page.goto(`${dashboard.base}/orders/${f2.id}`);
    await page.locator('dl.facts .reason', { hasText: dropped.reason }).waitFor();
    await page.locator('dl.facts dd', { hasText: /^DROPPED$/ }).waitFor();
    assertClean();
  } finally {
    await callApi(dashboard.base, admin, 'DELETE', '/paper/faults');
  }
});
