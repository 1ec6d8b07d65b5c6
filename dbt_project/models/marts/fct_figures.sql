-- Every figure, long: nothing extracted is lost on the way to the marts.
-- fct_period_ranges reads this mart's previous build: it is built just before it
-- depends_on: {{ ref('fct_period_ranges') }}
{#- the (province, measure, period) index serves fct_measure_statements and GX's previous-period rule -#}
{{ incremental_report_config(grain='figure_id', indexes=[
    {'columns': ['province_code', 'measure', 'period_end', 'period_start'], 'include': ['unit', 'value']},
]) }}

-- not materialized: PostgreSQL would otherwise write every column of every figure (the sentence
-- included) to a temporary store and read it back three times; each use below reads only its columns
with figures as not materialized (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
),

wholes as (
    -- a part ("trong đó 655 ...", "gồm 07 cụm ...") points at the nearest earlier figure written as its whole
    select distinct on (parts.figure_id)
        parts.figure_id,
        whole.figure_id as part_of_figure_id,
        -- "22 cụm ... gồm 01 ..., 07 ..., 12 ...": the parts are an exhaustive breakdown of the whole,
        -- while "trong đó" only names some of it
        parts.sentence ~ (
            '(^|[^0-9.,])' || regexp_replace(whole.surface, '([.])', '\\\1', 'g')
            || '[^0-9.,][^;]*?(bao )?gồm'
        ) as is_breakdown_part
    from figures as parts
    join figures as whole
        on parts.report_id = whole.report_id
            and parts.part_of_surface = whole.surface
            and parts.char_start > whole.char_start
    where parts.part_of_surface is not null
    order by parts.figure_id asc, whole.char_start desc
),

final as (
    select
        figures.figure_id,
        figures.report_id,
        figures.file_name as doc,
        figures.province_code,
        figures.province_name,
        figures.current_province_code,
        figures.report_date,
        figures.period_label,
        figures.period_start,
        figures.period_end,
        figures.measure,
        figures.domain,
        figures.value,
        figures.unit,
        figures.qualifier,
        figures.is_approximate,
        figures.surface,
        wholes.part_of_figure_id,
        coalesce(wholes.is_breakdown_part, false) as is_breakdown_part,
        figures.attrs,
        figures.char_start,
        figures.char_end,
        figures.sentence,
        figures.extractor_version,
        figures.report_staged_at
    from figures
    left join wholes using (figure_id)
)

select * from final
