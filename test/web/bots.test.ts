/**
 * The Bots pages in a real browser against a real `botledger serve`: a trader creates a scalper
 * bot from the form generated from the plugin's schema (a bad config field shows the API's error
 * next to that field, and nothing is created), watches its orders change without reloading,
 * updates it (old order cancelled with UPDATE, bot still active), stops and starts it; an admin
 * cancels one of its orders at the venue and the bots list shows it auto-stopped, standing out,
 * with that order linked; the trader deletes it.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { adminSession, callApi, type DashboardServer, logIn, openPage, screenshot, serveDashboard, BROWSER_SKIP } from './web-support.ts';

let dashboard: DashboardServer;
let admin: string;
let trader: string;
const TRADER = { username: 'botmaker', password: 'botmaker-password-1' };

before(async () => {
  if (BROWSER_SKIP) return;
  dashboard = await serveDashboard();
  admin = await adminSession(dashboard);
  await callApi(dashboard.base, admin, 'POST', '/users', { username: TRADER.username, role: 'trader', password: TRADER.password });
  trader = (await callApi<{ token: string }>(dashboard.base, null, 'POST', '/auth/login', TRADER)).token;
  // A known price, so the bot's limits rest at the venue until the test moves it.
  await callApi(dashboard.base, admin, 'POST', '/paper/markets/BTC-USDT/price', { price: '60000' });
});

/** The row of the bot page's latest orders holding this client order id. */
const orderRow = (page: Page, clientOrderId: string) =>
  page.getByRole('table', { name: 'latest orders' }).getByRole('row').filter({ hasText: clientOrderId });

