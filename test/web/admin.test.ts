/**
 * The Database and Admin pages against a real `botledger serve --migrate` and Chromium: the schema
 * version and the backup serve made; an admin adds a user (a bad username is refused next to the
 * field, nothing created), makes a token shown once and revokes it (the token then gets 401); the
 * paper control moves a price, cancels a bot's order at the venue (the bot stops with the reason)
 * and arms rejections (a new bot's order fails with the venue's words), then clears them.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  adminSession,
  callApi,
  type DashboardServer,
  logIn,
  openPage,
  screenshot,
  serveDashboard,
  BROWSER_SKIP,
} from './web-support.ts';

let dashboard: DashboardServer;
let admin: string;
before(async () => {
  if (BROWSER_SKIP) return;
  dashboard = await serveDashboard();
  admin = await adminSession(dashboard);
});

type Market = { symbol: string; price: string };
type Order = { id: string; clientOrderId: string; status: string; reason: string; cancellationReason: string | null; retryCount: number };

/** A scalper bot of the admin's whose entry rests far below the market (it does not fill while the test runs). */
async function restingBot(id: string): Promise<Order[]> {
  const markets = await callApi<{ items: Market[] }>(dashboard.base, admin, 'GET', '/paper/markets');
  const last = Number(markets.items.find((market) => market.symbol === 'BTC/USDT')?.price);
  const config = { amount: '0.01', entryPrice: String(Math.floor(last * 0.9)), takeProfitPrice: String(Math.floor(last * 1.1)) };
  await callApi(dashboard.base, admin, 'POST', '/bots', { id, pluginId: 'scalper', symbol: 'BTC/USDT', config });
  return (await callApi<{ items: Order[] }>(dashboard.base, admin, 'GET', `/orders?bot=${id}`)).items;
}

async function confirm(page: Page, button: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

test('the database page shows the schema version and the backup serve --migrate made', { skip: BROWSER_SKIP }, async () => {
  const { page, assertClean } = await openPage(dashboard.base);
  await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);
  const status = await callApi<{ current: string; pending: unknown[] }>(dashboard.base, admin, 'GET', '/migrations');
  const backups = await callApi<{ items: { file: string; atVersion: string | null }[] }>(dashboard.base, admin, 'GET', '/backups?limit=20');
  assert.ok(status.current, 'serve --migrate applied the core migrations');
  assert.ok(backups.items.length > 0, 'serve --migrate made a backup first');
  await page.getByRole('link', { name: 'Database' }).click();
  await page.getByTestId('schema-version').filter({ hasText: status.current }).waitFor();
  assert.equal(await page.getByTestId('schema-version').textContent(), status.current);
  const backupRow = page.getByRole('table', { name: 'backups' }).locator(`tr[data-row-id="${backups.items[0].file}"]`);
  await backupRow.waitFor();
  assert.match((await backupRow.textContent()) ?? '', new RegExp(backups.items[0].atVersion ?? 'none'));
  assert.equal(await page.getByRole('table', { name: 'pending migrations' }).count(), 0, 'nothing pending on a migrated database');
  await screenshot(page, 'database');
  assertClean();
});

