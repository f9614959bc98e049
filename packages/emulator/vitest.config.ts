import { kcsProject } from '../../vitest.shared.js'

export default kcsProject('emulator', {
  // Whole-year answers over a socket take a second or two on a shared 2-core machine.
  testTimeout: 30_000,
  hookTimeout: 30_000,
})
