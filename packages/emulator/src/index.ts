export {
  CLI_USAGE,
  type CliIo,
  CliUsageError,
  parseEmulatorArgs,
  type RunEmulatorCliOptions,
  runEmulatorCli,
} from './cli-run.js'
export type {
  ActivityProfile,
  AnswerKind,
  QuirkRates,
  ReleaseSchedule,
  TradeRow,
  TradeTotals,
} from './data.js'
export { REAL_QUIRK_RATES } from './data.js'
export {
  createEmulator,
  type Emulator,
  type EmulatorOptions,
  OPERATION_PATH,
  PROVIDER_MESSAGES,
  type QuotaState,
  type Truth,
  type TruthAnswer,
  type TruthChange,
  type TruthChangeFilter,
  type TruthQuery,
} from './emulator.js'
export {
  FAULT_KINDS,
  FaultController,
  type FaultKind,
  type FaultRates,
  type FaultSpec,
  parseFaultSpec,
} from './faults.js'
export {
  type CountryTradeRow,
  type CountTotals,
  DATASETS,
  type DatasetName,
  declarations,
  EXPORT_USD_PER_DECLARATION,
  IMPORT_USD_PER_DECLARATION,
  type ItemTradeRow,
  type ItemTradeTotals,
  OPERATION_PATHS,
  type SiblingAnswer,
  type SiblingTruth,
  type SiblingTruthQuery,
  type TotalsTradeRow,
} from './siblings.js'
export { EmulatorStats, NO_KEY, type StatsSnapshot, UNREGISTERED_KEY } from './stats.js'
export {
  GATEWAY_CODES,
  type GatewayCode,
  type GatewayLayout,
  type ProviderErrorBody,
  XML_DECLARATION,
} from './xml.js'
