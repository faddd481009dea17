/**
 * The dashboard's door: `botledger serve` serves it at `/` (and at every page's path, for reloads
 * and links) with a Content-Security-Policy that allows this server only; a newcomer logs in with
 * the one-time token serve printed, a user with a password; logout ends the session at the API;
 * a session the server ended (revoked, expired) sends the page back to the login with the reason.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
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

let dashboard: DashboardServer;
before(async () => {
  if (!BROWSER_SKIP) dashboard = await serveDashboard();
});

test('serve answers every page path with the app, its assets cached for good, under a CSP of this server only', {
  skip: BROWSER_SKIP,
}, async () => {
  for (const path of ['/', '/orders', '/orders/some-id', '/bots/new', '/admin', '/orders?status=failed&bot=x']) {
    const response = await fetch(`${dashboard.base}${path}`);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
    const html = await response.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'the page loads its script from /assets/');
    const asset = await fetch(`${dashboard.base}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  }
  assert.equal((await fetch(`${dashboard.base}/assets/..%2Fpackage.json`)).status, 404);
  assert.equal((await fetch(`${dashboard.base}/assets/missing.js`)).status, 404);
  const unknown = await fetch(`${dashboard.base}/no-such-page`);
  assert.equal(unknown.status, 404, 'a path that is no page is the API 404');
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'ROUTE_NOT_FOUND');
});

test('a newcomer logs in with the one-time token, a user with a password; logout ends the session at the API', {
  skip: BROWSER_SKIP,
}, async () => {
  const { page, assertClean, expectErrorAnswer } = await openPage(dashboard.base);
  expectErrorAnswer(401, '/api/v1/auth/login'); // the wrong password below
  await page.goto(`${dashboard.base}/orders?status=failed`);
  await page.waitForURL(/\/login\?next=/);
  await screenshot(page, 'login');
  await page.getByRole('tab', { name: 'Token' }).click();
  await page.getByLabel('Token').fill(dashboard.firstToken);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${dashboard.base}/orders?status=failed`);
  await page.locator('.who', { hasText: 'admin (admin)' }).waitFor();
  const session = await page.evaluate(() => JSON.parse((globalThis as any).localStorage.getItem('botledger.session') ?? 'null'));
  assert.ok(session?.token && Date.parse(session.expiresAt) > Date.now(), 'the session and its expiry are kept');
  // An API token of the admin's, made with the page's session, for setting up the rest.
  const apiToken = (
    await callApi<{ token: string }>(dashboard.base, session.token, 'POST', '/tokens', {
      name: 'setup',
      scopes: ['read', 'trade', 'admin'],
    })
  ).token;
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  const afterLogout = await fetch(`${dashboard.base}/api/v1/me`, { headers: { authorization: `Bearer ${session.token}` } });
  assert.equal(afterLogout.status, 401, 'logout revoked the session token at the server');

  const again = await fetch(`${dashboard.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: dashboard.firstToken }),
  });
  assert.equal(again.status, 401, 'the one-time token works once');
  const adminToken = await adminSession(dashboard, apiToken);
  await callApi(dashboard.base, adminToken, 'POST', '/users', { username: 'trader1', role: 'trader', password: 'trader-password-1' });
  await page.getByRole('tab', { name: 'Password' }).click();
  await page.getByLabel('Username').fill('trader1');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'LOGIN_FAILED' }).waitFor();
  await page.getByLabel('Password').fill('trader-password-1');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.who', { hasText: 'trader1 (trader)' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0, 'a trader sees no Admin section');
  assertClean();
});

test('a session the server ended sends the page back to the login, saying why', { skip: BROWSER_SKIP }, async () => {
  const adminToken = await adminSession(dashboard);
  const user = await callApi<{ id: string }>(dashboard.base, adminToken, 'POST', '/users', {
    username: 'trader2',
    role: 'trader',
    password: 'trader-password-2',
  });
  const { page, assertClean, expectErrorAnswer } = await openPage(dashboard.base);
  expectErrorAnswer(401, /^\/api\/v1\//); // the first request after the password change
  await logIn(page, dashboard.base, 'trader2', 'trader-password-2');
  // A new password ends every session of the user (as an admin does to a leaked one).
  await callApi(dashboard.base, adminToken, 'PATCH', `/users/${user.id}`, { password: 'trader-password-3' });
  await page.reload();
  await page.getByRole('status').filter({ hasText: 'Your session ended' }).waitFor();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  assertClean();
});

test('a session expires at its expiry: the page returns to the login saying so', { skip: BROWSER_SKIP }, async () => {
  const { page, assertClean } = await openPage(dashboard.base);
  await logIn(page, dashboard.base, 'admin', ADMIN_PASSWORD);
  // The server's session lasts 12 hours; the page keeps its expiry and ends it then. Bring the
  // expiry to 2 s from now and reload: the page's own timer ends it.
  await page.evaluate(() => {
    const storage = (globalThis as any).localStorage;
    const session = JSON.parse(storage.getItem('botledger.session'));
    storage.setItem('botledger.session', JSON.stringify({ ...session, expiresAt: new Date(Date.now() + 2000).toISOString() }));
  });
  await page.reload();
  await page.getByRole('navigation', { name: 'sections' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Your session expired' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => (globalThis as any).localStorage.getItem('botledger.session')), null, 'the session is forgotten');
  assertClean();
});

test('the keyboard alone: log in, skip to the content, move between sections, open a confirmation and leave it with Escape', { skip: BROWSER_SKIP }, async () => {
  const adminToken = await adminSession(dashboard);
  await callApi(dashboard.base, adminToken, 'POST', '/tokens', { name: 'keyboard-check', scopes: ['read'] });
  const { page, assertClean } = await openPage(dashboard.base);
  await page.goto(`${dashboard.base}/`);
  await page.getByLabel('Username').waitFor();
  const focused = () => page.evaluate(() => {
    const element = (globalThis as any).document.activeElement;
    return `${element?.tagName.toLowerCase()}:${element?.getAttribute('name') ?? element?.textContent?.trim() ?? ''}`;
  });
  /** Presses Tab until `want` has the focus (at most 30 times). */
  const tabTo = async (want: string) => {
    for (let presses = 0; presses < 30; presses++) {
      if ((await focused()) === want) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`Tab never reached ${want} (last: ${await focused()})`);
  };
  await tabTo('input:username');
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'input:password');
  await page.keyboard.type(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('navigation', { name: 'sections' }).waitFor();

  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'a:Skip to content', 'the first Tab offers to skip the navigation');
  await tabTo('a:Admin');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${dashboard.base}/admin`);
  const row = page.getByRole('table', { name: 'API tokens' }).getByRole('row').filter({ hasText: 'keyboard-check' });
  await row.getByRole('button', { name: 'Revoke' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await focused(), /^button:/, 'the dialog takes the focus');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  const tokens = (await callApi<{ items: { name: string; revokedAt: string | null }[] }>(dashboard.base, adminToken, 'GET', '/tokens')).items;
  assert.equal(tokens.find((token) => token.name === 'keyboard-check')?.revokedAt, null, 'Escape changed nothing');
  assertClean();
});
