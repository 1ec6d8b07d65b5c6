-- Self-management models and groups, per report × province × period × kind × type.
-- kind: model_types (kinds of model), models (models in operation / recognised / replicated),
-- groups (teams, clusters), group_members.
{{ incremental_report_config(grain='model_key') }}

with figures as (
    -- from fct_figures, which knows which parts belong to an exhaustive breakdown
    select * from {{ ref('fct_figures') }}
    where {{ new_reports_only() }}
      and measure in ('models.types', 'models.count', 'groups.count', 'groups.members')
),

typed as (
    select
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        period_start,
        period_end,
        case measure
            when 'models.types' then 'model_types'
            when 'models.count' then 'models'
            when 'groups.count' then 'groups'
            else 'group_members'
        end as kind,
        coalesce(attrs ->> 'group_type', attrs ->> 'status', 'unspecified') as type,
        value,
        is_approximate,
        is_breakdown_part,
        figure_id,
        report_staged_at
    from figures
),

final as (
    select
        md5(concat_ws('|', report_id, kind, type)) as model_key,
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        period_start,
        period_end,
        kind,
        type,
        -- parts of an exhaustive breakdown are already inside their whole: count them once
        sum(value) filter (where not is_breakdown_part) as total,
        sum(value) as total_including_breakdown_parts,
        bool_or(is_approximate) as is_approximate,
        count(*) as figure_count,
        max(report_staged_at) as report_staged_at
    from typed
    group by report_id, province_code, province_name, report_date, period_label, period_start,
        period_end, kind, type
)

select * from final
