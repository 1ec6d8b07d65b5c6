-- What each report states for a measure of a province and period, and which statement is the newest.
-- Two reports of the same province and period may both state a measure with different values: both
-- rows stay; sum only `where is_newest` to count each province × period × measure once.
--
-- Incremental by statement group (province × period × measure): a night recomputes only the groups
-- its reports state, or stated before they were re-staged, with every report in them, so is_newest
-- and statements stay right on the older rows of those groups too.
-- depends_on: {{ ref('stg_reports') }}
{{ config(
    materialized='incremental',
    unique_key='statement_group',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    post_hook=[
        "create unique index if not exists fct_measure_statements__statement_key on {{ this }} (statement_key)",
        "create index if not exists fct_measure_statements__statement_group on {{ this }} (statement_group)",
        "create index if not exists fct_measure_statements__report_id on {{ this }} (report_id)",
        "create index if not exists fct_measure_statements__report_staged_at on {{ this }} (report_staged_at)",
        "{{ drop_statements_no_longer_made() }}",
        "{{ analyze_after_a_large_build() }}",
    ],
) }}

-- not materialized: used three times, PostgreSQL would otherwise compute all of it once, the history
-- included, instead of letting each use reach fct_figures' indexes
with figures as not materialized (
    select * from {{ ref('fct_figures') }}
    where province_code is not null
        and not is_breakdown_part  -- already inside the whole it breaks down
),

{% if is_incremental() %}
    touched_groups as (
        select distinct
            province_code,
            period_start,
            period_end,
            measure
        from figures
        where {{ new_reports_only() }}
        union
        select
            province_code,
            period_start,
            period_end,
            measure
        from {{ this }}
        where {{ new_reports_only() }}
    ),

    in_scope as (
    -- lateral: one lookup per touched group through fct_figures' (province_code, measure,
    -- period_end, period_start) index, whatever the planner guesses the number of groups to be
        select figures.*
        from touched_groups as touched
        cross join lateral (
            select figures.* from figures
            where figures.province_code = touched.province_code
                and figures.measure = touched.measure
                and figures.period_end = touched.period_end
                and figures.period_start is not distinct from touched.period_start
            union all
            -- a period without an end: `=` would not match it
            select figures.* from figures
            where figures.province_code = touched.province_code
                and figures.measure = touched.measure
                and figures.period_end is null and touched.period_end is null
                and figures.period_start is not distinct from touched.period_start
        ) as figures
    ),
{% else %}
    in_scope as (
        select * from figures
    ),
{% endif %}

measures as (
    select
        measure,
        unit as default_unit
    from {{ ref('measures') }}
),

per_report as (
    select
        in_scope.report_id,
        in_scope.province_code,
        in_scope.period_start,
        in_scope.period_end,
        in_scope.measure,
        -- weights and percentages do not add to counts
        case
            when in_scope.unit ~* '^(kg|tấn)' then 'kg'
            when in_scope.unit = '%' then '%'
            else coalesce(measures.default_unit, 'count')
        end as unit_of_measure,
        sum(in_scope.value) as value,
        bool_or(in_scope.is_approximate) as is_approximate,
        count(*) as figure_count,
        max(in_scope.report_staged_at) as report_staged_at
    from in_scope
    left join measures using (measure)
    group by 1, 2, 3, 4, 5, 6
),

ranked as (
    select
        per_report.*,
        reports.report_date,
        reports.received_at,
        first_value(per_report.report_id) over statement as newest_report_id,
        count(*) over (
            partition by
                per_report.province_code, per_report.period_start,
                per_report.period_end, per_report.measure, per_report.unit_of_measure
        ) as statements
    from per_report
    join {{ ref('dim_report') }} as reports using (report_id)
    window statement as (
        partition by
            per_report.province_code, per_report.period_start, per_report.period_end,
            per_report.measure, per_report.unit_of_measure
        order by reports.report_date desc nulls last, reports.received_at desc, per_report.report_id asc
    )
),

final as (
    select
        md5(concat_ws('|', report_id, period_start, period_end, measure, unit_of_measure)) as statement_key,
        -- the unit of recomputation: every unit_of_measure of a province × period × measure
        md5(concat_ws(
            '|', province_code, coalesce(period_start::text, '-'), coalesce(period_end::text, '-'),
            measure
        )) as statement_group,
        report_id,
        province_code,
        period_start,
        period_end,
        measure,
        unit_of_measure,
        value,
        is_approximate,
        figure_count,
        report_date,
        report_id = newest_report_id as is_newest,
        newest_report_id,
        statements,
        report_staged_at
    from ranked
)

select * from final
