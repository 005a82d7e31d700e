// Package sqlite is the embedded mailbox database: SQLite (modernc, pure Go)
// for metadata, message bytes as immutable files named by their SHA-256.
package sqlite

import _ "modernc.org/sqlite" // database/sql driver "sqlite"
