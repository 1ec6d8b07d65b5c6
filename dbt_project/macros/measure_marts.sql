{#
  The marts fed by measures.csv. Each line of the seed names the `mart` its measure lands in, the
  `mart_column` that holds its value there and, in a mart with one row per kind of thing
  (fct_awards, fct_models, fct_weapons_recovered, fct_figures), the `mart_kind` its rows carry.
  A mart's figures, its pivoted columns and its kinds are generated from those lines, so a new
  measure is one more line of measures.csv (docs/dbt.md).

  The lines are read by mart_routes (mart_routes.sql); the columns that place a row are
  report_grain's (report_grain.sql).
#}

{#- The figures of the measures routed to this mart, of the reports this run builds. -#}
{% macro mart_figures(source='int_figures') -%}
    select * from {{ ref(source) }}
    where {{ new_reports_only() }}
      and measure in (
        {%- for route in mart_routes() %}'{{ route.measure }}'{% if not loop.last %}, {% endif %}{% endfor -%}
      )
{%- endmacro %}

{#- The kind a figure's row carries in this mart: its measure's mart_kind. -#}
{% macro measure_kind() -%}
    case measure
        {%- for route in mart_routes() %}
        when '{{ route.measure }}' then '{{ route.mart_kind }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- One column per measure (its mart_column): the summed value, and whether any of it is qualified
    ("hơn", "gần"), so a BI reader never mistakes a lower bound for an exact count. -#}
{% macro pivot_columns() -%}
    {%- for route in mart_routes() %}
        sum(value) filter (where measure = '{{ route.measure }}') as {{ route.mart_column }},
        coalesce(bool_or(is_approximate) filter (where measure = '{{ route.measure }}'), false)
            as {{ route.mart_column }}_is_approximate
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#
  A mart with one row per report × province × period [× `by`], summing the figures routed to it.
    key              {name: [columns]}: a hash of report_id and those columns (of `by` or of the
                     figures), as the first column
    by               {column: SQL expression} the rows are also grouped by (measure_kind() for the
                     kind); an expression equal to its column's name is that column of the figures
    values           {column: aggregate}; by default one pivoted column per measure (pivot_columns)
    with_period      group by period_start and period_end too (every mart but fct_awards)
    with_figure_ids  the ids of the figures behind each row, after figure_count
    source           int_figures, or fct_figures where a mart needs is_breakdown_part
-#}
{% macro measure_mart(key={}, by={}, values={}, with_period=true, with_figure_ids=false, source='int_figures') -%}
{%- set grain = report_grain(with_period) + (by.keys() | list) -%}
{%- set key_columns = key.values() | first if key else [] -%}
with figures as (
    {{ mart_figures(source) }}
),

typed as (
    select
        figures.*
        {%- for column, expression in by.items() if expression != column %},
        {{ expression }} as {{ column }}
        {%- endfor %}
    from figures
),

final as (
    select
        {%- for name in key %}
        md5(concat_ws('|', report_id, {{ key_columns | join(', ') }})) as {{ name }},
        {%- endfor %}
        {{ grain | join(',\n        ') }},
        {%- if values %}
        {%- for column, aggregate in values.items() %}
        {{ aggregate }} as {{ column }},
        {%- endfor %}
        {%- else -%}
        {{ pivot_columns() }},
        {%- endif %}
        count(*) as figure_count,
        {%- if with_figure_ids %}
        array_agg(figure_id order by figure_id) as figure_ids,
        {%- endif %}
        max(report_staged_at) as report_staged_at
    from typed
    group by {{ (grain + key_columns) | unique | join(', ') }}
)

select * from final
{%- endmacro %}

{#
  A mart with one row per figure of the measures routed to it: where it is from, `columns`
  ({column: SQL expression over int_figures}), its sentence, then `derived` ({column: SQL
  expression over those columns}).
-#}
{% macro figure_mart(columns, derived={}) -%}
with figures as (
    {{ mart_figures() }}
),

typed as (
    select
        figure_id,
        report_id,
        file_name as doc,
        {#- the report's other columns (report_id comes first, with the figure) #}
        {{ report_grain(with_period=false)[1:] | join(',\n        ') }},
        {%- for column, expression in columns.items() %}
        {{ expression }}{% if expression != column %} as {{ column }}{% endif %},
        {%- endfor %}
        sentence,
        report_staged_at
    from figures
),

final as (
    select
        typed.*
        {%- for column, expression in derived.items() %},
        {{ expression }} as {{ column }}
        {%- endfor %}
    from typed
)

select * from final
{%- endmacro %}
