{# For a pivoted fact: the summed value of each measure and whether any of it is qualified
   ("hơn", "gần"), so a BI reader never mistakes a lower bound for an exact count. #}
{% macro measure_columns(measures) -%}
    {%- for measure, column in measures.items() %}
        sum(value) filter (where measure = '{{ measure }}') as {{ column }},
        coalesce(bool_or(is_approximate) filter (where measure = '{{ measure }}'), false) as {{ column }}_is_approximate
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
