-- 0050: operations stopped by a Break directive, kept to be resumed.
-- The blueprint, the bundles and the stubs are sealed: they may hold data
-- from the services the scenario talked to.
CREATE TABLE incomplete_executions (
	id          TEXT PRIMARY KEY,
	scenario    TEXT NOT NULL,
	module_id   INTEGER NOT NULL,
	error_type  TEXT NOT NULL,
	error_msg   TEXT NOT NULL,
	retry       INTEGER NOT NULL,
	max_tries   INTEGER NOT NULL,
	interval_s  INTEGER NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	state       BLOB NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
