// Heavy modules (reference tables, the emulator, the client, BullMQ, drivers) load only for the commands that use them,
// so that `--help`, bad input and light commands answer quickly.
/** Loaders of heavy modules, so `--help`, bad input and light commands answer quickly. */
export const lazy = {
  client: () => import('@kcs-trade/client'),
  db: () => import('@kcs-trade/db'),
  emulator: () => import('@kcs-trade/emulator'),
  reference: () => import('@kcs-trade/reference'),
  engine: () => import('../sync/engine.js'),
  freshness: () => import('../sync/freshness.js'),
  inline: () => import('../sync/inline.js'),
  limits: () => import('../sync/limits.js'),
  metrics: () => import('../sync/metrics.js'),
  queue: () => import('../sync/queue.js'),
  runtime: () => import('../sync/runtime.js'),
}
