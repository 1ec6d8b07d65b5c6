{#- A macro that returns a value (return()) has a file of its own: sqlfluff's jinja templater
    (`make lint`) catches a return() only where a macro of another file is called. -#}

{#- The columns that place a row: its report, province and period. -#}
{% macro report_grain(with_period=true) -%}
    {{ return(['report_id', 'province_code', 'province_name', 'report_date', 'period_label']
              + (['period_start', 'period_end'] if with_period else [])) }}
{%- endmacro %}
