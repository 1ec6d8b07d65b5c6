{#
  The body of a per-domain fact (fct_tips, fct_public_order, fct_governance): a domain's figures
  pivoted to one row per report × province × period, one column per measure (see measure_columns).
  One macro so those marts keep the same grain, columns and incremental filter; each model keeps
  its own config and names its domain and measures.
  measures: {measure in int_figures: column name in the mart}, in the order the columns appear.
#}
{% macro per_report_pivot(domain, measures) -%}
with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and domain = '{{ domain }}'
),

final as (
    select
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        period_start,
        period_end,
        {{ measure_columns(measures) }},
        count(*) as figure_count,
        max(report_staged_at) as report_staged_at
    from figures
    group by report_id, province_code, province_name, report_date, period_label, period_start, period_end
)

select * from final
{%- endmacro %}
