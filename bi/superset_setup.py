"""Prepare Superset and import the dashboards as code; runs in bi/.venv (Superset's own environment).

    python bi/superset_setup.py [--no-import]

One process does what `superset db upgrade`, `superset init`, `superset fab create-admin` and an
import of bi/assets would do in four (each start of Superset's app costs ~8 s):

1. migrates the metadata database (SQLite under ANTQ_SUPERSET_HOME) to Superset's head;
2. syncs roles and permissions;
3. creates the admin user, or sets its password to the given one;
4. imports bi/assets (database, datasets, charts, dashboards) with ImportAssetsCommand, which
   overwrites by uuid: importing twice leaves one copy of everything, changed to the files.

Environment (set by `antq dashboard` and the tests, antq/bi.py):
    ANTQ_BI_WAREHOUSE_URI          the warehouse as bi_reader (postgresql+psycopg2://bi_reader[:pw]@host:port/db);
                                   replaces the placeholder in assets/databases/*.yaml. Or its parts
                                   (docker compose): WAREHOUSE_HOST, WAREHOUSE_PORT, WAREHOUSE_DB,
                                   BI_READER_USER, BI_READER_PASSWORD
    ANTQ_SUPERSET_ADMIN_USER       default admin
    ANTQ_SUPERSET_ADMIN_PASSWORD   required
    ANTQ_BI_ASSETS                 default: the assets folder beside this file
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml


def read_assets(folder: Path, warehouse_uri: str) -> dict[str, str]:
    """The bundle as ImportAssetsCommand takes it: path inside the bundle -> YAML text, with the
    database's URI set to the real one (the files carry a placeholder, never a password)."""
    contents: dict[str, str] = {}
    for path in sorted(folder.rglob("*.yaml")):
        name = path.relative_to(folder).as_posix()
        text = path.read_text(encoding="utf-8")
        if name.startswith("databases/"):
            config = yaml.safe_load(text)
            config["sqlalchemy_uri"] = warehouse_uri
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
        contents[name] = text
    if "metadata.yaml" not in contents:
        raise SystemExit(f"{folder} is not a Superset export: no metadata.yaml")
    return contents


def uri_from_parts(env=os.environ) -> str | None:
    """The bi_reader URI from its parts, the password quoted (compose passes them one by one)."""
    from urllib.parse import quote

    if not env.get("WAREHOUSE_HOST"):
        return None
    user = quote(env.get("BI_READER_USER", "bi_reader"), safe="")
    password = env.get("BI_READER_PASSWORD", "")
    auth = user + (":" + quote(password, safe="") if password else "")
    return (
        f"postgresql+psycopg2://{auth}@{env['WAREHOUSE_HOST']}:{env.get('WAREHOUSE_PORT', '5432')}"
        f"/{quote(env.get('WAREHOUSE_DB', 'antq'), safe='')}"
    )


def main(argv: list[str]) -> int:
    do_import = "--no-import" not in argv
    admin = os.environ.get("ANTQ_SUPERSET_ADMIN_USER", "admin")
    password = os.environ.get("ANTQ_SUPERSET_ADMIN_PASSWORD")
    if not password:
        raise SystemExit("ANTQ_SUPERSET_ADMIN_PASSWORD is not set")
    assets = Path(os.environ.get("ANTQ_BI_ASSETS", Path(__file__).resolve().parent / "assets"))
    uri = os.environ.get("ANTQ_BI_WAREHOUSE_URI") or uri_from_parts()
    if do_import and not uri:
        raise SystemExit("ANTQ_BI_WAREHOUSE_URI is not set (the warehouse as bi_reader)")

    import superset
    from flask_migrate import upgrade
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=str(Path(superset.__file__).parent / "migrations"))
        print("metadata database at Superset's head", flush=True)

        from superset import appbuilder, db, security_manager

        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        db.session.commit()
        user = security_manager.find_user(username=admin)
        if user is None:
            user = security_manager.add_user(
                admin, "ANTQ", "Admin", f"{admin}@antq.local", security_manager.find_role("Admin"), password=password
            )
            if not user:
                raise SystemExit(f"could not create the Superset user {admin}")
            print(f"created Superset user {admin}", flush=True)
        else:
            security_manager.reset_password(user.id, password)
        db.session.commit()

        if do_import:
            from superset.commands.importers.v1.assets import ImportAssetsCommand
            from superset.utils.core import override_user

            contents = read_assets(assets, uri)
            with override_user(user):
                ImportAssetsCommand(contents).run()
            counts = {
                kind: sum(1 for n in contents if n.startswith(kind + "/"))
                for kind in ("databases", "datasets", "charts", "dashboards")
            }
            print("imported " + ", ".join(f"{n} {k}" for k, n in counts.items()) + f" from {assets}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
