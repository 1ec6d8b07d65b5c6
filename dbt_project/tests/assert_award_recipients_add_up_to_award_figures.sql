-- Every award figure is counted once in fct_awards.
with from_figures as (
    select report_id, sum(value) as recipients from {{ ref('fct_figures') }}
    where domain = 'awards' and {{ unvalidated_reports_only() }}
    group by report_id
),

from_mart as (
    select report_id, sum(recipients) as recipients from {{ ref('fct_awards') }}
    where {{ unvalidated_reports_only() }}
    group by report_id
)

select *
from from_figures
full join from_mart using (report_id)
where from_figures.recipients is distinct from from_mart.recipients
