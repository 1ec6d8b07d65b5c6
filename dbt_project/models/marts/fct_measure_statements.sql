-- What each report states for a measure of a province and period, and which statement is the newest.
-- Two reports of the same province and period may both state a measure with different values: both
-- rows stay; sum only `where is_newest` to count each province × period × measure once.
{{ config(materialized='view') }}

with figures as (
    select * from {{ ref('fct_figures') }}
    where province_code is not null
      and not is_breakdown_part  -- already inside the whole it breaks down
),

measures as (
    select measure, unit as default_unit from {{ ref('measures') }}
),

per_report as (
    select
        figures.report_id,
        figures.province_code,
        figures.period_start,
        figures.period_end,
        figures.measure,
        -- weights and percentages do not add to counts
        case
            when figures.unit ~* '^(kg|tấn)' then 'kg'
            when figures.unit = '%' then '%'
            else coalesce(measures.default_unit, 'count')
        end as unit_of_measure,
        sum(figures.value) as value,
        bool_or(figures.is_approximate) as is_approximate,
        count(*) as figure_count
    from figures
    left join measures using (measure)
    group by 1, 2, 3, 4, 5, 6
),

ranked as (
    select
        per_report.*,
        reports.report_date,
        reports.received_at,
        first_value(per_report.report_id) over statement as newest_report_id,
        count(*) over (partition by per_report.province_code, per_report.period_start,
            per_report.period_end, per_report.measure, per_report.unit_of_measure) as statements
    from per_report
    join {{ ref('dim_report') }} as reports using (report_id)
    window statement as (
        partition by per_report.province_code, per_report.period_start, per_report.period_end,
            per_report.measure, per_report.unit_of_measure
        order by reports.report_date desc nulls last, reports.received_at desc, per_report.report_id
    )
),

final as (
    select
        md5(concat_ws('|', report_id, period_start, period_end, measure, unit_of_measure)) as statement_key,
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
        statements
    from ranked
)

select * from final
