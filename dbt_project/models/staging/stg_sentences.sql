with source as (
    select * from {{ source('staging', 'sentences') }}
),

renamed as (
    select
        report_id,
        sentence_no,
        sentence
    from source
),

final as (
    select * from renamed
)

select * from final
