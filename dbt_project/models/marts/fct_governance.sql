-- Directives issued and amounts of money, per report × province × period.
{% set measures = {
    'documents.issued': 'documents_issued',
    'money.vnd': 'amount_vnd',
} %}
{{ incremental_report_config() }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and domain = 'governance'
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
