-- The warehouse's own tables (raw, staging, dq). marts are dbt's. Idempotent: applied by every run.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists marts;

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
-- The bytes are compressed with lz4 where the server has it: storing them is most of load_raw's
-- time on the server, and lz4 takes a third of the CPU of the default pglz (and reads back faster).
-- Only new rows change; a server built without lz4 keeps pglz.
do $$
begin
    if exists (
        select 1 from pg_settings
        where name = 'default_toast_compression' and 'lz4' = any(enumvals)
    ) and exists (
        select 1 from pg_attribute
        where attrelid = 'raw.report_files'::regclass and attname = 'content' and attcompression <> 'l'
    ) then
        alter table raw.report_files alter column content set compression lz4;
    end if;
end $$;

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
-- why a file was set aside at discovery (outcome rejected), or a note ("new version of …")
alter table raw.file_ledger add column if not exists reason text;

-- Files that could not become a report and why; nothing is lost:
--   stage 'extract'  : the bytes are in raw.report_files, a copy in the quarantine folder;
--   stage 'discover' : never loaded (too large, unreadable, a link to nothing, a name that is not
--                      UTF-8): the bytes, when there are any, are only in the quarantine folder
--                      (quarantine_path); report_id is their sha256, or 'unreadable:<sha256 of the
--                      path>' when the file could not be read at all.
-- A discover-stage row goes away when the same content or path is loaded later (the ledger keeps
-- the history); so this table lists the rejections still standing.
create table if not exists raw.rejected_files (
    report_id     text primary key,
    file_name     text not null,
    relative_path text not null,
    reason        text not null,
    rejected_at   timestamptz not null default now(),
    run_id        text not null
);
alter table raw.rejected_files add column if not exists stage text not null default 'extract';
alter table raw.rejected_files add column if not exists size_bytes bigint;
alter table raw.rejected_files add column if not exists quarantine_path text;
-- older warehouses had every rejected file in raw.report_files; discover-stage ones are not
alter table raw.rejected_files drop constraint if exists rejected_files_report_id_fkey;

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
    sentence_no       integer not null,        -- its sentence in staging.sentences (report_id, sentence_no)
    extractor_version text not null,
    staged_at         timestamptz not null default now()
);
create index if not exists figures_report_idx on staging.figures (report_id);

