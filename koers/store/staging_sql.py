"""The SQL of an import's staging (`koers.store.staging`), over the batch registered as integer codes.

The staging of a batch, in three small steps over integer codes (see `staging.coded_batch`): the
distinct (region, period) pairs are judged against the registry, the duplicate check runs on
codes, and the view `staged` puts every row next to its pair's verdict. Tables read here:
`batch_obs` (the rows, with `<column>_no` codes), `batch_indicator` ... `batch_status` (per key
column its distinct values: idx, value), `batch_source` (one row: the source table), `batch_reason`
(one row: the rejection reasons' templates, `reason_templates`).
"""

from __future__ import annotations

import string

import pyarrow as pa

from koers.i18n import LANGUAGES, catalogue
from koers.store.schema import STATUSES

# Per distinct (region, period) pair: the region resolved (by code, or by name in the period) and
# what is wrong with it. Region by name: the regions of that name that existed in the period; when
# none did, any period's (the region is known but did not exist then). More than one candidate is
# ambiguous: refused. A row without a period has no pair and is not staged.
JUDGE_PAIRS_SQL = """
CREATE OR REPLACE TEMP TABLE judged_pair AS
WITH pairs AS (
    SELECT DISTINCT region_code_no, region_key_no, region_text_no, period_no FROM batch_obs
),
periods AS (
    -- The few distinct periods, with the first day of each and of the next.
    SELECT period_no, period, period_start,
           period_start + CASE WHEN period LIKE '____-Q_' THEN INTERVAL 3 MONTH
                               WHEN length(period) = 7 THEN INTERVAL 1 MONTH ELSE INTERVAL 1 YEAR END AS period_end
    FROM (SELECT idx AS period_no, value AS period,
                 CAST(left(value, 4) || '-' ||
                      CASE WHEN value LIKE '____-Q_' THEN lpad(CAST((CAST(right(value, 1) AS INTEGER) - 1) * 3 + 1 AS VARCHAR), 2, '0')
                           WHEN length(value) = 7 THEN right(value, 2) ELSE '01' END || '-01' AS DATE) AS period_start
          FROM batch_period WHERE value IS NOT NULL AND idx IN (SELECT period_no FROM pairs))
),
located AS (
    SELECT x.*, c.value AS region_code, k.value AS region_key, t.value AS region_text, p.period, p.period_start, p.period_end
    FROM pairs x
    JOIN periods p USING (period_no)
    JOIN batch_region_code c ON c.idx = x.region_code_no
    JOIN batch_region_key k ON k.idx = x.region_key_no
    JOIN batch_region_text t ON t.idx = x.region_text_no
),
named AS (
    SELECT DISTINCT region_key, period, period_start, period_end FROM located
    WHERE region_code IS NULL AND region_key IS NOT NULL
),
candidates AS (
    SELECT n.region_key, n.period, rn.code,
           (r.valid_from IS NULL OR r.valid_from < n.period_end) AND (r.valid_to IS NULL OR r.valid_to > n.period_start) AS existed
    FROM named n JOIN region_name rn ON rn.name_key = n.region_key JOIN region r ON r.code = rn.code
),
by_name AS (
    SELECT region_key, period,
           CASE WHEN count(DISTINCT code) FILTER (existed) = 1 THEN any_value(code) FILTER (existed)
                WHEN count(DISTINCT code) FILTER (existed) = 0 AND count(DISTINCT code) = 1 THEN any_value(code)
           END AS code,
           string_agg(DISTINCT code, ', ' ORDER BY code) AS all_codes,
           count(DISTINCT code) AS n_any
    FROM candidates GROUP BY ALL
),
resolved AS (
    SELECT l.*, coalesce(l.region_code, bn.code) AS code, l.region_code IS NULL AS by_name, bn.n_any, bn.all_codes
    FROM located l LEFT JOIN by_name bn ON bn.region_key = l.region_key AND bn.period = l.period
)
SELECT s.region_code_no, s.region_key_no, s.region_text_no, s.period_no,
       s.code AS region_code, s.region_text, s.period, s.all_codes,
       r.name AS region_name, r.valid_from, r.valid_to,
       coalesce((r.valid_from IS NULL OR r.valid_from < s.period_end) AND (r.valid_to IS NULL OR r.valid_to > s.period_start), true) AS existed,
       CASE WHEN s.code IS NULL AND s.by_name AND s.n_any IS NULL THEN 'unknown_name'
            WHEN s.code IS NULL AND s.by_name THEN 'ambiguous_name'
            WHEN r.code IS NULL THEN 'unknown_code'
       END AS problem,
       -- dense numbers of the resolved code and the period, for the duplicate check
       dense_rank() OVER (ORDER BY s.code) AS code_rank,
       dense_rank() OVER (ORDER BY s.period) AS period_rank
FROM resolved s LEFT JOIN region r ON r.code = s.code
"""

