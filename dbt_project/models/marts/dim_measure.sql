-- The measure taxonomy, for BI labels and grouping.
with measures as (
    select * from {{ ref('measures') }}
),

final as (
    select
        measure,
        domain,
        fact,
        unit,
        label_vi,
        label_en,
        "what counts" as description
    from measures
)

select * from final
