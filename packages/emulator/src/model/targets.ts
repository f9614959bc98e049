/**
 * The hand-written half of the calibration: Korea's annual totals, partner shares, the import
 * product mix, partner × product splits and prices. Every figure says where it comes from:
 *
 *   `fact`      — a figure from data/calibration/FACTS.md (official statistic or real API output);
 *   `plausible` — our choice where the facts are silent, in line with the facts around it.
 *
 * The machine-read half (rows per country, 2025 exports per HS-6 line, monthly totals, HS 8542 by
 * partner) is generated from the real data files into src/generated/calibration.ts.
 *
 * Long because it is data: tables of figures with their sources, and no logic to split along.
 */

/** Korea's exports and imports in US$ bn by year. */
export const ANNUAL_TOTALS: Readonly<Record<number, readonly [exports: number, imports: number]>> = {
  // plausible: before the facts (the emulator serves from 2000 by default; the API's history used
  // here starts in 2012). Shaped like KITA's published series, not checked against it.
  2000: [172.3, 160.5],
  2001: [150.4, 141.1],
  2002: [162.5, 152.1],
  2003: [193.8, 178.8],
  2004: [253.8, 224.5],
  2005: [284.4, 261.2],
  2006: [325.5, 309.4],
  2007: [371.5, 356.8],
  2008: [422.0, 435.3],
  2009: [363.5, 323.1],
  // fact: FACTS.md §1 (dailylog table for 2010–2011, KCS 확정 for 2012 on)
  2010: [466.4, 425.2],
  2011: [555.2, 524.4],
  2012: [548.1, 519.6],
  2013: [559.6, 515.6],
  2014: [573.1, 525.6],
  2015: [526.9, 436.5],
  2016: [495.4, 406.2],
  2017: [573.7, 478.4],
  2018: [605.2, 535.2],
  2019: [542.2, 503.3],
  2020: [512.5, 467.2],
  2021: [644.4, 615.05],
  2022: [683.6, 731.2],
  2023: [632.7, 642.7],
  2024: [683.76, 631.99],
  2025: [709.69, 631.67],
}

/** Anchor years → a value; between anchors the value is interpolated, outside them held. */
export type Anchors = Readonly<Record<number, number>>

/**
 * Export partner shares in % of Korea's exports. The six largest partners move over the years
 * (the facts give CN and US for 2019, 2023, 2024, VN/HK/JP for 2019, and one month of 2026);
 * the rest hold a plausible 2025 share. Codes not listed share what is left, in proportion to
 * their real row counts.
 */
export const EXPORT_PARTNERS: Readonly<Record<string, Anchors>> = {
  // fact 2019 (136.213/542.2), 2023 (124.81/632.7), 2024 (133.026/683.76), 2026-07 (216.6/989.2 억$);
  // plausible 2012, 2016, 2025
  CN: { 2012: 24.5, 2016: 25.1, 2019: 25.12, 2023: 19.73, 2024: 19.46, 2025: 18.4, 2026: 21.9 },
  // fact 2019 (73.348), 2023 (115.71), 2024 (127.791), 2026-07 (174.7 억$); plausible 2012, 2016, 2025
  US: { 2012: 10.7, 2016: 13.4, 2019: 13.53, 2023: 18.29, 2024: 18.69, 2025: 17.3, 2026: 17.7 },
  // fact 2019 (48.178); plausible otherwise
  VN: { 2012: 2.9, 2016: 6.6, 2019: 8.89, 2023: 8.5, 2024: 8.2, 2025: 8.7, 2026: 8.0 },
  // fact 2019 (31.914), 2026-07 (66.5 억$); plausible otherwise (HS 8542 alone was 16.5 bn in 2023)
  HK: { 2012: 6.0, 2016: 6.6, 2019: 5.89, 2023: 3.6, 2024: 4.8, 2025: 4.3, 2026: 6.7 },
  // fact 2019 (28.412), 2026-07 (27.5 억$); plausible otherwise
  JP: { 2012: 7.1, 2016: 4.9, 2019: 5.24, 2023: 4.6, 2024: 4.3, 2025: 4.1, 2026: 2.8 },
  // fact 2026-07 (56.8 억$); plausible otherwise (HS 8542 alone: 9.0 bn 2023, 20.5 bn 2024, 33.5 bn Feb–Dec 2025)
  TW: { 2012: 2.7, 2016: 2.5, 2019: 2.9, 2023: 3.15, 2024: 3.8, 2025: 6.8, 2026: 5.7 },
  // plausible: sanctions from 2022 and 2019
  RU: { 2012: 2.0, 2021: 1.6, 2022: 0.9, 2023: 0.9, 2025: 0.3 },
  IR: { 2012: 1.1, 2018: 0.7, 2019: 0.1, 2020: 0.02 },
  // plausible 2025 shares
  IN: { 2025: 2.6 },
  SG: { 2025: 2.4 },
  AU: { 2025: 2.4 },
  MX: { 2025: 1.8 },
  MY: { 2025: 1.6 },
  DE: { 2025: 1.4 },
  PH: { 2025: 1.3 },
  PL: { 2025: 1.3 },
  CA: { 2025: 1.2 },
  TH: { 2025: 1.1 },
  ID: { 2025: 1.1 },
  TR: { 2025: 0.9 },
  NL: { 2025: 0.8 },
  HU: { 2025: 0.8 },
  SA: { 2025: 0.8 },
  GB: { 2025: 0.7 },
  AE: { 2025: 0.7 },
  BR: { 2025: 0.7 },
  LR: { 2025: 0.75 },
  MH: { 2025: 0.7 },
  PA: { 2025: 0.45 },
  IT: { 2025: 0.55 },
  ES: { 2025: 0.5 },
  FR: { 2025: 0.45 },
  CZ: { 2025: 0.4 },
  SK: { 2025: 0.35 },
  BE: { 2025: 0.35 },
  GR: { 2025: 0.3 },
  CL: { 2025: 0.3 },
  KZ: { 2025: 0.25 },
  UZ: { 2025: 0.25 },
  NZ: { 2025: 0.25 },
  BD: { 2025: 0.2 },
  EG: { 2025: 0.2 },
  ZA: { 2025: 0.2 },
  IL: { 2025: 0.2 },
}

