-- Campaign activity, per report × province × period × activity.
{% set measures = {
    'campaign.events': 'events',
    'campaign.locations': 'places',
    'campaign.participants': 'participants',
    'campaign.households': 'households',
    'campaign.materials': 'materials',
    'campaign.media': 'media_items',
    'campaign.outreach': 'outreach_contacts',
} %}
{{ incremental_report_config(grain='campaign_key') }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and domain = 'campaign'
),

final as (
    select
        md5(concat_ws('|', report_id, activity)) as campaign_key,
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        period_start,
        period_end,
        activity,
        {{ measure_columns(measures) }},
        count(*) as figure_count,
        max(report_staged_at) as report_staged_at
    from figures
    group by report_id, province_code, province_name, report_date, period_label,
        period_start, period_end, activity
)

select * from final
