#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d): one role and
# one database per service, each database owned by its role only. DORF_DATABASES names the services;
# <NAME>_DB_PASSWORD holds each role's password (docker-compose.yml passes both).
set -eu
for name in $DORF_DATABASES; do
  variable="$(echo "$name" | tr 'a-z-' 'A-Z_')_DB_PASSWORD"
  password="$(printenv "$variable")" || { echo "postgres-init: $variable is not set" >&2; exit 1; }
  psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       --set role="$name" --set password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
