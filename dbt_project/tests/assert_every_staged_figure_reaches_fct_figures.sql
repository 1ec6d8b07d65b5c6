-- No figure is lost on the way: every staged figure is in fct_figures, with the same value.
select staged.figure_id
from {{ source('staging', 'figures') }} as staged
left join {{ ref('fct_figures') }} as mart using (figure_id)
where {{ unvalidated_reports_only('staged.report_id') }}
    and (mart.figure_id is null or mart.value <> staged.value)
