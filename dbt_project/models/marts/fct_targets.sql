-- Results against a stated target: one row per target.achievement figure. The stated percentage is
-- kept as written and set beside the one computed from actual/target; pct_consistent flags a mismatch.
{{ incremental_report_config(grain='figure_id') }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and measure = 'target.achievement'
),

typed as (
    select
        figure_id,
        report_id,
        file_name as doc,
        province_code,
        province_name,
        report_date,
        period_label,
        measure,
        attrs ->> 'subject' as subject,
        unit,
        qualifier,
        value as actual,
        nullif(attrs ->> 'target', '')::numeric as target,
        nullif(attrs ->> 'stated_pct', '')::numeric as stated_pct,
        sentence,
        report_staged_at
    from figures
),

final as (
    select
        typed.*,
        round(100 * actual / nullif(target, 0), 2) as computed_pct,
        case
            when stated_pct is null or nullif(target, 0) is null then null
            else abs(stated_pct - 100 * actual / target) <= {{ var('pct_tolerance_points', 0.5) }}
        end as pct_consistent
    from typed
)

select * from final
