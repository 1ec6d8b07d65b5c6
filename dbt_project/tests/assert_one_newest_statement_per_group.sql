-- Each province × period × measure × unit has exactly one newest statement, in every group the
-- unvalidated reports touch (the groups an incremental run recomputed).
with touched as (
    select distinct statement_group
    from {{ ref('fct_measure_statements') }}
    where {{ unvalidated_reports_only() }}
)

select
    statements.province_code,
    statements.period_start,
    statements.period_end,
    statements.measure,
    statements.unit_of_measure,
    count(*) filter (where statements.is_newest) as newest_statements
from {{ ref('fct_measure_statements') }} as statements
join touched using (statement_group)
group by 1, 2, 3, 4, 5
having count(*) filter (where statements.is_newest) <> 1
