// Entry of a data-plane worker process (`serve --workers N`), forked by the control plane: the
// compile cache first, as in pointsman.js, so that a worker (and each one started again) loads
// the compiled modules instead of stripping types and compiling them again (~25 MB less RSS).
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('../src/cli/worker-process.ts');
