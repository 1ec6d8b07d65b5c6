-- One row per report: its file, where and when it is from, and which extractor read it.
{{ incremental_report_config(grain='report_id') }}

with reports as (
    select * from {{ ref('int_reports') }}
    where {{ new_reports_only() }}
),

final as (
    select
        report_id,
        file_name,
        outlet,
        relative_path,
        source_format,
        encoding,
        province_code,
        province_name,
        scope,
        province_source,
        source_url,
        current_province_code,
        current_province_name,
        report_date,
        report_date_source,
        period_label,
        period_start,
        period_end,
        figure_count,
        extractor_version,
        received_date,
        received_at,
        staged_at as report_staged_at
    from reports
)

select * from final
