-- Reports with their province resolved against the reference table valid at the report's date,
-- and the successor province after the 2025 reorganisation for roll-ups.
-- A table, incremental per report like the marts: every mart joins it by report_id, and a table
-- with a unique index is what lets PostgreSQL look up a night's few reports instead of joining all.
{{ incremental_report_config(grain='report_id') }}

with reports as (
    select * from {{ ref('stg_reports') }}
    where {{ new_reports_only() }}
),

provinces as (
    select * from {{ ref('provinces') }}
),

final as (
    select
        reports.*,
        matched.province_code,
        matched.successor_code as current_province_code,
        matched.successor_name as current_province_name,
        reports.staged_at as report_staged_at
    from reports
    -- lateral, per report, rather than a window over every report: a night's query for a few
    -- reports then resolves only theirs (PostgreSQL cannot push a report filter into a window)
    left join lateral (
        select
            provinces.province_code,
            provinces.successor_code,
            provinces.successor_name
        from provinces
        where provinces.province_name = reports.province_name
        -- a name used before and after 2025 (Thái Nguyên) means the unit of the report's time
        -- before July 2025 the oldest row, after it the newest
        order by
            case
                when coalesce(reports.report_date, reports.period_end, reports.received_date) < date '2025-07-01'
                    then provinces.valid_from - date '1900-01-01'
                else date '1900-01-01' - provinces.valid_from
            end
        limit 1
    ) as matched on true
)

select * from final
