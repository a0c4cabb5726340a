package pg

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are applied in order, each once; a new one is appended,
// never edited. {s} is the schema, quoted.
var migrations = []string{
	// 1: the state per workspace, its lock holders, its job journal.
	`CREATE TABLE IF NOT EXISTS {s}.states (
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
	);`,
}

// migrate brings the schema up to date. Two runs that start at once are
// serialized by a transaction-level advisory lock on the schema, so each
// migration runs once; every statement is idempotent besides.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
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
		return fmt.Errorf("the schema %s was migrated to version %d by a newer imgform; this one knows versions up to %d. Upgrade imgform", schema, done, len(migrations))
	}
	for v := done + 1; v <= len(migrations); v++ {
		if _, err := tx.Exec(ctx, expand(migrations[v-1], s)); err != nil {
			return fmt.Errorf("migrating schema %s to version %d: %w", schema, v, err)
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

func expand(sql, schema string) string { return strings.ReplaceAll(sql, "{s}", schema) }
