-- One row per figure, joined to its report and to the measure taxonomy: the grain every mart starts from.
with figures as (
    select * from {{ ref('stg_figures') }}
),

reports as (
    select * from {{ ref('int_reports') }}
),

measures as (
    select measure, domain, fact from {{ ref('measures') }}
),

final as (
    select
        figures.figure_id,
        figures.report_id,
        reports.file_name,
        reports.province_code,
        reports.province_name,
        reports.current_province_code,
        reports.report_date,
        reports.period_label,
        reports.period_start,
        reports.period_end,
        figures.measure,
        measures.domain,
        measures.fact,
        figures.value,
        figures.unit,
        figures.qualifier,
        figures.is_approximate,
        figures.surface,
        figures.attrs,
        -- activity of a campaign figure; the general movement when the report names none
        coalesce(figures.attrs ->> 'activity', 'phong trào toàn dân bảo vệ ANTQ') as activity,
        figures.attrs ->> 'part_of' as part_of_surface,
        figures.char_start,
        figures.char_end,
        figures.sentence,
        figures.ordinal,
        figures.extractor_version,
        reports.staged_at as report_staged_at
    from figures
    join reports using (report_id)
    left join measures using (measure)
)

select * from final
