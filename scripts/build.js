// `npm run build`, also run by `npm ci` (the `prepare` script): compiles src/ into dist/ so that
// the `botledger` command starts from JavaScript instead of compiling TypeScript at every run.
// dist/ is thrown away first (no file of a deleted source survives), and BUILD_STAMP is written
// last: bin/botledger.js runs dist/ only when that stamp exists and is at least as new as every
// file under src/. Plain JavaScript, so it runs before anything else is built.
//
// Kysely and zod are published as hundreds of small ES modules, and loading them is the largest
// part of a short command's start-up (kysely about 0.12 s of CPU, zod 0.05 s). The build bundles
// each into one file, dist/vendor/<name>.js, and points dist's imports at it. esbuild comes with
// tsx (a dependency); without it dist simply imports them from node_modules.
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
await vendor(['kysely', 'zod']);
writeFileSync(join(dist, 'BUILD_STAMP'), `${new Date().toISOString()}\n`);
// The dashboard has a build of its own (web/dist/), so that rebuilding dist/ never removes it;
// BOTLEDGER_BUILD_WEB=0 leaves it as it is (the tests rebuild dist/ while browser tests serve it).
if (process.env.BOTLEDGER_BUILD_WEB !== '0') execFileSync(process.execPath, [join(root, 'scripts', 'build-web.js')], { stdio: 'inherit', cwd: root });

async function vendor(packages) {
  let esbuild;
  try {
    esbuild = await import(pathToFileURL(require.resolve('esbuild', { paths: [dirname(require.resolve('tsx/package.json'))] })).href);
  } catch {
    process.stderr.write(`botledger build: esbuild not found; dist/ imports ${packages.join(', ')} from node_modules (slower start)\n`);
    return;
  }
  const vendorDir = join(dist, 'vendor');
  mkdirSync(vendorDir, { recursive: true });
  for (const name of packages) {
    await esbuild.build({
      entryPoints: [fileURLToPath(import.meta.resolve(name))],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: join(vendorDir, `${name}.js`),
      logLevel: 'warning',
    });
  }
  const bare = new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*)(['"])(${packages.join('|')})\\2`, 'g');
  for (const file of jsFiles(dist)) {
    if (dirname(file) === vendorDir) continue;
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(bare, (_match, keyword, quote, name) => {
      let specifier = relative(dirname(file), join(vendorDir, `${name}.js`)).replaceAll('\\', '/');
      if (!specifier.startsWith('.')) specifier = `./${specifier}`;
      return `${keyword}${quote}${specifier}${quote}`;
    });
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? jsFiles(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : [],
  );
}
