{#
  The lines of measures.csv (the measures seed) that route measures to a mart (measure_marts.sql).

  dbt cannot read a file while it compiles a model, so the lines are read from the loaded seed:
  run_query on ref('measures') when the model is compiled to run. The ref also makes the seed a
  parent of every mart, so `dbt build` (and each Cosmos task) loads it first. While dbt parses
  (execute is false) there are no lines yet; the SQL rendered then is never run.

  A file of its own, as every macro that returns a value (report_grain.sql says why).
#}

{#- The seed's lines routed to `mart` (this model by default), in the order of measures.csv: ctid
    is the order `dbt seed` inserted them in (a seed table is only ever truncated and filled). -#}
{% macro mart_routes(mart=none) -%}
    {%- set measures = ref('measures') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set mart = mart or this.identifier -%}
    {%- set found = run_query(
        "select measure, mart_column, mart_kind from " ~ measures ~ " where mart = '" ~ mart ~ "' order by ctid") -%}
    {%- set routes = [] -%}
    {%- for row in found.rows -%}
        {%- do routes.append({'measure': row['measure'], 'mart_column': row['mart_column'], 'mart_kind': row['mart_kind']}) -%}
    {%- endfor -%}
    {%- if not routes -%}
        {{ exceptions.raise_compiler_error("measures.csv routes no measure to " ~ mart ~ " (its `mart` column)") }}
    {%- endif -%}
    {{ return(routes) }}
{%- endmacro %}
