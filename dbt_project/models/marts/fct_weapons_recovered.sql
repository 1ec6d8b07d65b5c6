-- Weapons, ammunition and explosives recovered or handed in, per report × province × period × category × unit.
{{ incremental_report_config(grain='weapons_key') }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and domain = 'weapons'
),

final as (
    select
        md5(concat_ws('|', report_id, measure, unit)) as weapons_key,
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        period_start,
        period_end,
        replace(measure, 'weapons.', '') as category,
        unit,
        sum(value) as quantity,
        bool_or(is_approximate) as is_approximate,
        count(*) as figure_count,
        max(report_staged_at) as report_staged_at
    from figures
    group by report_id, province_code, province_name, report_date, period_label, period_start,
        period_end, measure, unit
)

select * from final
