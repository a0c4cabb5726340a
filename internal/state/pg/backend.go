package pg

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/imgform/imgform/internal/state"
)

// EnvConnStr is where the connection string is read from when the
// configuration gives none (Terraform's pg backend reads it too).
const EnvConnStr = "PG_CONN_STR"

// DefaultSchema is the schema used when the configuration names none.
const DefaultSchema = "imgform"

// Backend is one workspace's state in one schema.
type Backend struct {
	pool      *pgxpool.Pool
	config    *pgxpool.Config
	schema    string
	workspace string
	where     string
	timeout   time.Duration // of each request

	mu     sync.Mutex
	stored state.Stored
	held   *sessionLock // the lock this handle holds: its session fences the writes
}

// Config says which workspace to open, and how long to wait for the
// server.
type Config struct {
	ConnStr   string
	Schema    string // "" is DefaultSchema
	Workspace string
	// ConnectTimeout bounds a connection's set-up (when the connection
	// string sets no connect_timeout); RequestTimeout bounds each
	// request. Zero is DefaultConnectTimeout, DefaultRequestTimeout.
	ConnectTimeout time.Duration
	RequestTimeout time.Duration
}

// The deadlines of a server that accepts connections and never answers:
// the run stops, naming the server, before anything is paid.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultRequestTimeout = 30 * time.Second
)

var schemaName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Open connects to the database cfg.ConnStr names and brings the schema
// up to date; the handle is for cfg.Workspace. Close releases its
// connections.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	schema := cfg.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("the schema name %q is not one imgform uses: letters, digits and _, starting with a letter or _", schema)
	}
	if cfg.ConnStr == "" {
		return nil, fmt.Errorf("the pg backend needs a connection string: conn_str in its block, or %s in the environment", EnvConnStr)
	}
	pcfg, err := pgxpool.ParseConfig(cfg.ConnStr)
	if err != nil {
		// pgx's message can quote the string, password and all.
		return nil, errors.New("the pg backend's connection string cannot be read; it is a URL (postgres://user@host/db) or key=value pairs")
	}
	pcfg.MaxConns = 4
	if pcfg.ConnConfig.ConnectTimeout == 0 {
		pcfg.ConnConfig.ConnectTimeout = cmp.Or(cfg.ConnectTimeout, DefaultConnectTimeout)
	}
	b := &Backend{config: pcfg, schema: schema, workspace: cfg.Workspace, where: describe(pcfg, schema, cfg.Workspace),
		timeout: cmp.Or(cfg.RequestTimeout, DefaultRequestTimeout)}
	if b.pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", b.where, err)
	}
	pingCtx, cancel := b.request(ctx)
	defer cancel()
	if err := b.pool.Ping(pingCtx); err != nil {
		b.pool.Close()
		if errors.Is(err, context.DeadlineExceeded) && pingCtx.Err() == nil {
			return nil, fmt.Errorf("connecting to %s: the server did not answer within %s (connect_timeout): %w", b.where, pcfg.ConnConfig.ConnectTimeout, err)
		}
		return nil, fmt.Errorf("connecting to %s: %w", b.where, b.explain(pingCtx, err))
	}
	if err := migrate(pingCtx, b.pool, schema); err != nil {
		b.pool.Close()
		return nil, b.explain(pingCtx, err)
	}
	return b, nil
}

// request is the context of one request to the server: it ends at the
// request timeout.
func (b *Backend) request(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.timeout)
}

// explain says that err is the server not answering in time, when the
// request's deadline passed (pgx reports it in its own words).
func (b *Backend) explain(ctx context.Context, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s did not answer within %s (request_timeout): %w", b.where, b.timeout, err)
	}
	return err
}

// describe names the state for people: host, database, schema and
// workspace; never the password.
func describe(cfg *pgxpool.Config, schema, workspace string) string {
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port), Path: "/" + cfg.ConnConfig.Database}
	if cfg.ConnConfig.User != "" {
		u.User = url.User(cfg.ConnConfig.User)
	}
	return fmt.Sprintf("%s (schema %s, workspace %s)", u.String(), schema, workspace)
}

// Close lets go of a lock this handle holds, and releases its
// connections.
func (b *Backend) Close() error {
	b.mu.Lock()
	held := b.held
	b.mu.Unlock()
	var err error
	if held != nil {
		err = held.Unlock()
	}
	b.pool.Close()
	return err
}

// String names the database, schema and workspace.
func (b *Backend) String() string { return b.where }

// table is a table of the schema, quoted.
func (b *Backend) table(name string) string { return pgx.Identifier{b.schema, name}.Sanitize() }

