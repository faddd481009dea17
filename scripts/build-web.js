// `npm run build:web`, also run at the end of `npm run build` (and so by `npm ci`): builds the
// dashboard (web/, React + Vite) into web/dist/, which `botledger serve` serves at `/`. Plain
// JavaScript, like build.js. Without vite (an install without devDependencies) it says so and
// leaves the dashboard out; serve then answers `/` with a page saying how to build it.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

let vite;
try {
  vite = await import(pathToFileURL(require.resolve('vite')).href);
} catch {
  process.stderr.write('botledger build: vite is not installed; the dashboard (web/) is not built\n');
  process.exit(0);
}
const started = Date.now();
await vite.build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'warn' });
process.stderr.write(`botledger build: dashboard built into web/dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
