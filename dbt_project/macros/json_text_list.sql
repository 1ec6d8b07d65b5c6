{# A jsonb attribute that is either a string or a list of strings, as one readable text ("a; b"). #}
{% macro json_text_list(column, key) -%}
    case jsonb_typeof({{ column }} -> '{{ key }}')
        when 'array' then (
            select string_agg(elem, '; ' order by elem)
            from jsonb_array_elements_text({{ column }} -> '{{ key }}') as elem
        )
        else {{ column }} ->> '{{ key }}'
    end
{%- endmacro %}