// Load reads the workspace's state.
func (b *Backend) Load(ctx context.Context) (*state.State, error) {
	var data []byte
	rctx, cancel := b.request(ctx)
	defer cancel()
	err := b.pool.QueryRow(rctx, `SELECT document FROM `+b.table("states")+` WHERE workspace = $1`, b.workspace).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		data, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the state from %s: %w", b.where, b.explain(rctx, err))
	}
	snap, st, err := state.Decode(b.where, data)
	if err != nil {
		return nil, err
	}
	b.stored.Loaded(snap)
	return st, nil
}

// Save writes st as the next serial in one transaction that first checks
// the row still holds the serial and lineage this handle read.
func (b *Backend) Save(ctx context.Context, st *state.State) (bool, error) {
	return b.stored.Save(ctx, st, b.swap)
}

// Push stores st as it is, lineage and serial kept.
func (b *Backend) Push(ctx context.Context, st *state.State) error {
	return b.stored.Push(ctx, st, b.swap)
}

// swap replaces the stored state cur with next in one transaction that
// first checks the row still holds cur's serial and lineage. While the
// handle holds the lock, the transaction runs on the lock's own session
// and checks the lock is held: a run that lost its lock (its session
// ended) cannot write.
func (b *Backend) swap(ctx context.Context, cur, next *state.Snapshot) error {
	ctx, cancel := b.request(ctx)
	defer cancel()
	b.mu.Lock()
	held := b.held
	b.mu.Unlock()
	if held != nil {
		return held.fenced(ctx, func(conn *pgx.Conn) error { return b.swapOn(ctx, conn, cur, next) })
	}
	return b.swapOn(ctx, b.pool, cur, next)
}

// beginner is what runs a transaction: the pool, or the lock's session.
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

func (b *Backend) swapOn(ctx context.Context, db beginner, cur, next *state.Snapshot) error {
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var serial int64
		var lineage string
		err := tx.QueryRow(ctx, `SELECT serial, lineage FROM `+b.table("states")+` WHERE workspace = $1 FOR UPDATE`, b.workspace).Scan(&serial, &lineage)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if cur.Stored() {
				return &state.ConflictError{Where: b.where, Serial: cur.Serial}
			}
			tag, err := tx.Exec(ctx, `INSERT INTO `+b.table("states")+` (workspace, serial, lineage, document) VALUES ($1, $2, $3, $4) ON CONFLICT (workspace) DO NOTHING`,
				b.workspace, int64(next.Serial), next.Lineage, next.Bytes())
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return &state.ConflictError{Where: b.where, Serial: cur.Serial}
			}
			return nil
		case err != nil:
			return err
		case !cur.Stored() || uint64(serial) != cur.Serial || lineage != cur.Lineage:
			return &state.ConflictError{Where: b.where, Serial: cur.Serial, Stored: uint64(serial)}
		}
		_, err = tx.Exec(ctx, `UPDATE `+b.table("states")+` SET serial = $2, lineage = $3, document = $4, updated = now() WHERE workspace = $1`,
			b.workspace, int64(next.Serial), next.Lineage, next.Bytes())
		return err
	})
	var conflict *state.ConflictError
	var lost *state.LockLostError
	switch {
	case errors.As(err, &conflict), errors.As(err, &lost):
		return err
	case err != nil:
		return fmt.Errorf("saving the state to %s: %w", b.where, b.explain(ctx, err))
	}
	return nil
}

// Jobs is the workspace's journal table.
func (b *Backend) Jobs() state.Journal { return &journal{b: b} }

// Workspaces lists the workspaces that have a state in the schema.
func (b *Backend) Workspaces(ctx context.Context) ([]string, error) {
	ctx, cancel := b.request(ctx)
	defer cancel()
	rows, err := b.pool.Query(ctx, `SELECT workspace FROM `+b.table("states")+` ORDER BY workspace`)
	if err != nil {
		return nil, fmt.Errorf("listing workspaces in %s: %w", b.where, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LoadAll reads the state of every workspace of the schema, for what
// only all of them together decide (pruning a shared cache).
func (b *Backend) LoadAll(ctx context.Context) ([]*state.State, error) {
	ctx, cancel := b.request(ctx)
	defer cancel()
	rows, err := b.pool.Query(ctx, `SELECT workspace, document FROM `+b.table("states")+` ORDER BY workspace`)
	if err != nil {
		return nil, fmt.Errorf("reading the states in %s: %w", b.where, err)
	}
	defer rows.Close()
	var out []*state.State
	for rows.Next() {
		var ws string
		var data []byte
		if err := rows.Scan(&ws, &data); err != nil {
			return nil, err
		}
		st, err := state.Parse(fmt.Sprintf("%s workspace %s", b.where, ws), data)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
