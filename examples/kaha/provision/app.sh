#!/bin/bash
# Installs and starts the kaha app. APP_ENV and REDIS_HOST come from the
# stack's configuration map.
set -euo pipefail
echo "starting kaha in ${APP_ENV} with redis at ${REDIS_HOST}"
mkdir -p /opt/kaha
echo "REDIS_HOST=${REDIS_HOST}" > /opt/kaha/env
