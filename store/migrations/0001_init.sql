-- 0001: connections, keys (CA and client certificates), settings and
-- refresh locks. Secret columns hold AES-256-GCM sealed bytes only.
CREATE TABLE connections (
	name       TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	config     TEXT NOT NULL,
	secret     BLOB NOT NULL,
	status     TEXT NOT NULL DEFAULT 'ok',
	expires_at INTEGER NOT NULL DEFAULT 0,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE keys (
	name       TEXT PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('ca', 'cert')),
	cert_pem   BLOB NOT NULL,
	secret     BLOB NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE locks (
	name  TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	until INTEGER NOT NULL
);