# Each row with a resolved region as one number: (indicator, region, period) in dense ranks.
ROW_KEY_SQL = """
SELECT b.row_no, b.record,
       ((i.indicator_rank - 1) * ? + (p.code_rank - 1)) * ? + (p.period_rank - 1) AS key
FROM batch_obs b
JOIN judged_pair p USING (region_code_no, region_key_no, region_text_no, period_no)
JOIN (SELECT idx, dense_rank() OVER (ORDER BY value) AS indicator_rank FROM batch_indicator WHERE value IS NOT NULL) i
  ON i.idx = b.indicator_id_no
WHERE p.region_code IS NOT NULL
"""

# Whether different codes always mean different keys: each indicator and period text occurs once
# among the codes, and each region (resolved) in a period comes from one region text.
CODES_ARE_KEYS_SQL = """
SELECT (SELECT count(value) = count(DISTINCT value) FROM batch_indicator)
   AND (SELECT count(value) = count(DISTINCT value) FROM batch_period)
   AND NOT EXISTS (SELECT 1 FROM judged_pair WHERE region_code IS NOT NULL
                   GROUP BY region_code, period HAVING count(DISTINCT region_text_no) > 1)
"""

# Keys that occur more than once in the batch: every occurrence after the first is refused.
DUPLICATE_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE duplicate_row AS
SELECT row_no, first_record FROM (
    SELECT row_no, record, min(record) OVER same_key AS first_record, count(*) OVER same_key AS n
    FROM ({keys}) WINDOW same_key AS (PARTITION BY key))
WHERE n > 1 AND record > first_record
""".format(keys=ROW_KEY_SQL)

# The values each rejection reason of the staging names, in the order the SQL below passes them to
# format(). The texts are the catalogue's (`rejected.store.<problem>`); `reason_templates` turns
# each into a format() template with positions (`{0}`), the one-row table `batch_reason`.
REASON_VALUES = {
    "unknown_name": ("region_text",),
    "ambiguous_name": ("region_text", "year", "codes"),
    "unknown_code": ("region_code",),
    "duplicate": ("indicator_id", "region_code", "period", "first_record"),
    "not_existing": ("region_code", "region_name", "period", "valid_from", "valid_to"),
}
# A reason for a row that cannot be loaded, in one language (`$lang`): null for a good row.
_REASON_SQL = string.Template("""CASE problem
         WHEN 'unknown_name' THEN format(reason.unknown_name_$lang, region_text)
         WHEN 'ambiguous_name' THEN format(reason.ambiguous_name_$lang, region_text, left(period, 4), all_codes)
         WHEN 'unknown_code' THEN format(reason.unknown_code_$lang, region_code)
         WHEN 'duplicate' THEN format(reason.duplicate_$lang, indicator_id, region_code, period, first_record)
         WHEN 'not_existing' THEN format(reason.not_existing_$lang, region_code, region_name, period,
                                         coalesce(strftime(valid_from, '%d-%m-%Y'), reason.since_ever_$lang),
                                         coalesce(strftime(valid_to, '%d-%m-%Y'), reason.until_now_$lang))
       END AS reason_$lang""")


def reason_templates() -> pa.Table:
    """`batch_reason`: one row, a column `<problem>_<lang>` per reason and language with its
    format() template, and `since_ever_<lang>` / `until_now_<lang>` for an open validity."""
    columns: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        for problem, names in REASON_VALUES.items():
            template = catalogue(lang)[f"rejected.store.{problem}"]
            positional = "".join(
                literal.replace("{", "{{").replace("}", "}}") + ("" if name is None else "{" + str(names.index(name)) + "}")
                for literal, name, _, _ in string.Formatter().parse(template))
            columns[f"{problem}_{lang}"] = [positional]
        for word in ("since_ever", "until_now"):
            columns[f"{word}_{lang}"] = [catalogue(lang)[f"rejected.store.{word}"]]
    return pa.table(columns)


# Every row next to its pair's verdict, with a reason when it cannot be loaded: `staged`, the
# relation the merge and the dry run read (a view: the rows are not copied). `$view` and `$pairs`
# are filled in from `Staging._stage_rows`.
STAGED_VIEW_SQL = string.Template("""
CREATE OR REPLACE TEMP VIEW $view AS
WITH judged AS (
    SELECT b.row_no, b.record, CAST(b.indicator_id AS VARCHAR) AS indicator_id, p.region_code, p.region_text, p.period,
           b.value, CAST(b.status AS VARCHAR) AS status, b.raw, p.existed, p.all_codes, p.region_name, p.valid_from, p.valid_to,
           d.first_record, k.no AS indicator_no, p.region_no, p.period_key, p.source_no,
           list_position($statuses, st.value) - 1 AS given_status_no,
           coalesce(p.problem, CASE WHEN d.row_no IS NOT NULL THEN 'duplicate'
                                    WHEN b.value IS NOT NULL AND NOT p.existed THEN 'not_existing' END) AS problem
    FROM batch_obs b
    JOIN $pairs p USING (region_code_no, region_key_no, region_text_no, period_no)
    JOIN indicator_key k ON k.idx = b.indicator_id_no
    JOIN batch_status st ON st.idx = b.status_no
    LEFT JOIN duplicate_row d USING (row_no)
)
SELECT row_no, record, indicator_id, region_code, period, batch_source.source_table,
       indicator_no, region_no, period_key, source_no,
       CASE WHEN problem IS NULL THEN value END AS value,
       -- missing is missing, and no value for a region that did not exist then is impossible
       CASE WHEN value IS NOT NULL THEN status
            WHEN status = 'impossible' OR NOT existed THEN 'impossible'
            ELSE 'missing' END AS status,
       CAST(CASE WHEN value IS NOT NULL THEN given_status_no
                 WHEN given_status_no = 3 OR NOT existed THEN 3 ELSE 2 END AS UTINYINT) AS status_no,
       problem,
       CASE WHEN problem IS NOT NULL THEN coalesce(raw, concat_ws(';', indicator_id, region_text, period, CAST(value AS VARCHAR))) END AS raw,
       CASE WHEN problem IS NOT NULL THEN 'region' END AS field,
       $reason_nl,
       $reason_en
