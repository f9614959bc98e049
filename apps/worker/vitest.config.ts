import { kcsProject } from '../../vitest.shared.js'

export default kcsProject('worker', {
  // Integration tests talk to Redis, PostgreSQL and an emulator over real sockets.
  testTimeout: 90_000,
  hookTimeout: 60_000,
})
