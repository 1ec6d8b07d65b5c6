-- One row per figure, joined to its report and to the measure taxonomy: the grain every mart starts from.
with figures as (
    select * from {{ ref('stg_figures') }}
),

-- each figure's sentence is stored once per report: the join is on staging.sentences' primary key
-- (report_id, sentence_no), so a mart that filters by report_id reads just those reports' sentences
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
        sentences.sentence,
        figures.ordinal,
        figures.extractor_version,
        reports.staged_at as report_staged_at
    from figures
    join reports using (report_id)
    -- left: a figure whose sentence is missing shows as a null sentence (tested), not a lost figure.
    -- lateral: one primary-key lookup per figure; as a plain join PostgreSQL hashes every sentence
    -- of the history even when a night asks for ten reports' figures
    left join lateral (
        select sentences.sentence
        from sentences
        where sentences.report_id = figures.report_id
            and sentences.sentence_no = figures.sentence_no
    ) as sentences on true
    left join measures using (measure)
)

select * from final
