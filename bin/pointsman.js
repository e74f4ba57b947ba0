#!/usr/bin/env node
// Entry for `npx pointsman`. The sources are TypeScript run by Node 24's type stripping, so a
// too-old Node (the machine's own Node 20, say) gets a clear message instead of a syntax error.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `pointsman needs Node.js 24 or newer (this is ${process.version}). ` +
      'Run it through npm (npx pointsman, npm start), which uses the Node 24 pinned in package.json.\n',
  );
  process.exit(2);
}
// Caches compiled code between runs (a no-op when the cache directory is not writable).
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
