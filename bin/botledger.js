#!/usr/bin/env node
// The botledger command. It runs the compiled JavaScript in dist/ (built by `npm ci` through the
// `prepare` script, or `npm run build`), which starts in a fraction of the time that compiling
// the TypeScript sources at run time takes. It never runs stale code: dist/ is used only when its
// BUILD_STAMP is at least as new as every file under src/ (one stat per source file, a few
// milliseconds); otherwise the sources run through tsx, with a one-line note on stderr.
import { readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsCurrent() {
  try {
    return statSync(new URL('dist/BUILD_STAMP', root)).mtimeMs >= newestSourceMs(new URL('src/', root));
  } catch {
    return false; // no build
  }
}

if (compiledIsCurrent()) {
  await import('../dist/cli/main.js');
} else {
  process.stderr.write('botledger: dist/ is missing or older than src/ (run `npm run build`); running the sources through tsx, which starts slower\n');
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