/** Import partner shares in % of Korea's imports (CN 2019/2023 and US 2019 are facts; the rest plausible). */
export const IMPORT_PARTNERS: Readonly<Record<string, Anchors>> = {
  // fact 2019 (107.22/503.3), 2023 (142.8/642.7); plausible 2012, 2025
  CN: { 2012: 15.5, 2019: 21.3, 2023: 22.2, 2025: 22.0 },
  // fact 2019 (61.87/503.3); plausible otherwise
  US: { 2012: 8.3, 2019: 12.29, 2023: 11.1, 2025: 10.3 },
  JP: { 2012: 12.4, 2019: 9.5, 2023: 7.4, 2025: 7.5 },
  SA: { 2012: 7.2, 2019: 4.3, 2022: 5.7, 2023: 5.2, 2025: 5.0 },
  AU: { 2012: 4.4, 2019: 4.1, 2022: 5.4, 2023: 5.0, 2025: 4.1 },
  TW: { 2012: 2.7, 2019: 3.1, 2023: 3.9, 2025: 4.9 },
  VN: { 2012: 1.4, 2019: 4.2, 2023: 4.2, 2025: 4.2 },
  DE: { 2012: 3.4, 2019: 3.9, 2023: 3.0, 2025: 3.0 },
  QA: { 2012: 4.8, 2019: 2.6, 2022: 2.3, 2025: 2.1 },
  KW: { 2012: 3.5, 2019: 1.8, 2022: 1.9, 2025: 1.6 },
  AE: { 2012: 2.9, 2019: 1.8, 2022: 1.7, 2025: 1.9 },
  MY: { 2012: 2.0, 2019: 2.0, 2025: 2.1 },
  ID: { 2012: 2.9, 2019: 1.7, 2025: 2.0 },
  RU: { 2012: 2.1, 2019: 3.1, 2022: 2.4, 2023: 2.0, 2025: 1.3 },
  IQ: { 2012: 1.9, 2019: 1.6, 2022: 1.4, 2025: 1.0 },
  SG: { 2025: 1.5 },
  IN: { 2025: 1.1 },
  CL: { 2025: 1.0 },
  TH: { 2025: 0.9 },
  CA: { 2025: 0.9 },
  FR: { 2025: 0.9 },
  IT: { 2025: 0.9 },
  BR: { 2025: 0.8 },
  GB: { 2025: 0.8 },
  NL: { 2025: 0.8 },
  CH: { 2025: 0.7 },
  MX: { 2025: 0.6 },
  IE: { 2025: 0.5 },
  OM: { 2025: 0.5 },
  PH: { 2025: 0.5 },
  PE: { 2025: 0.4 },
  ES: { 2025: 0.4 },
  KZ: { 2025: 0.4 },
  NZ: { 2025: 0.3 },
  ZA: { 2025: 0.3 },
  NO: { 2025: 0.3 },
  SE: { 2025: 0.3 },
  BE: { 2025: 0.3 },
  AT: { 2025: 0.3 },
  NG: { 2025: 0.3 },
  BN: { 2025: 0.2 },
  PG: { 2025: 0.2 },
  DK: { 2025: 0.2 },
  FI: { 2025: 0.2 },
}

