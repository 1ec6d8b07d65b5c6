{#
  Nothing is lost on the way to a mart fed by measures.csv: per report, the staged figures of each
  measure routed to the mart add up to the mart's column for it (its `mart_column`, on the rows of
  its `mart_kind` when the mart has a `kind_column`). A figure the mart drops, counts twice or files
  under another column or kind fails the test. tests/assert_every_measure_reaches_a_mart.sql checks
  that every measure is routed to a mart that runs this test.
  Scoped like the other tests (validation_scope.sql), on both sides, so `model` is the mart itself.
#}
{% test holds_its_measures(model, kind_column=none) %}
{{ config(where='') }}
{%- set routes = mart_routes(model.identifier) %}
with staged as (
    select figures.report_id, measures.mart_column, coalesce(measures.mart_kind, '') as mart_kind,
        sum(figures.value) as value
    from {{ source('staging', 'figures') }} as figures
    join {{ ref('measures') }} as measures using (measure)
    where measures.mart = '{{ model.identifier }}'
      and {{ unvalidated_reports_only('figures.report_id') }}
    group by 1, 2, 3
),

in_mart as (
    -- the mart's columns unpivoted: one (column, value) per routed column of each row
    select mart.report_id, columns.mart_column,
        {{ 'mart.' ~ kind_column ~ '::text' if kind_column else "''" }} as mart_kind, sum(columns.value) as value
    from {{ model }} as mart
    cross join lateral (values
        {%- for column in routes | map(attribute='mart_column') | unique %}
        ('{{ column }}', mart.{{ column }}::numeric){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as columns (mart_column, value)
    where {{ unvalidated_reports_only('mart.report_id') }}
        {%- if kind_column %}
      and mart.{{ kind_column }} in ({% for route in routes %}'{{ route.mart_kind }}'{% if not loop.last %}, {% endif %}{% endfor %})
        {%- endif %}
    group by 1, 2, 3
)

select *
from staged
full join in_mart using (report_id, mart_column, mart_kind)
where staged.value is distinct from in_mart.value
{% endtest %}
