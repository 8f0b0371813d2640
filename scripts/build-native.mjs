// Builds the native addon with node-gyp (bundled with npm). A failed build must not fail
// `npm install`: the library then runs on its TypeScript backend and says why when loaded.
// `--strict` (npm run build:native) makes a failure fatal, for kernel development.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const strict = process.argv.includes('--strict');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const failureNote = path.join(root, 'build', 'native-build-failed.txt');

function nodeGypCommand() {
  // npm exports the path of its own node-gyp to install scripts.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, [fromNpm]];
  try {
    const require = createRequire(import.meta.url);
    return [process.execPath, [require.resolve('node-gyp/bin/node-gyp.js')]];
  } catch {
    // Outside npm scripts: the node-gyp that ships inside npm, next to node.
    const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    return existsSync(bundled) ? [process.execPath, [bundled]] : ['node-gyp', []];
  }
}

if (process.env.ODYSSEY_SKIP_NATIVE_BUILD === '1') {
  console.log('ml-odyssey: ODYSSEY_SKIP_NATIVE_BUILD=1, not building the native addon');
  process.exit(0);
}
const [cmd, pre] = nodeGypCommand();
const jobs = process.env.JOBS ?? 'max';
// Build against the headers installed beside node, so node-gyp never tries to download them.
const args = [...pre, 'rebuild', `--jobs=${jobs}`];
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
if (result.status === 0) {
  rmSync(failureNote, { force: true });
  process.exit(0);
}
const reason = result.error ? result.error.message : `node-gyp exited with code ${result.status}`;
mkdirSync(path.dirname(failureNote), { recursive: true });
writeFileSync(failureNote, `${reason}\n`);
if (strict) {
  console.error(`ml-odyssey: native build failed: ${reason}`);
  process.exit(1);
}
console.warn(`ml-odyssey: the native addon could not be built (${reason}); the TypeScript backend will be used.`);
process.exit(0);
