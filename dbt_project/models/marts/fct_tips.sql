-- What the public told the police and what came of it, per report × province × period.
{% set measures = {
    'tips.received': 'tips_received',
    'tips.valuable': 'tips_valuable',
    'tips.cases': 'cases',
    'tips.arrests': 'arrests',
} %}
{{ incremental_report_config() }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and domain = 'tips'
),

final as (
    select
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        period_start,
        period_end,
        {{ measure_columns(measures) }},
        count(*) as figure_count,
        max(report_staged_at) as report_staged_at
    from figures
    group by report_id, province_code, province_name, report_date, period_label,
        period_start, period_end
)

select * from final
