/** The help of `kcs-trade export` (a module of its own so that `--help` loads nothing else). */
export const EXPORT_HELP = `Usage: kcs-trade export --out FILE|- [--format csv|parquet|json] [--country US,CN] [--hs 85]
                        [--from YYYY-MM] [--to YYYY-MM] [--level 2|4|6|10] [--json]

Writes mirrored rows (DATABASE_URL: PostgreSQL, or the PGlite directory, default ./.kcs-trade/db)
to a file, with the English and Korean names of countries and HS codes from the reference tables.

  --out FILE      the file to write ('-' = stdout, csv and json only): a new path or a regular file
                  (a device, FIFO, socket, directory or symlink is refused); written to a temporary
                  file beside it and renamed at the end, so a failed export leaves no partial file
  --format F      csv, parquet, or json (= jsonl: JSON Lines, one object per line);
                  default from the extension of --out (.csv .parquet .json .jsonl .ndjson)
  --country C     one or more codes, comma-separated, any case (default: every mirrored country)
  --hs P          an HS code prefix, 1 to 10 digits (default: every code)
  --from, --to    months, inclusive (default: the first and last mirrored month)
  --level N       sum to N-digit HS codes (2, 4, 6 or 10) per month and country;
                  without it, the rows as mirrored (10-digit lines)
  --json          print the summary as JSON on stdout (not with --out -)

Columns: period (YYYY-MM), country_code, country_name_en, country_name_ko, hs_code (text),
hs_name_en, hs_name_ko, export_kg, export_usd, import_kg, import_usd, balance_usd (integers: kg
and US dollars; balance = export - import). Rows are ordered by country, month, code.
Progress goes to stderr; the summary (rows, bytes, seconds, rows/s) to stdout, or stderr with --out -.`