/**
 * Export product mix by year, as % of Korea's exports, for the lines whose share moves: the rest of
 * the mix is the real 2025 one (2025 exports per HS-6 line, generated), rescaled to what is left.
 */
export const EXPORT_PRODUCT_SHARES: Readonly<Record<string, Anchors>> = {
  // HS 8542: fact 2023 (86.13/632.7) and 2024 (120.19/683.76); 2025 is the generated HS-6 data;
  // plausible 2012–2022 (≈ 0.86 × MOTIE's 반도체 series) and 2026 (반도체 ≈ 1/3 of exports in 2026-07)
  '8542': {
    2012: 9.1,
    2015: 11.0,
    2016: 10.8,
    2017: 14.6,
    2018: 18.0,
    2019: 14.9,
    2020: 16.6,
    2021: 17.1,
    2022: 16.2,
    2023: 13.61,
    2024: 17.58,
    2026: 28.8,
  },
  // petroleum products: fact 2019 (40.648/542.2); plausible 2012–2015 and 2020
  '2710': { 2012: 10.2, 2015: 6.0, 2019: 7.5, 2020: 4.7, 2022: 9.2 },
  // cars: fact 2019 (43.04/542.2)
  '8703': { 2012: 8.6, 2019: 7.94 },
  // ships: plausible (the 2012 order book, the 2020 trough)
  '8901': { 2012: 4.9, 2016: 4.5, 2020: 2.2, 2023: 2.4 },
}

/** Import product mix: % of Korea's imports for the headings that matter most (plausible unless noted). */
export const IMPORT_PRODUCT_SHARES: Readonly<Record<string, Anchors>> = {
  // crude oil: fact 2019 (70.193/503.3), 2022 (105.8/731.2); plausible otherwise
  '2709': { 2012: 19.3, 2016: 10.8, 2019: 13.95, 2020: 9.9, 2022: 14.47, 2023: 12.5, 2025: 10.5 },
  // LNG and other gas: fact 2019 (20.575), 2022 (56.7)
  '2711': { 2012: 5.7, 2016: 3.8, 2019: 4.09, 2022: 7.75, 2023: 6.1, 2025: 5.5 },
  // coal: fact 2019 (14.212), 2022 (28.1)
  '2701': { 2012: 3.0, 2016: 2.6, 2019: 2.82, 2022: 3.84, 2023: 3.4, 2025: 2.7 },
  // petroleum products: fact 2019 (17.536)
  '2710': { 2019: 3.48, 2025: 3.3 },
  '8542': { 2012: 5.5, 2019: 6.8, 2025: 9.0 },
  '8486': { 2025: 3.0 },
  '8517': { 2025: 2.4 },
  '8703': { 2025: 2.3 },
  '8471': { 2025: 1.8 },
  '2601': { 2025: 1.5 },
  '3004': { 2025: 1.3 },
  '8541': { 2025: 1.2 },
  '8473': { 2025: 1.2 },
  '8507': { 2025: 1.2 },
  '2603': { 2025: 1.0 },
  '7403': { 2025: 0.9 },
  '8708': { 2025: 0.8 },
  '7601': { 2025: 0.7 },
  '2902': { 2025: 0.6 },
  '7108': { 2025: 0.6 },
  '8411': { 2025: 0.6 },
  '7204': { 2025: 0.6 },
  '3824': { 2025: 0.6 },
  '9031': { 2025: 0.5 },
  '9018': { 2025: 0.5 },
  '8802': { 2025: 0.5 },
  '7208': { 2025: 0.5 },
  '3920': { 2025: 0.5 },
  '1005': { 2025: 0.4 },
  '9013': { 2025: 0.4 },
  '9027': { 2025: 0.4 },
  '3002': { 2025: 0.4 },
  '3901': { 2025: 0.4 },
  '4202': { 2025: 0.4 },
  '3304': { 2025: 0.4 },
  '2608': { 2025: 0.4 },
  '7207': { 2025: 0.4 },
  '0201': { 2025: 0.35 },
  '0202': { 2025: 0.35 },
  '0303': { 2025: 0.35 },
  '0203': { 2025: 0.3 },
  '0306': { 2025: 0.3 },
  '2106': { 2025: 0.3 },
  '2804': { 2025: 0.3 },
  '2933': { 2025: 0.3 },
  '4703': { 2025: 0.3 },
  '6110': { 2025: 0.3 },
  '7219': { 2025: 0.3 },
  '1001': { 2025: 0.25 },
  '6204': { 2025: 0.25 },
  '1201': { 2025: 0.2 },
  '0304': { 2025: 0.2 },
  '6109': { 2025: 0.2 },
  '6203': { 2025: 0.2 },
  '6403': { 2025: 0.2 },
  '6404': { 2025: 0.2 },
  '3815': { 2025: 0.2 },
  '4407': { 2025: 0.2 },
  '7502': { 2025: 0.2 },
  // coffee: fact 2024 (green coffee 818.1 M of 631.99 bn) and 2025 (1,212.4 M of 631.67 bn)
  '0901': { 2012: 0.12, 2024: 0.137, 2025: 0.202 },
  '4403': { 2025: 0.15 },
  '2208': { 2025: 0.1 },
  '2204': { 2025: 0.07 },
  '2402': { 2025: 0.05 },
}

