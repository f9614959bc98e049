// Copies the text tables read at run time (src/generated/*.txt) next to the compiled code in dist/.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'

mkdirSync('dist/generated', { recursive: true })
for (const name of readdirSync('src/generated')) {
  if (name.endsWith('.txt')) copyFileSync(`src/generated/${name}`, `dist/generated/${name}`)
}
