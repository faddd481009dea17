/**
 * Issue 10's acceptance, in one run as a newcomer would do it, through the pages only (the REST
 * API is used to check what the pages claim, never to act): on a real `botledger serve` with the
 * paper exchange, once on SQLite and once on PostgreSQL. The admin logs in, creates a scalper bot
 * from the form (a bad field shows its error next to the field and nothing is created), sees its
 * first order appear on the Orders page open in another tab without reloading, updates the bot
 * (it stays active, the old order cancelled for UPDATE), cancels an order by hand through the
 * paper control (the bot is auto-stopped with the reason), then with the venue rejecting orders
 * retries one failed order and drops another. No console error or warning, no outside request.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
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

/** Clicks an action, then the confirm button of the dialog it opens, and waits for the dialog to close. */
async function confirm(page: Page, scope: Page | ReturnType<Page['locator']>, button: string, confirmLabel: string) {
  await scope.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: confirmLabel, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

const orderRow = (page: Page, clientOrderId: string) =>
  page.locator('table[aria-label$=" orders"] tbody tr').filter({ has: page.getByRole('link', { name: clientOrderId, exact: true }) });

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`the dashboard end to end [${dialect}]`, () => {
    let dashboard: DashboardServer;
    let admin: string;
    before(async () => {
      if (BROWSER_SKIP) return;
      // The market stands still (a step every 100 s): only the test moves it, so nothing races it.
      dashboard = await serveDashboard({ dialect, extra: ['--speed', '0.01'] });
      admin = await adminSession(dashboard);
      await callApi(dashboard.base, admin, 'POST', '/paper/markets/BTC-USDT/price', { price: '60000' });
    });

    test('log in, create a bot from the form, watch its order arrive, update it, cancel at the venue, retry and drop failed orders', {
      skip: BROWSER_SKIP,
    }, async () => {
      const { page, assertClean, expectErrorAnswer } = await openPage(dashboard.base);
      expectErrorAnswer(400, '/api/v1/bots'); // the bad field, on purpose
      await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);

      // The Orders page in a second tab of the same session, left open: it must update by itself.
      const watcher = await page.context().newPage();
      await watcher.goto(`${dashboard.base}/orders?status=pending`);
      await watcher.getByText('No pending orders').waitFor();
      await watcher.locator('.live', { hasText: 'live' }).waitFor();
      await watcher.evaluate(() => {
        (globalThis as any).notReloaded = true;
      });

      // Create from the form: a bad field first.
      await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Bots' }).click();
      await page.getByRole('link', { name: 'New bot' }).click();
      await page.getByLabel('Bot id').fill('acc1');
      await page.getByLabel('entryPrice').fill('fifty-seven thousand');
      await page.getByLabel('takeProfitPrice').fill('63000');
      await page.getByLabel('stopLossPrice').fill('');
      await page.getByRole('button', { name: 'Create bot' }).click();
      const fieldError = page.locator('#new-bot-config_entryPrice-error');
      await fieldError.waitFor();
      assert.match(await fieldError.innerText(), /entryPrice must be a decimal string above 0/);
      assert.match(
        (await page.getByLabel('entryPrice').getAttribute('aria-describedby')) ?? '',
        /\bnew-bot-config_entryPrice-error\b/,
        'the error belongs to the field',
      );
      assert.deepEqual((await callApi(dashboard.base, admin, 'GET', '/bots')).items, [], 'nothing was created');
      await page.getByLabel('entryPrice').fill('57000');
      await page.getByRole('button', { name: 'Create bot' }).click();
      await page.waitForURL(`${dashboard.base}/bots/acc1`);

      // The first order appears on the Orders page without a reload.
      await orderRow(watcher, 'bl-acc1-1').waitFor();
      assert.equal(await watcher.evaluate(() => (globalThis as any).notReloaded), true, 'the Orders page was not reloaded');
      assert.equal(await orderRow(watcher, 'bl-acc1-1').locator('td[data-label=Price]').innerText(), '57000');

      // Update: the bot stays active, the old order is cancelled for UPDATE and replaced.
      await page.getByRole('form', { name: 'config' }).getByLabel('entryPrice').fill('57500');
      await confirm(page, page, 'Update config', 'Update');
      await orderRow(watcher, 'bl-acc1-2').waitFor();
      await page.getByLabel('facts').getByText('active', { exact: true }).waitFor();
      await watcher.getByRole('tab', { name: /^cancelled/ }).click();
      await orderRow(watcher, 'bl-acc1-1').filter({ hasText: 'UPDATE' }).waitFor();
      assert.equal((await callApi(dashboard.base, admin, 'GET', '/bots/acc1')).bot.status, 'active');

      // A person cancels the new order at the venue, through the admin's paper control: botledger stops the bot.
      await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Admin' }).click();
      await page.getByLabel('Order id or client order id').fill('bl-acc1-2');
      await confirm(page, page, 'Cancel at the venue', 'Cancel at the venue');
      await page.getByRole('status', { name: 'result at the venue' }).getByText('OUTSIDE', { exact: true }).waitFor();
      await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Bots' }).click();
      const botRow = page.locator('tr[data-row-id="acc1"]');
      await botRow.filter({ hasText: 'auto-stopped' }).waitFor();
      assert.match((await botRow.getAttribute('class')) ?? '', /stand-out/, 'the auto-stopped bot stands out');
      assert.match(await botRow.innerText(), /Order bl-acc1-2 cancelled outside botledger - bot stopped/);
      await screenshot(page, `acceptance-bots-${dialect}`);

      // The venue rejects orders: the restarted bot's entry and a second bot's fail.
      await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Admin' }).click();
      await page.getByLabel('Orders to reject').fill('10');
      await confirm(page, page, 'Reject the next orders', 'Arm the rejections');
      await page.getByTestId('armed-rejections').filter({ hasText: /^10$/ }).waitFor();
      await botRow.waitFor({ state: 'detached' });
      await page.goto(`${dashboard.base}/bots/acc1`);
      await confirm(page, page, 'Start', 'Start bot');
      await page.getByLabel('facts').getByText('active', { exact: true }).waitFor();
      await page.goto(`${dashboard.base}/bots/new`);
      await page.getByLabel('Bot id').fill('acc2');
      await page.getByLabel('stopLossPrice').fill('');
      await page.getByRole('button', { name: 'Create bot' }).click();
      await page.waitForURL(`${dashboard.base}/bots/acc2`);

      await watcher.getByRole('tab', { name: /^failed/ }).click();
      const retried = orderRow(watcher, 'bl-acc1-3');
      const dropped = orderRow(watcher, 'bl-acc2-1');
      await retried.waitFor();
      await dropped.waitFor();
      assert.match(await retried.innerText(), /Paper exchange rejected the order/, 'the venue’s rejection, whole');
      await watcher.waitForFunction(
        () => (globalThis as any).document.querySelector('[role=tab][data-status=failed] .count')?.textContent === '2',
      );
      await screenshot(watcher, `acceptance-failed-${dialect}`);

      // The venue accepts again; retry one, drop the other.
      await page.goto(`${dashboard.base}/admin`);
      await confirm(page, page, 'Clear faults', 'Clear faults');
      await page.getByTestId('armed-rejections').filter({ hasText: /^0$/ }).waitFor();
      await confirm(watcher, retried, 'Retry', 'Retry order');
      await confirm(watcher, dropped, 'Drop', 'Drop order');
      await retried.waitFor({ state: 'detached' });
      await dropped.waitFor({ state: 'detached' });
      const retriedOrder = (await callApi(dashboard.base, admin, 'GET', '/orders/bl-acc1-3')).order;
      assert.equal(retriedOrder.status, 'pending', 'the retried order is at the venue');
      assert.equal(retriedOrder.retryCount, 1);
      const droppedOrder = (await callApi(dashboard.base, admin, 'GET', '/orders/bl-acc2-1')).order;
      assert.equal(droppedOrder.status, 'cancelled');
      assert.equal(droppedOrder.cancellationReason, 'DROPPED');
      await watcher.getByRole('tab', { name: /^cancelled/ }).click();
      await orderRow(watcher, 'bl-acc2-1').filter({ hasText: 'DROPPED' }).waitFor();
      await watcher.getByRole('tab', { name: /^pending/ }).click();
      await orderRow(watcher, 'bl-acc1-3').waitFor();
      assert.equal(await watcher.evaluate(() => (globalThis as any).notReloaded), true, 'the Orders page was never reloaded');
      assertClean();
    });
  });
}
