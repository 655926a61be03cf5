-- pgbench script for tests/load/run.sh: the raw durable insert rate of PostgreSQL. One row per
-- transaction (autocommit), into a table with a bigserial key, as each client loops.
INSERT INTO bench_insert (client, payload) VALUES (:client_id, 'a submission-sized row would be larger; this one measures the commit');