test('users and tokens: a bad username is refused next to the field; a token is shown once, then revoked', {
  skip: BROWSER_SKIP,
}, async () => {
  const { page, assertClean, expectErrorAnswer } = await openPage(dashboard.base);
  expectErrorAnswer(400, '/api/v1/users'); // the bad username below
  await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Admin' }).click();
  const addUser = page.getByRole('form', { name: 'add a user' });
  await addUser.getByLabel('Username').fill('Bad Name!');
  await addUser.getByRole('button', { name: 'Add user' }).click();
  const usernameError = addUser.locator('#new-username-error');
  await usernameError.waitFor();
  assert.match((await usernameError.textContent()) ?? '', /username/i);
  assert.equal(await addUser.getByLabel('Username').getAttribute('aria-invalid'), 'true');
  const afterBad = await callApi<{ items: { username: string }[] }>(dashboard.base, admin, 'GET', '/users');
  assert.deepEqual(
    afterBad.items.map((user) => user.username),
    ['admin'],
    'nothing was created',
  );
  await addUser.getByLabel('Username').fill('carol');
  await addUser.getByLabel('Password (optional)').fill('carol-password-1');
  await addUser.getByRole('button', { name: 'Add user' }).click();
  await page.getByRole('table', { name: 'users' }).getByRole('row').filter({ hasText: 'carol' }).waitFor();
  assert.equal(await usernameError.count(), 0, 'the field error went away');
  const carol = (await callApi<{ items: { username: string; role: string }[] }>(dashboard.base, admin, 'GET', '/users')).items.find(
    (user) => user.username === 'carol',
  );
  assert.equal(carol?.role, 'trader');

  const makeToken = page.getByRole('form', { name: 'make an API token' });
  await makeToken.getByLabel('Token name').fill('ci-script');
  await makeToken.getByLabel('trade').check();
  await makeToken.getByLabel('Expires after (days)').fill('7');
  await makeToken.getByRole('button', { name: 'Make token' }).click();
  const shown = page.getByTestId('new-token-text');
  await shown.waitFor();
  const token = ((await shown.textContent()) ?? '').trim();
  assert.match(token, /^blt_/);
  await page.getByTestId('new-token').getByText('it will not be shown again').waitFor();
  const me = await fetch(`${dashboard.base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200, 'the token shown works');
  assert.deepEqual(((await me.json()) as { scopes: string[] }).scopes, ['read', 'trade']);
  await screenshot(page, 'admin');

  await page.reload();
  const row = page.getByRole('table', { name: 'API tokens' }).getByRole('row').filter({ hasText: 'ci-script' });
  await row.waitFor();
  assert.equal(await page.getByTestId('new-token').count(), 0);
  assert.ok(!((await page.locator('body').textContent()) ?? '').includes(token), 'after a reload the token text is nowhere on the page');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByText('It stops working at once').waitFor();
  await confirm(page, 'Revoke token');
  await row.getByText('revoked').waitFor();
  const revoked = await fetch(`${dashboard.base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(revoked.status, 401, 'a revoked token is refused');
  assertClean();
});

test('paper control: set a price, cancel an order at the venue (its bot stops), reject the next orders, clear', {
  skip: BROWSER_SKIP,
}, async () => {
  const { page, assertClean } = await openPage(dashboard.base);
  await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);
  await page.goto(`${dashboard.base}/admin#paper`);
  const btc = page.getByRole('table', { name: 'paper markets' }).locator('tr[data-row-id="BTC/USDT"]');
  await btc.waitFor();
  const last = Number((await callApi<{ items: Market[] }>(dashboard.base, admin, 'GET', '/paper/markets')).items[0].price);
  const target = `${Math.round(last)}.25`;
  await btc.getByLabel('new price of BTC/USDT').fill(target);
  await btc.getByRole('button', { name: 'Set price' }).click();
  await page.getByRole('dialog').getByText(`Set BTC/USDT to ${target}?`).waitFor();
  await confirm(page, 'Set price');
  await btc
    .getByRole('status')
    .filter({ hasText: `now ${target}` })
    .waitFor();

  const [order] = await restingBot('hand1');
  assert.equal(order?.status, 'pending', JSON.stringify(order));
  await page.getByLabel('Order id or client order id').fill(order.clientOrderId);
  await page.getByRole('button', { name: 'Cancel at the venue' }).click();
  await page.getByRole('dialog').getByText('its bot is stopped').waitFor();
  await confirm(page, 'Cancel at the venue');
  const result = page.getByRole('status', { name: 'result at the venue' });
  await result.getByText('OUTSIDE', { exact: true }).waitFor();
  assert.match((await result.textContent()) ?? '', /cancelled outside botledger/);
  const bot = (await callApi<{ bot: { status: string; stopReason: string } }>(dashboard.base, admin, 'GET', '/bots/hand1')).bot;
  assert.equal(bot.status, 'stopped');
  assert.equal(bot.stopReason, `Order ${order.clientOrderId} cancelled outside botledger - bot stopped`);

  await page.getByLabel('Orders to reject').fill('50');
  await page.getByLabel("The venue's words (optional)").fill('Insufficient margin for this order.');
  await page.getByRole('button', { name: 'Reject the next orders' }).click();
  await confirm(page, 'Arm the rejections');
  await page.getByTestId('armed-rejections').filter({ hasText: /^50$/ }).waitFor();
  const [rejected] = await restingBot('rejected1');
  assert.equal(rejected?.status, 'failed', JSON.stringify(rejected));
  assert.equal(rejected.reason, 'Paper exchange rejected the order: {"retCode":10003,"retMsg":"Insufficient margin for this order."}');
  // serve retries a failed order after 5 s: the retry is a placement too, rejected while rejections remain.
  let retried = rejected;
  for (const deadline = Date.now() + 20_000; retried.retryCount < 1 && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    retried = (await callApi<{ order: Order }>(dashboard.base, admin, 'GET', `/orders/${rejected.id}`)).order;
  }
  assert.equal(retried.retryCount, 1, 'serve retried the failed order');
  assert.equal(retried.status, 'failed', 'its retry was rejected too');
  await page.getByRole('button', { name: 'Clear faults' }).click();
  await confirm(page, 'Clear faults');
  await page.getByTestId('armed-rejections').filter({ hasText: /^0$/ }).waitFor();
  assert.equal((await callApi<{ faults: { rejectOrders: number } }>(dashboard.base, admin, 'GET', '/paper/faults')).faults.rejectOrders, 0);
  await callApi(dashboard.base, admin, 'POST', '/bots/rejected1/stop');
  assertClean();
});

test('the admin page on a phone-width screen', { skip: BROWSER_SKIP }, async () => {
  const { page, assertClean } = await openPage(dashboard.base, { width: 390, height: 844 });
  await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);
  await page.goto(`${dashboard.base}/admin`);
  await page.getByRole('table', { name: 'paper markets' }).locator('tr[data-row-id="BTC/USDT"]').waitFor();
  await page.getByRole('table', { name: 'users' }).getByRole('row').filter({ hasText: 'carol' }).waitFor();
  const overflow = await page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  assert.ok(overflow <= 0, `the page fits the phone's width (overflows by ${overflow}px)`);
  await screenshot(page, 'admin-phone');
  assertClean();
});
