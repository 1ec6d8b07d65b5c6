#!/bin/sh
# One shot (compose service metabase-init, profile bi): create Metabase's admin and add the warehouse
# as a data source that logs in as the read-only role bi_reader (SELECT on marts and dq, nothing
# else). Runs in the curlimages/curl image (sh + curl + sed). Does nothing once Metabase is set up.
# Passwords come from the environment (.env); keep them free of double quotes and backslashes.
set -eu
: "${MB_URL:?}" "${MB_ADMIN_EMAIL:?}"
[ -n "${MB_ADMIN_PASSWORD:-}" ] || { echo "metabase-init: set METABASE_ADMIN_PASSWORD in .env" >&2; exit 1; }
[ -n "${BI_READER_PASSWORD:-}" ] || { echo "metabase-init: set ANTQ_BI_READER_PASSWORD in .env" >&2; exit 1; }

i=0
until curl -fsS "$MB_URL/api/health" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -gt 60 ] && { echo "metabase-init: Metabase did not answer at $MB_URL" >&2; exit 1; }
  sleep 5
done

props=$(curl -fsS "$MB_URL/api/session/properties")
token=$(printf '%s' "$props" | sed -n 's/.*"setup-token":[[:space:]]*"\([^"]*\)".*/\1/p')
if printf '%s' "$props" | grep -q '"has-user-setup":[[:space:]]*true' || [ -z "$token" ]; then
  echo "metabase-init: Metabase is already set up; nothing to do"
  exit 0
fi

session=$(curl -fsS -X POST "$MB_URL/api/setup" -H 'Content-Type: application/json' -d "{
  \"token\": \"$token\",
  \"user\": {\"email\": \"$MB_ADMIN_EMAIL\", \"password\": \"$MB_ADMIN_PASSWORD\",
             \"first_name\": \"antq\", \"last_name\": \"admin\", \"site_name\": \"antq-warehouse\"},
  \"prefs\": {\"site_name\": \"antq-warehouse\", \"site_locale\": \"en\", \"allow_tracking\": false}
}" | sed -n 's/.*"id":[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$session" ] || { echo "metabase-init: setup did not return a session" >&2; exit 1; }

curl -fsS -X POST "$MB_URL/api/database" -H 'Content-Type: application/json' \
  -H "X-Metabase-Session: $session" -d "{
  \"engine\": \"postgres\",
  \"name\": \"antq warehouse (marts, dq)\",
  \"details\": {\"host\": \"${WAREHOUSE_HOST:-postgres}\", \"port\": ${WAREHOUSE_PORT:-5432},
                \"dbname\": \"${WAREHOUSE_DB:-antq}\", \"user\": \"${BI_READER_USER:-bi_reader}\",
                \"password\": \"$BI_READER_PASSWORD\", \"ssl\": false,
                \"schema-filters-type\": \"inclusion\", \"schema-filters-patterns\": \"marts,dq\"}
}" >/dev/null
echo "metabase-init: admin $MB_ADMIN_EMAIL created; warehouse added as ${BI_READER_USER:-bi_reader} (schemas marts, dq)"
