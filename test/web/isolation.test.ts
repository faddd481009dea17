/**
 * A second user sees none of the first user's objects, in the browser: alice (a trader) has a bot,
 * orders, a position and a trade; bob (a trader, his own login in his own browser context) walks
 * every page and the direct URLs of alice's bot, order and position. Whatever the pages' layout,
 * none of alice's ids appears in bob's page text, in any API answer bob's page received, or on
 * his live stream (alice's bot trades while bob watches); a detail page that asked for alice's
 * object got 404 and says it was not found. Bob has no Admin section.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { adminSession, callApi, type DashboardServer, logIn, openPage, screenshot, serveDashboard, BROWSER_SKIP } from './web-support.ts';

let dashboard: DashboardServer;
let admin: string;
let alice: string;
before(async () => {
  if (BROWSER_SKIP) return;
  dashboard = await serveDashboard();
  admin = await adminSession(dashboard);
  for (const username of ['alice', 'bob'])
    await callApi(dashboard.base, admin, 'POST', '/users', { username, role: 'trader', password: `${username}-password-1` });
  alice = (
    await callApi<{ token: string }>(dashboard.base, null, 'POST', '/auth/login', { username: 'alice', password: 'alice-password-1' })
  ).token;
});

type Order = { id: string; clientOrderId: string; exchangeOrderId: string | null; side: string; status: string };

async function aliceOrders(bot: string): Promise<Order[]> {
  return (await callApi<{ items: Order[] }>(dashboard.base, alice, 'GET', `/orders?bot=${bot}&limit=100`)).items;
}

/** Alice's entry fills by hand at the venue (a position opens), then her take-profit (a trade closes it). */
async function aliceTrades(bot: string): Promise<void> {
  const entry = (await aliceOrders(bot)).find((order) => order.side === 'buy' && order.status === 'pending');
  assert.ok(entry, 'alice has a resting entry');
  await callApi(dashboard.base, admin, 'POST', `/paper/orders/${entry.id}/fill`, {});
  const exit = (await aliceOrders(bot)).find((order) => order.side === 'sell' && order.status === 'pending');
  assert.ok(exit, "alice's bot placed its take-profit");
  await callApi(dashboard.base, admin, 'POST', `/paper/orders/${exit.id}/fill`, {});
}

test("bob's pages, API answers and live stream show none of alice's objects; her detail URLs are not found to him", {
  skip: BROWSER_SKIP,
}, async () => {
  const markets = await callApi<{ items: { symbol: string; price: string }[] }>(dashboard.base, admin, 'GET', '/paper/markets');
  const last = Number(markets.items.find((market) => market.symbol === 'BTC/USDT')?.price);
  const bot = 'alice-scalper-7q';
  const config = { amount: '0.01', entryPrice: String(Math.floor(last * 0.9)), takeProfitPrice: String(Math.floor(last * 1.1)) };
  await callApi(dashboard.base, alice, 'POST', '/bots', { id: bot, pluginId: 'scalper', symbol: 'BTC/USDT', config });
  await aliceTrades(bot);

  const { page, assertClean, expectErrorAnswer } = await openPage(dashboard.base);
  // The detail pages ask for alice's bot, order and position: 404, exactly like missing ones.
  expectErrorAnswer(404, /^\/api\/v1\/(bots|orders|positions)\/[^/]+$/);
  const answers: Promise<{ url: string; status: number; body: string }>[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/v1/'))
      answers.push(
        response.text().then(
          (body) => ({ url: response.url(), status: response.status(), body }),
          () => ({ url: response.url(), status: response.status(), body: '' }),
        ),
      );
  });
  const frames: string[] = [];
  page.on('websocket', (socket) => socket.on('framereceived', (frame) => frames.push(String(frame.payload))));
  await logIn(page, dashboard.base, 'bob', 'bob-password-1');
  assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0, 'bob has no Admin section');

  // Alice keeps trading while bob's page is open: her events must not reach his stream.
  const bobStreamOpen = page.waitForEvent('websocket');
  await page.goto(`${dashboard.base}/events`);
  await bobStreamOpen;
  await aliceTrades(bot);

  const orders = await aliceOrders(bot);
  const position = (await callApi<{ items: { id: string }[] }>(dashboard.base, alice, 'GET', `/positions?bot=${bot}`)).items[0];
  const trades = (await callApi<{ items: { id: string }[] }>(dashboard.base, alice, 'GET', `/trades?bot=${bot}`)).items;
  assert.ok(
    orders.length >= 4 && position && trades.length >= 2,
    'alice has orders, a position and trades (the checks below are not vacuous)',
  );
  const secrets = [
    bot,
    'alice',
    position.id,
    ...trades.map((trade) => trade.id),
    ...orders.flatMap((order) => [order.id, order.clientOrderId, order.exchangeOrderId ?? order.id]),
  ];
  for (const secret of secrets) assert.ok(secret.length >= 5, `an id long enough to search page text for: ${secret}`);
  // On a detail URL the id bob typed may be echoed ("order X not found"): that is his input, not alice's data.
  const leaked = (text: string, typed?: string) => {
    const shown = typed ? text.split(typed).join(' ') : text;
    return secrets.filter((secret) => shown.includes(secret));
  };

  const pages = ['/', '/orders', '/bots', '/positions', '/trades', '/stats', '/events', '/database', '/admin'];
  const details = [`/bots/${bot}`, `/orders/${orders[0].id}`, `/orders/${orders[0].clientOrderId}`, `/positions/${position.id}`];
  for (const path of [...pages, ...details]) {
    const before = answers.length;
    await page.goto(`${dashboard.base}${path}`);
    await page.getByRole('navigation', { name: 'sections' }).waitFor();
    await page.waitForLoadState('networkidle');
    const typed = details.includes(path) ? path.split('/')[2] : undefined;
    const text = (await page.locator('body').textContent()) ?? '';
    assert.deepEqual(leaked(text, typed), [], `${path}: bob's page shows none of alice's ids`);
    const mine = await Promise.all(answers.slice(before));
    for (const answer of mine) assert.deepEqual(leaked(answer.body, typed), [], `${path}: ${answer.url} answered bob none of alice's ids`);
    // A detail page that asked for alice's object was answered 404 and must say so (no data).
    if (details.includes(path) && mine.some((answer) => answer.status === 404))
      assert.match(text, /not[ _]found|no such|does not exist|unknown/i, `${path}: the page says the object was not found`);
    if (path === '/admin') assert.match(text, /admins only/i, 'bob reaching /admin is told it is for admins');
  }
  // The lists the pages read, asked with bob's own session from his page: none holds alice's objects.
  const lists = [
    '/bots',
    '/orders?limit=1000',
    '/positions',
    '/trades',
    '/stats',
    '/stats/daily',
    '/events?limit=1000',
    '/sync',
    '/accounts',
  ];
  const read = await page.evaluate(async (paths) => {
    const token = JSON.parse((globalThis as any).localStorage.getItem('botledger.session') ?? 'null')?.token;
    return Promise.all(
      paths.map(async (path) => {
        const response = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
        return { path, status: response.status, body: await response.text() };
      }),
    );
  }, lists);
  for (const answer of read) {
    assert.equal(answer.status, 200, `${answer.path}: ${answer.body}`);
    assert.deepEqual(leaked(answer.body), [], `${answer.path} answered bob none of alice's ids`);
  }
  await screenshot(page, 'isolation-bob-bot');
  assert.ok(frames.length > 0, "bob's live stream was open");
  assert.deepEqual(leaked(frames.join('\n')), [], "bob's live stream carried none of alice's events");
  assertClean();
});
