/** The emulator in its own process, so the bench's reader does not share its event loop. */
import { createEmulator } from '../src/index.js'

const emu = await createEmulator({
  port: 0,
  seed: 1,
  keys: ['bench-key'],
  today: '2026-11-23',
  dailyQuota: 1_000_000,
  // The parent asks for 0 ("generated": every answer computed afresh) or 4 ("cached").
  answerCacheSize: Number(process.env.ANSWER_CACHE ?? 4),
  chunkBytes: Number(process.env.CHUNK_BYTES ?? 256 * 1024),
})
let peakRss = process.memoryUsage().rss
const baseRss = peakRss
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 5)
process.stdout.write(`${JSON.stringify({ url: emu.url, baseRss })}\n`)
process.on('message', async (msg) => {
  if (msg === 'memory') {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
    process.send?.({ baseRss, peakRss, maxRssKb: process.resourceUsage().maxRSS })
  } else if (msg === 'stop') {
    clearInterval(sampler)
    await emu.close()
    process.exit(0)
  }
})
