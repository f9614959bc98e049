import { kcsProject } from '../../vitest.shared.js'

export default kcsProject('client')
