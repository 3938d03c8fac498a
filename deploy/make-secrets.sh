#!/bin/sh
# Write the secret files compose.yaml reads, once, with fresh random values.
set -eu
cd "$(dirname "$0")/.."
umask 077
mkdir -p secrets
random() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
[ -f secrets/postgres_password ] || random > secrets/postgres_password
[ -f secrets/redis_password ] || random > secrets/redis_password
[ -f secrets/secret_key ] || random > secrets/secret_key
[ -f secrets/metrics_token ] || random > secrets/metrics_token
db=$(cat secrets/postgres_password)
rd=$(cat secrets/redis_password)
printf 'postgresql+psycopg://taskcore:%s@postgres:5432/taskcore\n' "$db" > secrets/database_url
printf 'redis://:%s@redis:6379/0\n' "$rd" > secrets/queue_url
printf 'redis://:%s@redis:6379/1\n' "$rd" > secrets/rate_limit_url
echo "secrets written to $(pwd)/secrets"
