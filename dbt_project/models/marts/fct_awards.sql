-- Recipients of commendations, per report × issuer × award type × recipient kind × status.
{{ incremental_report_config(grain='award_key') }}

with figures as (
    select * from {{ ref('int_figures') }}
    where {{ new_reports_only() }}
      and domain = 'awards'
),

typed as (
    select
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        coalesce({{ json_text_list('attrs', 'issuer') }}, 'unknown') as issuer,
        coalesce({{ json_text_list('attrs', 'award_type') }}, 'other') as award_type,
        case measure
            when 'awards.collectives' then 'collective'
            when 'awards.individuals' then 'individual'
            else 'mixed'
        end as recipient_kind,
        coalesce(attrs ->> 'status', 'awarded') as status,
        value,
        is_approximate,
        figure_id,
        report_staged_at
    from figures
),

final as (
    select
        md5(concat_ws('|', report_id, issuer, award_type, recipient_kind, status)) as award_key,
        report_id,
        province_code,
        province_name,
        report_date,
        period_label,
        issuer,
        award_type,
        recipient_kind,
        status,
        sum(value) as recipients,
        bool_or(is_approximate) as is_approximate,
        count(*) as figure_count,
        array_agg(figure_id order by figure_id) as figure_ids,
        max(report_staged_at) as report_staged_at
    from typed
    group by report_id, province_code, province_name, report_date, period_label,
        issuer, award_type, recipient_kind, status
)

select * from final