/**
 * Partner splits of single products, in % of the product's world total, where the facts name the
 * partners (the rest of the product goes to the other partners as the model spreads it).
 */
export interface PartnerSplit {
  direction: 'exports' | 'imports'
  heading: string
  /** year → partner → % ; a year not listed uses the nearest listed year. */
  byYear: Readonly<Record<number, Readonly<Record<string, number>>>>
}

export const PARTNER_SPLITS: readonly PartnerSplit[] = [
  {
    // HS 8542: 2023 and 2024 are generated from the real series (see model.ts); 2025 fact CN 40.39 and
    // TW 33.49 bn for Feb–Dec (× 12/11 of 142.8), HK/VN/MY/US/JP plausible; 2026 haunpapa's 반도체 shares
    // for 2025-08..2026-07 (CN 40.8, VN 17.9, HK 13.2, TW 11.8, MY 4.8).
    direction: 'exports',
    heading: '8542',
    byYear: {
      2025: { CN: 30.9, TW: 25.6, HK: 17.5, VN: 13.0, MY: 3.5, US: 1.4, JP: 0.6, PH: 1.6, SG: 1.8 },
      2026: { CN: 40.8, VN: 17.9, HK: 13.2, TW: 11.8, MY: 4.8, US: 1.2, JP: 0.5 },
    },
  },
  {
    // cars: fact 2025 Feb–Dec US 27.89, CA 5.16, AU 2.72 bn (× 12/11 of 68.5 bn)
    direction: 'exports',
    heading: '8703',
    byYear: { 2025: { US: 44.4, CA: 8.2, AU: 4.3 } },
  },
  {
    // petroleum products: fact 2025 Feb–Dec AU 6.83, SG 5.01, JP 4.64 bn (× 12/11 of 44.6 bn)
    direction: 'exports',
    heading: '2710',
    byYear: { 2025: { AU: 16.7, SG: 12.3, JP: 11.4 } },
  },
  {
    // ships: fact 2025 Feb–Dec LR 4.59, MH 4.20, SG 3.42 bn (× 12/11 of 26.0 bn); flags of convenience
    direction: 'exports',
    heading: '8901',
    byYear: { 2025: { LR: 19.3, MH: 17.6, SG: 14.4, PA: 8.0 } },
  },
  {
    // crude oil: fact 2022 (SA 37.6, US 14.0, KW 10.7, AE 9.2, IQ 8.5 of 105.8 bn)
    direction: 'imports',
    heading: '2709',
    byYear: { 2022: { SA: 35.5, US: 13.2, KW: 10.1, AE: 8.7, IQ: 8.0 } },
  },
  {
    // gas: fact 2022 (AU 15.3, US 11.9, QA 8.5, MY 5.5, OM 4.7 of 56.7 bn)
    direction: 'imports',
    heading: '2711',
    byYear: { 2022: { AU: 27.0, US: 21.0, QA: 15.0, MY: 9.7, OM: 8.3 } },
  },
  {
    // coal: fact 2022 (AU 12.4, RU 5.7, ID 3.5, CA 2.6, ZA 1.3 of 28.1 bn)
    direction: 'imports',
    heading: '2701',
    byYear: { 2022: { AU: 44.1, RU: 20.3, ID: 12.5, CA: 9.3, ZA: 4.6 } },
  },
  {
    // green coffee: fact 2024 (BR 259.8, CO 143.7, ET 116.5, VN 108.4, GT 47.3 of 818.1 M)
    direction: 'imports',
    heading: '0901',
    byYear: { 2024: { BR: 31.8, CO: 17.6, ET: 14.2, VN: 13.2, GT: 5.8 } },
  },
]

