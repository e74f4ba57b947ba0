// Preloaded (`--import`, with `--expose-gc`) into a child that answers 'rss' messages: runs a
// full collection just before the child measures, so a sample counts the memory the process
// holds rather than garbage V8 has not yet bothered to collect (up to ~64 MiB of dead socket
// buffers before its external-memory limit forces a collection). Loaded before the child's
// own code, so this listener runs first.
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('collect-garbage-on-rss needs --expose-gc');
process.on('message', (message) => {
  if (message === 'rss') collect();
});
