#!/bin/sh
# Runs once, when the postgres service initialises its data directory: streaming replicas (compose
# profile "replica") connect for replication as the ytempire user with its password.
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
