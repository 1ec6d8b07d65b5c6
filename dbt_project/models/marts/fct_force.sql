-- Local security staff (commune police, part-time officers, civil guards), per report × province × period × role.
{{ incremental_report_config(grain='force_key') }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and measure = 'police.officers'
),

final as (
    select
        md5(concat_ws('|', report_id, coalesce(attrs ->> 'role', unit))) as force_key,
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        period_start,
        period_end,
        coalesce(attrs ->> 'role', unit) as role,
        sum(value) as officers,
        bool_or(is_approximate) as is_approximate,
        count(*) as figure_count,
        max(report_staged_at) as report_staged_at
    from figures
    group by report_id, province_code, province_name, report_date, period_label, period_start,
        period_end, coalesce(attrs ->> 'role', unit)
)

select * from final
