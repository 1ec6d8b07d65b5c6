-- The warehouse's own tables (raw, staging, dq). marts are dbt's. Idempotent: applied by every run.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists marts;
create schema if not exists dq;

-- One row per distinct report content (sha256), bytes kept as received.
create table if not exists raw.report_files (
    report_id     text primary key,            -- sha256 of the bytes
    file_name     text not null,               -- name when first received
    relative_path text not null,               -- path under REPORTS_DIR when first received
    size_bytes    bigint not null,
    content       bytea not null,
    received_at   timestamptz not null default now(),
    received_date date not null,               -- the night (or dated folder) that picked it up
    run_id        text not null
);

-- The ledger: every (path, content) pair seen in the landing folder, so each file is taken once
-- and a renamed copy or a new version under an old name is still recorded.
create table if not exists raw.file_ledger (
    relative_path text not null,
    report_id     text not null,
    size_bytes    bigint not null,
    first_seen_at timestamptz not null default now(),
    run_id        text not null,
    outcome       text not null,               -- loaded | duplicate_content | rejected
    primary key (relative_path, report_id)
);

-- Files that could not become a report and why. Their original bytes stay in raw.report_files
-- (and a copy in the quarantine folder): nothing is lost.
create table if not exists raw.rejected_files (
    report_id     text primary key references raw.report_files (report_id),
    file_name     text not null,
    relative_path text not null,
    reason        text not null,
    rejected_at   timestamptz not null default now(),
    run_id        text not null
);

create table if not exists staging.reports (
    report_id         text primary key references raw.report_files (report_id),
    doc               text not null,
    source_format     text not null,
    encoding          text,
    province          text,
    report_date       date,
    period_label      text,
    period_start      date,
    period_end        date,
    figure_count      integer not null,
    extractor_version text not null,
    received_date     date not null,
    staged_at         timestamptz not null default now()
);

create table if not exists staging.figures (
    figure_id         text primary key,        -- report_id prefix + char span + measure: stable across reruns
    report_id         text not null references staging.reports (report_id) on delete cascade,
    ordinal           integer not null,
    surface           text not null,
    value             numeric not null,
    unit              text not null,
    measure           text not null,
    qualifier         text not null,
    attrs             jsonb not null default '{}'::jsonb,
    char_start        integer not null,
    char_end          integer not null,
    sentence          text not null,
    extractor_version text not null,
    staged_at         timestamptz not null default now()
);
create index if not exists figures_report_idx on staging.figures (report_id);

create table if not exists dq.validation_results (
    id               bigserial primary key,
    run_id           text not null,
    suite            text not null,
    expectation      text not null,
    success          boolean not null,
    unexpected_count integer not null,
    severity         text not null default 'error',
    details          jsonb,
    validated_at     timestamptz not null default now()
);

create table if not exists dq.flagged_figures (
    id          bigserial primary key,
    run_id      text not null,
    figure_id   text not null,
    expectation text not null,
    message     text not null,
    flagged_at  timestamptz not null default now()
);
