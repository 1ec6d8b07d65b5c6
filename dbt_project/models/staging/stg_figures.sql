with source as (
    select * from {{ source('staging', 'figures') }}
),

renamed as (
    select
        figure_id,
        report_id,
        ordinal,
        surface,
        value::numeric as value,
        unit,
        measure,
        qualifier,
        qualifier <> 'exact' as is_approximate,
        attrs,
        char_start,
        char_end,
        sentence_no,
        extractor_version,
        staged_at
    from source
)

select * from renamed
