with source as (
    select * from {{ source('staging', 'reports') }}
),

raw_files as (
    select
        report_id,
        file_name,
        relative_path,
        size_bytes,
        received_at
    from {{ source('raw', 'report_files') }}
),

renamed as (
    select
        source.report_id,
        source.doc as file_name,
        raw_files.relative_path,
        raw_files.size_bytes,
        source.source_format,
        source.encoding,
        source.province as province_name,
        source.scope,
        source.province_source,
        source.outlet,
        source.source_url,
        source.report_date,
        source.report_date_source,
        source.period_label,
        source.period_start,
        source.period_end,
        source.figure_count,
        source.extractor_version,
        source.received_date,
        raw_files.received_at,
        source.staged_at
    from source
    join raw_files using (report_id)
)

select * from renamed
