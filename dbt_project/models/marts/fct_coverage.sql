-- Coverage of administrative units ("102/102 xã"): one row per coverage.units figure.
{{ incremental_report_config(grain='figure_id') }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and measure = 'coverage.units'
),

final as (
    select
        figure_id,
        report_id,
        file_name as doc,
        province_code,
        province_name,
        report_date,
        period_label,
        value as covered,
        nullif(attrs ->> 'total', '')::numeric as total,
        coalesce(attrs ->> 'unit_kind', unit) as unit_kind,
        round(100 * value / nullif(nullif(attrs ->> 'total', '')::numeric, 0), 2) as coverage_pct,
        qualifier,
        sentence,
        report_staged_at
    from figures
)

select * from final