async function confirm(page: Page, button: string, confirmLabel: string, check?: string) {
  await page.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog');
  if (check) await dialog.getByLabel(check).check();
  await dialog.getByRole('button', { name: confirmLabel, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

test('a trader creates, updates, stops, starts and deletes a bot; an outside cancel shows it auto-stopped with its order', {
  skip: BROWSER_SKIP,
}, async () => {
  const { page, assertClean, expectErrorAnswer } = await openPage(dashboard.base);
  expectErrorAnswer(400, '/api/v1/bots'); // the bad config field below, on purpose
  await logIn(page, dashboard.base, TRADER.username, TRADER.password);
  await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Bots' }).click();
  await page.getByRole('link', { name: 'New bot' }).click();
  await page.waitForURL(`${dashboard.base}/bots/new`);

  // The form comes from the scalper's schema, prefilled from its example config.
  assert.equal(await page.getByLabel('Plugin').inputValue(), 'scalper');
  assert.equal(await page.getByLabel('amount').inputValue(), '0.01');
  assert.equal(await page.getByLabel('repeat').isChecked(), true, 'a boolean is a checkbox');
  await page.getByLabel('Bot id').fill('web1');
  await page.getByLabel('entryPrice').fill('57,000');
  await page.getByLabel('takeProfitPrice').fill('63000');
  await page.getByLabel('stopLossPrice').fill('');
  await page.getByRole('button', { name: 'Create bot' }).click();

  const entryPrice = page.getByLabel('entryPrice');
  await page.locator('#new-bot-config_entryPrice-error').waitFor();
  assert.equal(await entryPrice.getAttribute('aria-invalid'), 'true');
  assert.match((await entryPrice.getAttribute('aria-describedby')) ?? '', /new-bot-config_entryPrice-error/);
  assert.match(await page.locator('#new-bot-config_entryPrice-error').innerText(), /entryPrice must be a decimal string above 0/);
  assert.equal(await page.locator('.field-error').count(), 1, 'only the wrong field shows an error');
  assert.equal(
    await page.evaluate(() => (globalThis as any).document.activeElement?.id),
    'new-bot-config_entryPrice',
    'focus lands on the field to fix',
  );
  assert.deepEqual((await callApi(dashboard.base, trader, 'GET', '/bots')).items, [], 'nothing was created');
  await screenshot(page, 'bot-create');

  await entryPrice.fill('57000');
  await page.getByRole('button', { name: 'Create bot' }).click();
  await page.waitForURL(`${dashboard.base}/bots/web1`);
  await page.getByRole('heading', { name: 'Bot web1' }).waitFor();
  await page.getByLabel('facts').getByText('active', { exact: true }).waitFor();
  await orderRow(page, 'bl-web1-1').filter({ hasText: 'pending' }).waitFor();
  await page.locator('.who .live.live').waitFor();

  // The entry fills at the venue: the page shows it ongoing (a position open) and the exit placed, without reloading.
  await callApi(dashboard.base, admin, 'POST', '/paper/markets/BTC-USDT/price', { price: '57000' });
  await orderRow(page, 'bl-web1-1').filter({ hasText: 'ongoing' }).waitFor();
  await orderRow(page, 'bl-web1-2').filter({ hasText: 'pending' }).waitFor();
  await page.getByRole('region', { name: 'Open position' }).getByText('long').waitFor();

  // Update: the exit is replaced (UPDATE), the bot stays active.
  await page.getByRole('form', { name: 'config' }).getByLabel('takeProfitPrice').fill('63500');
  await confirm(page, 'Update config', 'Update');
  await orderRow(page, 'bl-web1-2').filter({ hasText: 'UPDATE' }).filter({ hasText: 'cancelled' }).waitFor();
  await orderRow(page, 'bl-web1-3').filter({ hasText: '63500' }).waitFor();
  assert.equal((await callApi(dashboard.base, trader, 'GET', '/bots/web1')).bot.status, 'active', 'an update keeps the bot active');
  await page.getByLabel('facts').getByText('active', { exact: true }).waitFor();
  await screenshot(page, 'bot-detail');

  await confirm(page, 'Stop', 'Stop bot');
  await page.getByLabel('facts').getByText('stopped', { exact: true }).waitFor();
  await orderRow(page, 'bl-web1-3').filter({ hasText: 'STOP' }).waitFor();
  assert.match(await page.getByLabel('facts').innerText(), /Stopped through the API by botmaker/, 'the stop reason, whole');
  assert.equal(await page.locator('.stand-out').count(), 0, 'a stop by a person is no auto-stop');

  await confirm(page, 'Start', 'Start bot');
  await page.getByLabel('facts').getByText('active', { exact: true }).waitFor();
  await orderRow(page, 'bl-web1-4').filter({ hasText: 'pending' }).waitFor();

  // A person cancels the exit at the venue: botledger stops the bot by itself.
  await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Bots' }).click();
  const row = page.locator('tr[data-row-id="web1"]');
  await row.filter({ hasText: 'active' }).waitFor();
  const exit = (await callApi(dashboard.base, trader, 'GET', '/orders?bot=web1&status=pending')).items[0];
  assert.equal(exit.clientOrderId, 'bl-web1-4');
  await callApi(dashboard.base, admin, 'POST', `/paper/orders/${exit.clientOrderId}/cancel`);
  await row.filter({ hasText: 'auto-stopped' }).waitFor();
  assert.match((await row.getAttribute('class')) ?? '', /stand-out/, 'the auto-stopped bot stands out');
  assert.match(await row.innerText(), /Order bl-web1-4 cancelled outside botledger - bot stopped/);
  assert.equal(
    await row.getByRole('link', { name: 'bl-web1-4', exact: true }).getAttribute('href'),
    `/orders/${exit.id}`,
    'the causing order, linked',
  );
  await page.getByRole('tab', { name: /Stopped/ }).click();
  await page.waitForURL(/\/bots\?status=stopped$/);
  await row.waitFor();
  await screenshot(page, 'bots');

  // Its page says it too; then the trader deletes it, closing the position.
  await row.getByRole('link', { name: 'web1', exact: true }).click();
  const banner = page.locator('.bot-banner');
  await banner.filter({ hasText: 'auto-stopped' }).waitFor();
  assert.equal(await banner.getByRole('link', { name: 'bl-web1-4' }).getAttribute('href'), `/orders/${exit.id}`);
  await confirm(page, 'Delete', 'Delete bot', 'Also close its open position at market');
  await page.waitForURL(`${dashboard.base}/bots`);
  const deleted = (await callApi(dashboard.base, trader, 'GET', '/bots/web1')).bot;
  assert.equal(deleted.status, 'deleted');
  await page.getByRole('tab', { name: /Deleted/ }).click();
  await row.filter({ hasText: 'deleted' }).waitFor();
  assertClean();
});

test('the bots list reads on a phone: one card per bot, the auto-stopped one standing out', { skip: BROWSER_SKIP }, async () => {
  const { page, assertClean } = await openPage(dashboard.base, { width: 390, height: 844 });
  await callApi(dashboard.base, trader, 'POST', '/bots', {
    id: 'phone1',
    pluginId: 'scalper',
    symbol: 'BTC/USDT',
    config: { amount: '0.001', entryPrice: '50000', takeProfitPrice: '70000' },
  });
  await callApi(dashboard.base, admin, 'POST', '/paper/orders/bl-phone1-1/cancel');
  await logIn(page, dashboard.base, TRADER.username, TRADER.password);
  await page.goto(`${dashboard.base}/bots`);
  const card = page.locator('tr[data-row-id="phone1"]');
  await card.filter({ hasText: 'auto-stopped' }).waitFor();
  assert.match((await card.getAttribute('class')) ?? '', /stand-out/);
  assert.equal(
    await card.locator('td[data-label="Stop reason"]').innerText(),
    'Order bl-phone1-1 cancelled outside botledger - bot stopped',
  );
  const overflow = await page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  assert.ok(overflow <= 0, `nothing wider than the phone (${overflow}px too wide)`);
  await screenshot(page, 'bots-phone');
  assertClean();
});
