CREATE TABLE IF NOT EXISTS servers (
	name    TEXT PRIMARY KEY,
	fqdn    TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS databases (
	name   TEXT PRIMARY KEY,
	path   TEXT NOT NULL,
	server TEXT NOT NULL REFERENCES servers(name),
	copies TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS accepted_domains (
	name       TEXT PRIMARY KEY,
	is_default INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS users (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	alias        TEXT NOT NULL UNIQUE,
	domain       TEXT NOT NULL,
	display_name TEXT NOT NULL DEFAULT '',
	password     TEXT NOT NULL,
	database     TEXT NOT NULL REFERENCES databases(name),
	cas          TEXT NOT NULL DEFAULT '{}',
	created      INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
	server TEXT NOT NULL,
	name   TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (server, name)
);
CREATE TABLE IF NOT EXISTS services (
	server  TEXT NOT NULL,
	name    TEXT NOT NULL,
	startup TEXT NOT NULL,
	PRIMARY KEY (server, name)
);
CREATE TABLE IF NOT EXISTS accepted_domain_names (
	domain       TEXT PRIMARY KEY REFERENCES accepted_domains(name) ON DELETE CASCADE,
	display_name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE IF NOT EXISTS administrators (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS mailbox_permissions (
	mailbox_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (mailbox_id, user_id)
);
