-- Pivoting loses nothing: per report, fct_campaigns' columns sum to the campaign figures of fct_figures.
with from_figures as (
    select report_id, sum(value) as total
    from {{ ref('fct_figures') }}
    where domain = 'campaign' and {{ unvalidated_reports_only() }}
    group by report_id
),

from_mart as (
    select report_id,
        sum(coalesce(events, 0) + coalesce(places, 0) + coalesce(participants, 0) + coalesce(households, 0)
            + coalesce(materials, 0) + coalesce(media_items, 0) + coalesce(outreach_contacts, 0)) as total
    from {{ ref('fct_campaigns') }}
    where {{ unvalidated_reports_only() }}
    group by report_id
)

select *
from from_figures
full join from_mart using (report_id)
where from_figures.total is distinct from from_mart.total
