-- All-or-nothing publication of the marts (antq/publish.py says why and how). Idempotent: applied
-- by every migrate, after warehouse.sql.
--
-- dbt builds the marts in schema marts_build, which BI cannot read (no USAGE for bi_reader).
-- transform.publish_marts() then swaps the two schemas' names in one transaction: the copy dbt
-- just built becomes `marts`, the copy BI was reading becomes `marts_build`, where the next build
-- catches it up. Renaming a schema locks no table: a BI query running at that moment ends on the
-- previous build, the next one reads the new build, and none sees a mix.
create schema if not exists marts;
create schema if not exists marts_build;
create schema if not exists transform;

-- Every mart model that dbt committed into marts_build since the last publication (a post-hook
-- of the marts, so a model that fails writes no row). Publishing empties it: a second publisher,
-- or a retry of one that already published, finds nothing to publish and swaps nothing back.
create table if not exists transform.marts_builds (
    built_at      timestamptz not null default clock_timestamp(),
    model         text not null,
    invocation_id text
);

-- What BI reads: one row per publication, the newest is in `marts`.
create table if not exists transform.marts_publications (
    publication    bigint generated always as identity primary key,
    published_at   timestamptz not null default clock_timestamp(),
    published_by   text,           -- the DAG run, or "dbt build <invocation id>"
    models         text[] not null, -- the models built since the previous publication
    first_built_at timestamptz,
    last_built_at  timestamptz
);

-- Grants on a schema belong to the schema, not to its name: after the swap, each name gets back
-- the grants it had (bi_reader's USAGE stays on `marts`, never reaches `marts_build`).
create or replace function transform.set_schema_acl(schema_name name, acl aclitem[])
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    owner_oid oid;
    entry record;
begin
    select nspowner into owner_oid from pg_namespace where nspname = schema_name;
    for entry in
        select distinct e.grantee
        from pg_namespace n, aclexplode(n.nspacl) as e
        where n.nspname = schema_name and e.grantee <> owner_oid
    loop
        execute format('revoke all on schema %I from %s', schema_name,
                       case when entry.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(entry.grantee)) end);
    end loop;
    for entry in select * from aclexplode(acl) as e where e.grantee <> owner_oid loop
        execute format('grant %s on schema %I to %s%s', entry.privilege_type, schema_name,
                       case when entry.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(entry.grantee)) end,
                       case when entry.is_grantable then ' with grant option' else '' end);
    end loop;
end $$;
revoke all on function transform.set_schema_acl(name, aclitem[]) from public;

-- Publish what dbt built in marts_build since the last publication; returns the publication's
-- number, or null when nothing was built since. The caller must know that build was complete and
-- tested: dbt's on-run-end hook (a `dbt build` of every node, all passed) or the DAG's publish
-- task (after every dbt task succeeded). SECURITY DEFINER: renaming a schema takes its owner (the
-- warehouse user), and dbt may run as antq_transformer, which may run this and nothing else of it.
create or replace function transform.publish_marts(published_by text default null)
returns bigint
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    marts_acl aclitem[];
    build_acl aclitem[];
    built text[];
    first_built timestamptz;
    last_built timestamptz;
    published bigint;
begin
    perform pg_advisory_xact_lock(hashtext('antq-publish-marts'));
    with taken as (delete from transform.marts_builds returning model, built_at)
    select array_agg(distinct model order by model), min(built_at), max(built_at)
    into built, first_built, last_built
    from taken;
    if built is null then
        return null;
    end if;
    select nspacl into marts_acl from pg_namespace where nspname = 'marts';
    select nspacl into build_acl from pg_namespace where nspname = 'marts_build';
    alter schema marts rename to marts_publishing;
    alter schema marts_build rename to marts;
    alter schema marts_publishing rename to marts_build;
    perform transform.set_schema_acl('marts', marts_acl);
    perform transform.set_schema_acl('marts_build', build_acl);
    insert into transform.marts_publications (published_by, models, first_built_at, last_built_at)
    values (published_by, built, first_built, last_built)
    returning publication into published;
    return published;
end $$;
revoke all on function transform.publish_marts(text) from public;
