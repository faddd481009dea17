// `npm run build`, also run by `npm ci` (the `prepare` script): compiles src/ into dist/ so that
// the `botledger` command starts from JavaScript instead of compiling TypeScript at every run.
// dist/ is thrown away first (no file of a deleted source survives), and BUILD_STAMP is written
// last: bin/botledger.js runs dist/ only when that stamp exists and is at least as new as every
// file under src/. Plain JavaScript, so it runs before anything else is built.
//
// Kysely is published as some 280 small ES modules, and loading them is the largest part of a
// short command's start-up (about 0.12 s of CPU). The build bundles it into one file,
// dist/vendor/kysely.js, and points dist's imports of 'kysely' at it. esbuild comes with tsx (a
// dependency); without it dist simply imports kysely from node_modules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  // An install without devDependencies: the command still works, from the sources through tsx.
  process.stderr.write('botledger build: typescript is not installed; skipping (bin/botledger.js will run the sources through tsx)\n');
  process.exit(0);
}
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
await vendorKysely();
writeFileSync(join(dist, 'BUILD_STAMP'), `${new Date().toISOString()}\n`);

async function vendorKysely() {
  let esbuild;
  try {
    esbuild = await import(pathToFileURL(require.resolve('esbuild', { paths: [dirname(require.resolve('tsx/package.json'))] })).href);
  } catch {
    process.stderr.write('botledger build: esbuild not found; dist/ imports kysely from node_modules (slower start)\n');
    return;
  }
  const vendored = join(dist, 'vendor', 'kysely.js');
  mkdirSync(dirname(vendored), { recursive: true });
  await esbuild.build({
    entryPoints: [fileURLToPath(import.meta.resolve('kysely'))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: vendored,
    logLevel: 'warning',
  });
  for (const file of jsFiles(dist)) {
    if (file === vendored) continue;
    const text = readFileSync(file, 'utf8');
    let specifier = relative(dirname(file), vendored).replaceAll('\\', '/');
    if (!specifier.startsWith('.')) specifier = `./${specifier}`;
    const rewritten = text.replace(/(\bfrom\s*|\bimport\s*\(\s*)(['"])kysely\2/g, `$1$2${specifier}$2`);
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? jsFiles(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : [],
  );
}
