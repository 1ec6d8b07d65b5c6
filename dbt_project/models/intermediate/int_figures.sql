-- One row per figure, joined to its report and to the measure taxonomy: the grain every mart starts from.
with figures as (
    select * from {{ ref('stg_figures') }}
),

-- each figure's sentence is stored once per report, under staging.sentences' primary key
-- (report_id, sentence_no)
sentences as (
    select * from {{ ref('stg_sentences') }}
),

reports as (
    select * from {{ ref('int_reports') }}
),

measures as (
    select
        measure,
        domain,
        fact
    from {{ ref('measures') }}
),

final as (
    select
        figures.figure_id,
        figures.report_id,
        reports.file_name,
        reports.province_code,
        reports.province_name,
        reports.current_province_code,
        reports.report_date,
        reports.period_label,
        reports.period_start,
        reports.period_end,
        figures.measure,
        measures.domain,
        measures.fact,
        figures.value,
        figures.unit,
        figures.qualifier,
        figures.is_approximate,
        figures.surface,
        figures.attrs,
        -- activity of a campaign figure; the general movement when the report names none
        coalesce(figures.attrs ->> 'activity', 'phong trào toàn dân bảo vệ ANTQ') as activity,
        figures.attrs ->> 'part_of' as part_of_surface,
        figures.char_start,
        figures.char_end,
        -- a scalar subquery, one primary-key lookup per figure, and only in a query that reads the
        -- sentence: PostgreSQL drops an output column nobody reads from a view, not a join. A figure
        -- whose sentence is missing shows as a null sentence (tested), not a lost figure. (A join,
        -- lateral or not, was planned as a hash of every sentence of the history, for a night of ten
        -- reports too, and in every mart that reads no sentence)
        (
            select sentences.sentence
            from sentences
            where
                sentences.report_id = figures.report_id
                and sentences.sentence_no = figures.sentence_no
        ) as sentence,
        figures.ordinal,
        figures.extractor_version,
        reports.staged_at as report_staged_at
    from figures
    join reports using (report_id)
    left join measures using (measure)
)

select * from final