/**
 * How an import heading splits into its HS-6 lines where one line dominates (plausible: LNG is most
 * of 2711, green coffee most of 0901, bituminous coal most of 2701, naphtha and diesel most of 2710).
 * Other headings split by a seeded spread.
 */
export const IMPORT_HS6_SPLITS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  '0901': { '090111': 88, '090121': 7, '090112': 2, '090122': 2, '090190': 1 },
  '2711': { '271111': 88, '271112': 5, '271113': 3, '271121': 3 },
  '2701': { '270112': 78, '270111': 10, '270119': 10 },
  '2710': { '271012': 55, '271019': 40 },
  '8542': { '854231': 45, '854232': 30, '854239': 20, '854233': 5 },
}

/**
 * US$ per kg by chapter (plausible: bulk fuels and ores cheap, chips and jewellery dear), with
 * overrides by heading. Weights are dollars divided by this, with a spread per line and month.
 */
export const PRICE_PER_KG_CHAPTER: Readonly<Record<string, number>> = {
  '01': 8,
  '02': 6,
  '03': 6,
  '04': 4,
  '05': 5,
  '06': 6,
  '07': 1.5,
  '08': 2.5,
  '09': 5,
  '10': 0.3,
  '11': 0.8,
  '12': 0.7,
  '13': 10,
  '14': 2,
  '15': 1.2,
  '16': 6,
  '17': 0.6,
  '18': 4,
  '19': 3,
  '20': 2.5,
  '21': 6,
  '22': 1.5,
  '23': 0.4,
  '24': 10,
  '25': 0.1,
  '26': 0.15,
  '27': 0.6,
  '28': 1.2,
  '29': 1.5,
  '30': 150,
  '31': 0.4,
  '32': 5,
  '33': 15,
  '34': 2.5,
  '35': 5,
  '36': 5,
  '37': 30,
  '38': 3,
  '39': 1.6,
  '40': 2.5,
  '41': 4,
  '42': 40,
  '43': 60,
  '44': 0.4,
  '45': 3,
  '46': 3,
  '47': 0.6,
  '48': 1.2,
  '49': 10,
  '50': 40,
  '51': 15,
  '52': 3,
  '53': 3,
  '54': 5,
  '55': 3,
  '56': 4,
  '57': 5,
  '58': 12,
  '59': 8,
  '60': 6,
  '61': 25,
  '62': 30,
  '63': 6,
  '64': 25,
  '65': 20,
  '66': 10,
  '67': 15,
  '68': 0.5,
  '69': 1.2,
  '70': 3,
  '71': 2000,
  '72': 0.9,
  '73': 3,
  '74': 8,
  '75': 15,
  '76': 4,
  '78': 2.5,
  '79': 3,
  '80': 25,
  '81': 40,
  '82': 15,
  '83': 8,
  '84': 30,
  '85': 40,
  '86': 5,
  '87': 12,
  '88': 300,
  '89': 3,
  '90': 100,
  '91': 300,
  '92': 20,
  '93': 50,
  '94': 6,
  '95': 10,
  '96': 8,
  '97': 500,
}

export const PRICE_PER_KG_HEADING: Readonly<Record<string, number>> = {
  // HS 8542 exports to CN ran at ≈ $6,350/kg in 2023-01 (fact: joonibini16's series)
  '8542': 5000,
  '8541': 400,
  '8486': 300,
  '8517': 300,
  '8471': 150,
  '8473': 200,
  '8703': 14,
  '8708': 9,
  '8901': 2.5,
  '2709': 0.55,
  '2711': 0.6,
  '2701': 0.15,
  '2710': 0.75,
  // green coffee: fact 2024 (818.1 M / 169.3 kt)
  '0901': 4.8,
  '7108': 60000,
  '3304': 25,
  '3004': 250,
}
