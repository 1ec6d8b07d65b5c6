with source as (
    select * from {{ source('staging', 'sentences') }}
),

renamed as (
    select
        report_id,
        sentence_no,
        sentence
    from source
)

select * from renamed
