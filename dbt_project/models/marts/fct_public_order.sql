-- Mediation, domestic violence, reintegration and patrols, per report × province × period.
{% set measures = {
    'mediation.cases': 'disputes_mediated',
    'family_violence.cases': 'family_violence_cases',
    'reintegration.people': 'people_reintegrated',
    'patrols.count': 'patrols',
} %}
{{ incremental_report_config() }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and domain = 'public_order'
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
    group by report_id, province_code, province_name, report_date, period_label, period_start, period_end
)

select * from final