FROM judged CROSS JOIN batch_source CROSS JOIN batch_reason reason
""".replace("$reason_nl", _REASON_SQL.substitute(lang="nl")).replace("$reason_en", _REASON_SQL.substitute(lang="en")))

STAGING_TABLES = ("batch_indicator", "batch_region_code", "batch_region_key", "batch_region_text", "batch_period",
                   "batch_status", "batch_source", "judged_pair", "duplicate_row")
STAGING_VIEWS = ("staged_refusable", "staged", "pair_key", "indicator_key")
STATUS_LIST = repr(list(STATUSES))  # a DuckDB list literal: ['definitive', 'provisional', ...]

# The batch's keys as the store numbers them (`observation_*` tables): per distinct indicator text
# and per judged pair, so no row's text is ever looked up. A key the store does not know yet has
# no number (null) until `NUMBER_NEW_KEYS_SQL` gives it one.
KEY_VIEWS_SQL = [
    """CREATE OR REPLACE TEMP VIEW indicator_key AS
       SELECT b.idx, i.no FROM batch_indicator b LEFT JOIN observation_indicator i ON i.id = b.value""",
    """CREATE OR REPLACE TEMP VIEW pair_key AS
       SELECT p.*, r.no AS region_no, q.no AS period_key, s.no AS source_no
       FROM judged_pair p LEFT JOIN observation_region r ON r.code = p.region_code
       LEFT JOIN observation_period q ON q.period = p.period
       LEFT JOIN observation_source s ON s.source_table = (SELECT source_table FROM batch_source)""",
]
# New keys get the numbers after the highest in use.
NUMBER_NEW_KEYS_SQL = [
    """INSERT INTO observation_indicator
       SELECT (SELECT coalesce(max(no), 0) FROM observation_indicator) + row_number() OVER (ORDER BY value), value
       FROM (SELECT DISTINCT value FROM batch_indicator WHERE value IS NOT NULL
             AND value NOT IN (SELECT id FROM observation_indicator))""",
    """INSERT INTO observation_region
       SELECT (SELECT coalesce(max(no), 0) FROM observation_region) + row_number() OVER (ORDER BY code), code
       FROM (SELECT DISTINCT region_code AS code FROM judged_pair WHERE region_code IS NOT NULL
             AND region_code NOT IN (SELECT code FROM observation_region))""",
    """INSERT INTO observation_period
       SELECT (SELECT coalesce(max(no), 0) FROM observation_period) + row_number() OVER (ORDER BY period), period
       FROM (SELECT DISTINCT period FROM judged_pair WHERE period IS NOT NULL
             AND period NOT IN (SELECT period FROM observation_period))""",
    """INSERT INTO observation_source
       SELECT (SELECT coalesce(max(no), 0) FROM observation_source) + 1, source_table FROM batch_source
       WHERE source_table NOT IN (SELECT source_table FROM observation_source)""",
]
