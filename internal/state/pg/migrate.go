package pg

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/imgform/imgform/internal/state"
)

// migration is one step of the schema: SQL, then what Go does in the
// same transaction ({s} is the schema, quoted).
type migration struct {
	sql  string
	then func(ctx context.Context, tx pgx.Tx, schema string) error
}

// migrations are applied in order, each once; a new one is appended,
// never edited.
var migrations = []migration{
	// 1: the state per workspace, its lock holders, its job journal.
	{sql: `CREATE TABLE IF NOT EXISTS {s}.states (
		workspace text PRIMARY KEY,
		serial    bigint NOT NULL,
		lineage   text NOT NULL,
		document  bytea NOT NULL,
		updated   timestamptz NOT NULL DEFAULT now()
	);
	CREATE TABLE IF NOT EXISTS {s}.locks (
		workspace   text PRIMARY KEY,
		id          text NOT NULL,
		operation   text NOT NULL,
		pid         integer NOT NULL,
		host        text NOT NULL,
		username    text NOT NULL,
		created     timestamptz NOT NULL,
		backend_pid integer NOT NULL
	);
	CREATE TABLE IF NOT EXISTS {s}.jobs (
		workspace text NOT NULL,
		id        text NOT NULL,
		submitted timestamptz NOT NULL,
		record    jsonb NOT NULL,
		PRIMARY KEY (workspace, id)
	);`},
	// 2: the state as a header row per workspace (states) and a row per
	// image (images), so that a save writes the images that changed, not
	// the whole document. generation tells one write from another (a
	// forced push may store the serial and lineage a handle read). The
	// documents are converted in Go (convertDocuments); a document that
	// cannot be read stays as it is, and reads as before.
	{sql: `ALTER TABLE {s}.states
		ADD COLUMN IF NOT EXISTS version integer,
		ADD COLUMN IF NOT EXISTS input_hash_version integer,
		ADD COLUMN IF NOT EXISTS generation bigint NOT NULL DEFAULT 0,
		ALTER COLUMN document DROP NOT NULL;
	CREATE SEQUENCE IF NOT EXISTS {s}.generations;
	CREATE TABLE IF NOT EXISTS {s}.images (
		workspace text NOT NULL,
		address   text COLLATE "C" NOT NULL,
		entry     bytea NOT NULL,
		PRIMARY KEY (workspace, address)
	);`, then: convertDocuments},
}

// migrate brings the schema up to date. Two runs that start at once are
// serialized by a transaction-level advisory lock on the schema, so each
// migration runs once; every statement is idempotent besides.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	return migrateTo(ctx, pool, schema, len(migrations))
}

// migrateTo brings the schema up to version last.
func migrateTo(ctx context.Context, pool *pgxpool.Pool, schema string, last int) error {
	s := pgx.Identifier{schema}.Sanitize()
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrating schema %s: %w", schema, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('imgform migrate'), hashtext($1))`, schema); err != nil {
		return fmt.Errorf("migrating schema %s: %w", schema, err)
	}
	if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+s); err != nil {
		return fmt.Errorf("creating schema %s: %w", schema, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+s+`.migrations (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrating schema %s: %w", schema, err)
	}
	var done int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+s+`.migrations`).Scan(&done); err != nil {
		return fmt.Errorf("migrating schema %s: %w", schema, err)
	}
	if done > len(migrations) {
		return newerSchemaError(schema, done)
	}
	for v := done + 1; v <= last; v++ {
		m := migrations[v-1]
		if _, err := tx.Exec(ctx, expand(m.sql, s)); err != nil {
			return fmt.Errorf("migrating schema %s to version %d: %w", schema, v, err)
		}
		if m.then != nil {
			if err := m.then(ctx, tx, schema); err != nil {
				return fmt.Errorf("migrating schema %s to version %d: %w", schema, v, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+s+`.migrations (version) VALUES ($1)`, v); err != nil {
			return fmt.Errorf("migrating schema %s to version %d: %w", schema, v, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrating schema %s: %w", schema, err)
	}
	return nil
}

// newerSchemaError is a schema a newer imgform migrated past what this one
// knows.
func newerSchemaError(schema string, version int) error {
	return fmt.Errorf("the schema %s was migrated to version %d by a newer imgform; this one knows versions up to %d. Upgrade imgform", schema, version, len(migrations))
}

func expand(sql, schema string) string { return strings.ReplaceAll(sql, "{s}", schema) }

// inRows is what the document column of a workspace kept in rows holds:
// not JSON, so that an imgform from before migration 2 that opened the
// schema before it ran, and reads the document, fails on it, rather than
// reading no document as an empty state and paying for every image again.
var inRows = []byte("imgform: since schema version 2 this workspace's state is kept in the images table; upgrade imgform to read it\n")

// convertDocuments turns each workspace's state document into its header
// and a row per image, the bytes of each entry as the document holds
// them: the state reads back byte for byte. A document that cannot be
// read (corrupt, or of a newer imgform) is left in place: Load reports it
// as it did, and the next save of that workspace replaces it with rows.
func convertDocuments(ctx context.Context, tx pgx.Tx, schema string) error {
	s := pgx.Identifier{schema}.Sanitize()
	rows, err := tx.Query(ctx, `SELECT workspace FROM `+s+`.states WHERE nullif(document, $1) IS NOT NULL ORDER BY workspace`, inRows)
	if err != nil {
		return err
	}
	workspaces, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, ws := range workspaces {
		var data []byte
		if err := tx.QueryRow(ctx, `SELECT document FROM `+s+`.states WHERE workspace = $1`, ws).Scan(&data); err != nil {
			return err
		}
		snap, _, err := state.Decode(fmt.Sprintf("schema %s, workspace %s", schema, ws), data)
		if err != nil {
			continue // read, and reported, as before
		}
		entries, _ := snap.Changes(nil)
		if err := insertEntries(ctx, tx, pgx.Identifier{schema, "images"}, ws, entries); err != nil {
			return fmt.Errorf("converting the state of workspace %s: %w", ws, err)
		}
		h := snap.Header()
		if _, err := tx.Exec(ctx, `UPDATE `+s+`.states SET serial = $2, lineage = $3, version = $4, input_hash_version = $5, document = $6,
			generation = nextval('`+s+`.generations') WHERE workspace = $1`, ws, int64(h.Serial), h.Lineage, h.Version, h.InputHashVersion, inRows); err != nil {
			return fmt.Errorf("converting the state of workspace %s: %w", ws, err)
		}
	}
	return nil
}
