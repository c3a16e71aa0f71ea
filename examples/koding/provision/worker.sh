#!/bin/bash
# Sets up a koding worker. KODING_ENV, DB_HOST and REDIS_HOST come from the
# stack's configuration map.
set -euo pipefail
echo "koding worker for ${KODING_ENV}: db ${DB_HOST}, redis ${REDIS_HOST}"
mkdir -p /opt/koding
printf 'DB_HOST=%s\nREDIS_HOST=%s\n' "${DB_HOST}" "${REDIS_HOST}" > /opt/koding/worker.env
