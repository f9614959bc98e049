import { kcsProject } from '../../vitest.shared.js'

export default kcsProject('db', {
  testTimeout: 60_000,
  hookTimeout: 60_000,
})
