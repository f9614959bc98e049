import { kcsProject } from '../../vitest.shared.js'

export default kcsProject('reference', {
  // Whole-table checks (every code round-tripped, every HSK line compared with the source) take
  // seconds on a loaded 2-core machine.
  testTimeout: 60_000,
})
