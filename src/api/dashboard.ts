/**
 * The dashboard: the single-page app built from web/ into web/dist/ (`npm run build:web`), served
 * at `/` by `botledger serve`. Its pages are client-side paths (/orders, /bots/scalp1, ...), each
 * answered with index.html so a reload or a shared link opens the same page; its scripts and
 * styles are content-hashed files under /assets/, cached for good. Nothing is loaded from anywhere
 * else, and the Content-Security-Policy says so to the browser: scripts, styles, images and
 * connections (the REST API and the stream's WebSocket) come from this server only.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { ApiInstance } from './api-instance.ts';

/** The page paths of the SPA (web/src/routes.tsx); anything else is the API's 404. */
export const DASHBOARD_PAGES = ['/', '/login', '/orders', '/bots', '/positions', '/trades', '/stats', '/events', '/database', '/admin'];

const DEFAULT_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // lightweight-charts and React set inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
// Page links carry filters in their query (/orders?status=failed&bot=scalp1): any is accepted.
const PAGE_QUERY = Type.Object({}, { additionalProperties: true });

export interface DashboardOptions {
  /** The built app (default web/dist/ of this package). */
  readonly dir?: string;
}

export function dashboardPlugin(options: DashboardOptions = {}) {
  const dir = options.dir ?? DEFAULT_DIR;
  return async (app: ApiInstance): Promise<void> => {
    const sendIndex = async (reply: FastifyReply) => {
      let html: string;
      try {
        html = await readFile(join(dir, 'index.html'), 'utf8');
      } catch {
        return reply
          .status(503)
          .type('text/plain; charset=utf-8')
          .send('The dashboard is not built: run `npm run build` (or `npm run build:web`) in the botledger folder, then reload.\n');
      }
      return reply
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(html);
    };
    const page = { config: { access: 'public' as const }, schema: { hide: true, querystring: PAGE_QUERY } };
    for (const path of DASHBOARD_PAGES) {
      app.get(path, page, async (_request, reply) => sendIndex(reply));
      if (path !== '/') app.get(`${path}/*`, page, async (_request, reply) => sendIndex(reply));
    }
    app.get<{ Params: { name: string } }>(
      '/assets/:name',
      { config: { access: 'public' }, schema: { hide: true } },
      async (request, reply) => {
        const name = request.params.name;
        const type = CONTENT_TYPES[extname(name)];
        if (!ASSET_NAME.test(name) || !type) return notFound(reply, name);
        let body: Buffer;
        try {
          body = await readFile(join(dir, 'assets', name));
        } catch {
          return notFound(reply, name);
        }
        return reply
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('x-content-type-options', 'nosniff')
          .type(type)
          .send(body);
      },
    );
  };
}

function notFound(reply: FastifyReply, name: string) {
  return reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `no dashboard asset ${name.slice(0, 200)}` } });
}