-- Each sentence of a report once (a sentence carries several figures; its text was most of a
-- figure row's bytes). int_figures gives every figure its sentence back.
create table if not exists staging.sentences (
    report_id   text not null references staging.reports (report_id) on delete cascade,
    sentence_no integer not null,
    sentence    text not null,
    primary key (report_id, sentence_no)
);

-- Upgrade a warehouse whose staging.figures still holds each figure's sentence text: move the
-- sentences out (numbered per report in figure order), then drop the column. dbt's views over
-- staging.figures (transform.stg_figures and the views on it) depend on its columns; they are
-- dropped here and the next `dbt build` creates them again (it runs after every load).
do $$
declare
    dependent text;
begin
    if not exists (select 1 from information_schema.columns
                   where table_schema = 'staging' and table_name = 'figures' and column_name = 'sentence') then
        return;
    end if;
    alter table staging.figures add column if not exists sentence_no integer;
    insert into staging.sentences (report_id, sentence_no, sentence)
    select report_id, row_number() over (partition by report_id order by min(ordinal)), sentence
    from staging.figures
    group by report_id, sentence;
    update staging.figures f set sentence_no = s.sentence_no
    from staging.sentences s
    where s.report_id = f.report_id and s.sentence = f.sentence;
    for dependent in
        select distinct format('%s if exists %I.%I',
                               case c.relkind when 'm' then 'materialized view' else 'view' end, n.nspname, c.relname)
        from pg_depend d
        join pg_rewrite r on r.oid = d.objid
        join pg_class c on c.oid = r.ev_class
        join pg_namespace n on n.oid = c.relnamespace
        where d.classid = 'pg_rewrite'::regclass and d.refobjid = 'staging.figures'::regclass
          and c.oid <> 'staging.figures'::regclass
    loop
        execute 'drop ' || dependent || ' cascade';  -- if exists: an earlier one's cascade may have dropped it
    end loop;
    alter table staging.figures alter column sentence_no set not null;
    alter table staging.figures drop column sentence;
end $$;

-- [dq] begin -------------------------------------------------------------------------------------
-- Schema dq: the verdicts of the Great Expectations checks (expectations/). expectations.dq applies
-- this section alone before it writes (so the checks also run on a database `antq migrate` has not
-- set up): keep it self-contained, idempotent, one statement per `;` at a line's end.
create schema if not exists dq;

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

-- The ledger of validated reports. A run starts by recording the reports it will check (the ones
-- staged after the newest staged_at another run validated: the night's, or a backfill's re-staged
-- ones) with validated_at null; GX's batches are those rows' reports; writing the verdicts sets
-- validated_at. dbt's tests read it too (dbt_project/macros/validation_scope.sql).
create table if not exists dq.validated_reports (
    run_id       text not null,
    report_id    text not null,
    staged_at    timestamptz not null,
    validated_at timestamptz,
    primary key (report_id, staged_at, run_id)
);
create index if not exists validated_reports_being_validated_idx
on dq.validated_reports (report_id) where validated_at is null;
create index if not exists validated_reports_staged_at_idx
on dq.validated_reports (staged_at) where validated_at is not null;
create index if not exists validation_results_run_id_idx on dq.validation_results (run_id);

-- what a person needs to check a flag without a query: how sure the rule is (error: certainly
-- wrong in the text; warning: worth a look), the report's file and the sentence the figure is in
alter table dq.flagged_figures add column if not exists severity text;
alter table dq.flagged_figures add column if not exists report_id text;
alter table dq.flagged_figures add column if not exists file_name text;
alter table dq.flagged_figures add column if not exists sentence text;

-- per run, per rule: how many flags (the data-quality page's second half, after the errors)
create or replace view dq.flags_per_rule as
select
    run_id,
    severity,
    expectation,
    count(*) as flags,
    min(flagged_at) as flagged_at
from dq.flagged_figures
group by run_id, severity, expectation;
create index if not exists flagged_figures_run_id_idx on dq.flagged_figures (run_id);
create index if not exists flagged_figures_figure_id_idx on dq.flagged_figures (figure_id);
-- [dq] end ---------------------------------------------------------------------------------------

-- the newspaper's dateline abbreviation ("BBK"), read by the extractor since 1.3.0
alter table staging.reports add column if not exists outlet text;

-- the night's reports (staged since the last validation) are found through this index, not a scan
create index if not exists reports_staged_at_idx on staging.reports (staged_at);

-- Where a report comes from (#11): what decided its province (manifest | text | outlet of the
-- manifest's url), whether it is a report of a province, the whole country or a region, what decided
-- its date, and the manifest's url.
alter table staging.reports add column if not exists scope text;
alter table staging.reports add column if not exists province_source text;
alter table staging.reports add column if not exists report_date_source text;
alter table staging.reports add column if not exists source_url text;

-- The landing folder's manifest.csv rows (antq/manifest.py), one per report file (relative to the
-- landing folder); a row may come before its file, or after it (then updated_at > the report's
-- staged_at, and the next extraction re-stages the report).
create table if not exists raw.manifest_entries (
    relative_path text primary key,
    url           text,
    published     date,
    province      text,
    scope         text,                        -- province | national | null (no province given)
    manifest_path text not null,               -- the manifest it came from, relative to the landing folder
    line_no       integer not null,
    run_id        text not null,
    updated_at    timestamptz not null default now()
);
-- manifest rows that cannot be used, with the reason (line_no 0: the manifest as a whole); replaced
-- each time the manifest is read, so this lists the rejections of the manifests as they are now
create table if not exists raw.manifest_rejections (
    manifest_path text not null,
    line_no       integer not null,
    line          text not null,
    reason        text not null,
    run_id        text not null,
    rejected_at   timestamptz not null default now(),
    primary key (manifest_path, line_no)
);
