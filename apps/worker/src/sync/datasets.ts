import { quoted, UsageError } from '../config/errors.js'
import type { TotalsDataset } from './slices.js'

/** The four KCS datasets the CLI knows, by the name of their API path. */
export const DATASETS = ['nitemtrade', 'itemtrade', 'nationtrade', 'newtrade'] as const
export type Dataset = (typeof DATASETS)[number]

/** What each dataset is, for help texts and hints: the portal's dataset number and its Korean title. */
export const DATASET_INFO: Record<Dataset, { id: string; titleKo: string; title: string }> = {
  nitemtrade: { id: '15100475', titleKo: '품목별 국가별 수출입실적', title: 'trade by item and country' },
  itemtrade: { id: '15101609', titleKo: '품목별 수출입실적', title: 'trade by item (all countries)' },
  nationtrade: { id: '15101612', titleKo: '국가별 수출입실적', title: 'trade by country (all items)' },
  newtrade: { id: '15102108', titleKo: '수출입총괄', title: "Korea's overall trade" },
}

/** Parse `--dataset` (default nitemtrade); lower-case names only, as the API paths are spelled. */
export function parseDataset(value: string | undefined, command: string): Dataset {
  if (value === undefined) return 'nitemtrade'
  const name = value.trim().toLowerCase()
  if ((DATASETS as readonly string[]).includes(name)) return name as Dataset
  throw new UsageError(
    `${command}: --dataset must be one of ${DATASETS.join(', ')}, got ${quoted(value)}`,
    'nitemtrade is the detail (item × country); nationtrade country totals; newtrade national totals; itemtrade item totals',
  )
}

/** The datasets whose rows the mirror stores besides the detail. */
export function isTotalsDataset(dataset: Dataset): dataset is TotalsDataset {
  return dataset === 'nationtrade' || dataset === 'newtrade'
}

/** Plan and sync of `itemtrade` are refused: its rows are the detail summed over countries, not stored again. */
export function refuseItemtradeMirror(command: string): never {
  throw new UsageError(
    `${command}: item totals (itemtrade) are not mirrored — they are the sum of the nitemtrade rows over countries`,
    "sync the detail (--dataset nitemtrade, the default) and sum it (kcs-trade export --level 10), or look at them with 'kcs-trade fetch --dataset itemtrade --hs 85 --from … --to …'",
  )
}
