-- Every measure of measures.csv reaches a mart: its line names a mart of this project, a column that
-- mart declares (its yml), and a mart_kind exactly when the mart has one row per kind; and that mart
-- runs holds_its_measures, which checks the figures add up there. A measure added to measures.csv
-- without its mart, or routed to a mart that does not check it, fails here.
{%- set checked = [] %}
{%- if execute %}
    {%- for test in graph.nodes.values() if test.resource_type == 'test'
            and (test.test_metadata or {}).get('name') == 'holds_its_measures' %}
        {%- set mart = graph.nodes[test.attached_node] %}
        {%- set has_kinds = test.test_metadata.kwargs.get('kind_column') is not none %}
        {%- for column in mart.columns %}
            {%- do checked.append("('" ~ mart.name ~ "', '" ~ column ~ "', " ~ has_kinds ~ ")") %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}

with measures as (
    select * from {{ ref('measures') }}
),

checked (mart, mart_column, has_kinds) as (
    values {{ checked | join(', ') if checked else "(null, null, null::boolean)" }}
)

select
    measures.measure,
    measures.mart,
    measures.mart_column,
    measures.mart_kind
from measures
left join checked
    on measures.mart = checked.mart
        and measures.mart_column = checked.mart_column
        and checked.has_kinds = (measures.mart_kind is not null)
where checked.mart is null
