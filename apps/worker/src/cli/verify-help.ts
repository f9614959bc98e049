/** `kcs-trade verify --help`. */
export const VERIFY_HELP = `Usage: kcs-trade verify [--from YYYY-MM --to YYYY-MM] [--country US,CN|all] [--json]
                        [--fix [--inline]] [--offline] [--limit 30]

Proves the mirror complete, or says where it is not: for every country and month, compares the
mirror's export and import dollars with the totals KCS publishes independently of the detail —
nationtrade (국가별 수출입실적) per country and Newtrade (수출입총괄) for Korea. It first fetches those
totals for the window (one call per calendar year each, counted against each dataset's own quota;
the key needs approval for datasets 15101612 and 15102108) and stores them in the mirror.

Verdicts per country-month: complete; short or over (rows lost or added since they were fetched,
or never fetched); stale (the mirror holds what the API answered, but KCS has revised the month
since); pending (totals out, detail not yet published); partial (mirrored with --hs slices).

Defaults: the window and the countries the mirror holds. --offline compares with the totals already
stored (no call). --fix re-fetches the differing months (one call per country and year): queued
for the workers, or here with --inline, then checked again. Exit code 1 while differences remain.`
