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

	mu sync.Mutex
	// ready says the schema exists at this imgform's version: a schema
	// that does not exist yet is created by the first write (ensure), not
	// by Open, so that plan and show change nothing on the server.
	ready  bool
	stored state.Stored
	held   *sessionLock // the lock this handle holds: its session fences the writes
	// generation is that of the write that stored the snapshot of
	// stored: a save checks the store still holds it.
	generation int64
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
	// A schema at this imgform's version is used as it is, with no
	// statement that changes anything; one that is older is migrated
	// now (what is read from it must be in this version's shape); one
	// that does not exist is created by the first write.
	version, err := b.schemaVersion(pingCtx)
	switch {
	case err != nil:
		b.pool.Close()
		return nil, err
	case version > len(migrations):
		b.pool.Close()
		return nil, newerSchemaError(schema, version)
	case version == len(migrations):
		b.ready = true
	case version > 0:
		if err := b.ensure(ctx); err != nil {
			b.pool.Close()
			return nil, err
		}
	}
	return b, nil
}

// schemaVersion is the version the schema was migrated to, 0 when it does
// not exist; it reads only.
func (b *Backend) schemaVersion(ctx context.Context) (int, error) {
	var exists bool
	if err := b.pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, b.table("migrations")).Scan(&exists); err != nil {
		return 0, fmt.Errorf("reading the schema version of %s: %w", b.where, b.explain(ctx, err))
	}
	if !exists {
		return 0, nil
	}
	var version int
	if err := b.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+b.table("migrations")).Scan(&version); err != nil {
		return 0, fmt.Errorf("reading the schema version of %s: %w", b.where, b.explain(ctx, err))
	}
	return version, nil
}

// ensure creates or migrates the schema, once, before the first write.
func (b *Backend) ensure(ctx context.Context) error {
	b.mu.Lock()
	ready := b.ready
	b.mu.Unlock()
	if ready {
		return nil
	}
	// A migration converts every workspace's catalog in one
	// transaction: it is given longer than one request (a schema of
	// several 100,000-image catalogs on a distant server takes more than
	// 30 s), and still ends if the server stops answering.
	migrateCtx, cancelMigrate := context.WithTimeout(ctx, max(migrateTimeoutFactor*b.timeout, migrateTimeoutMin))
	defer cancelMigrate()
	if err := migrate(migrateCtx, b.pool, b.schema); err != nil {
		if errors.Is(migrateCtx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("migrating the schema of %s: the server did not finish within %s: %w", b.where, max(migrateTimeoutFactor*b.timeout, migrateTimeoutMin), err)
		}
		return err
	}
	b.mu.Lock()
	b.ready = true
	b.mu.Unlock()
	return nil
}

// CreateSchema creates the schema (or migrates it) now, as the first
// write would: what imgform init does, so that a read-only role can plan
// and show from then on.
func (b *Backend) CreateSchema(ctx context.Context) error { return b.ensure(ctx) }

// exists reports whether the schema exists; a handle opened before it
// did reads it as empty (and its first write creates it).
func (b *Backend) exists() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ready
}

// A migration may take migrateTimeoutFactor requests' time, and at least
// migrateTimeoutMin.
const (
	migrateTimeoutFactor = 20
	migrateTimeoutMin    = 10 * time.Minute
)

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

// The state of a workspace is a header row in states (serial, lineage,
// format and input hash versions, and the generation of the write that
// stored it) and a row per image in images (its address, and its entry's
// bytes as the state document holds them). A save writes the header and
// the images that changed since the snapshot this handle loaded or last
// wrote; Load puts the document together from the rows, byte for byte
// the one a save encoded. A workspace whose document a migration could
// not convert keeps it in the header row's document column, read as it
// was until a save replaces it with rows.

// Load reads the workspace's state: its header and images, as of one
// moment (one repeatable-read transaction).
func (b *Backend) Load(ctx context.Context) (*state.State, error) {
	rctx, cancel := b.request(ctx)
	defer cancel()
	var rows storedRows
	if !b.exists() {
		// No schema yet: no state, as a workspace with no row.
		snap, st, err := rows.decode(b.where)
		if err != nil {
			return nil, err
		}
		b.stored.Loaded(snap)
		return st, nil
	}
	err := pgx.BeginTxFunc(rctx, b.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		rows, err = b.read(rctx, tx, b.workspace)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the state from %s: %w", b.where, b.explain(rctx, err))
	}
	snap, st, err := rows.decode(b.where)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.generation = rows.generation
	b.mu.Unlock()
	b.stored.Loaded(snap)
	return st, nil
}

// storedRows are a workspace's rows.
type storedRows struct {
	found      bool // there is a header row
	header     state.Header
	generation int64
	document   []byte // a document no migration converted; nil otherwise
	entries    []state.EntryBytes
}

// querier is what reads rows: a transaction, or the pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// read reads a workspace's header and images.
func (b *Backend) read(ctx context.Context, q querier, workspace string) (storedRows, error) {
	var r storedRows
	var serial int64
	var version, ihv *int
	err := q.QueryRow(ctx, `SELECT serial, lineage, version, input_hash_version, generation, nullif(document, $2) FROM `+b.table("states")+` WHERE workspace = $1`, workspace, inRows).
		Scan(&serial, &r.header.Lineage, &version, &ihv, &r.generation, &r.document)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return storedRows{}, nil
	case err != nil:
		return r, err
	}
	r.found, r.header.Serial = true, uint64(serial)
	if version != nil {
		r.header.Version = *version
	}
	if ihv != nil {
		r.header.InputHashVersion = *ihv
	}
	if r.document != nil {
		return r, nil
	}
	rows, err := q.Query(ctx, `SELECT address, entry FROM `+b.table("images")+` WHERE workspace = $1 ORDER BY address`, workspace)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var e state.EntryBytes
		if err := rows.Scan(&e.Address, &e.Entry); err != nil {
			return r, err
		}
		r.entries = append(r.entries, e)
	}
	return r, rows.Err()
}

// decode makes the state of the rows; where names it in messages.
func (r storedRows) decode(where string) (*state.Snapshot, *state.State, error) {
	switch {
	case !r.found:
		return state.Decode(where, nil)
	case r.document != nil:
		return state.Decode(where, r.document)
	}
	return state.DecodeParts(where, r.header, r.entries)
}

// Save writes st as the next serial: in one transaction that first checks
// the header row still holds the serial, lineage and generation this
// handle read, the images that changed and the header.
func (b *Backend) Save(ctx context.Context, st *state.State) (bool, error) {
	return b.stored.Save(ctx, st, func(ctx context.Context, cur, next *state.Snapshot) error {
		return b.swap(ctx, cur, next, false)
	})
}

// Push stores st as it is, lineage and serial kept: every image row is
// written again.
func (b *Backend) Push(ctx context.Context, st *state.State) error {
	return b.stored.Push(ctx, st, func(ctx context.Context, cur, next *state.Snapshot) error {
		return b.swap(ctx, cur, next, true)
	})
}

// swap replaces the stored state cur with next in one transaction that
// first checks the header row still holds cur's serial, lineage and
// generation: the images that differ (all of them when replace), then the
// header. While the handle holds the lock, the transaction runs on the
// lock's own session and checks the lock is held: a run that lost its
// lock (its session ended) cannot write.
func (b *Backend) swap(ctx context.Context, cur, next *state.Snapshot, replace bool) error {
	if err := b.ensure(ctx); err != nil {
		return err
	}
	ctx, cancel := b.request(ctx)
	defer cancel()
	b.mu.Lock()
	held, generation := b.held, b.generation
	b.mu.Unlock()
	var written int64
	var err error
	if held != nil {
		err = held.fenced(ctx, func(conn *pgx.Conn) error {
			written, err = b.swapOn(ctx, conn, cur, next, generation, replace)
			return err
		})
	} else {
		written, err = b.swapOn(ctx, b.pool, cur, next, generation, replace)
	}
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.generation = written
	b.mu.Unlock()
	return nil
}

// beginner is what runs a transaction: the pool, or the lock's session.
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// swapOn is swap's transaction; it returns the generation it wrote.
func (b *Backend) swapOn(ctx context.Context, db beginner, cur, next *state.Snapshot, generation int64, replace bool) (int64, error) {
	h := next.Header()
	images := pgx.Identifier{b.schema, "images"}
	var written int64
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var serial, stored int64
		var lineage string
		var document bool
		err := tx.QueryRow(ctx, `SELECT serial, lineage, generation, nullif(document, $2) IS NOT NULL FROM `+b.table("states")+` WHERE workspace = $1 FOR UPDATE`, b.workspace, inRows).
			Scan(&serial, &lineage, &stored, &document)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if cur.Stored() {
				return &state.ConflictError{Where: b.where, Serial: cur.Serial}
			}
			err := tx.QueryRow(ctx, `INSERT INTO `+b.table("states")+` (workspace, serial, lineage, version, input_hash_version, generation, document)
				VALUES ($1, $2, $3, $4, $5, nextval('`+b.table("generations")+`'), $6) ON CONFLICT (workspace) DO NOTHING RETURNING generation`,
				b.workspace, int64(h.Serial), h.Lineage, h.Version, h.InputHashVersion, inRows).Scan(&written)
			if errors.Is(err, pgx.ErrNoRows) {
				return &state.ConflictError{Where: b.where, Serial: cur.Serial}
			}
			if err != nil {
				return err
			}
			all, _ := next.Changes(nil)
			if _, err := tx.Exec(ctx, `DELETE FROM `+b.table("images")+` WHERE workspace = $1`, b.workspace); err != nil {
				return err
			}
			return insertEntries(ctx, tx, images, b.workspace, all)
		case err != nil:
			return err
		case !cur.Stored() || uint64(serial) != cur.Serial || lineage != cur.Lineage || stored != generation:
			return &state.ConflictError{Where: b.where, Serial: cur.Serial, Stored: uint64(serial)}
		}
		if replace || document {
			if _, err := tx.Exec(ctx, `DELETE FROM `+b.table("images")+` WHERE workspace = $1`, b.workspace); err != nil {
				return err
			}
			all, _ := next.Changes(nil)
			if err := insertEntries(ctx, tx, images, b.workspace, all); err != nil {
				return err
			}
		} else {
			changed, removed := next.Changes(cur)
			if len(removed) > 0 {
				if _, err := tx.Exec(ctx, `DELETE FROM `+b.table("images")+` WHERE workspace = $1 AND address = ANY($2)`, b.workspace, removed); err != nil {
					return err
				}
			}
			if err := upsertEntries(ctx, tx, b.table("images"), b.workspace, changed); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `UPDATE `+b.table("states")+` SET serial = $2, lineage = $3, version = $4, input_hash_version = $5, document = $6,
			generation = nextval('`+b.table("generations")+`'), updated = now() WHERE workspace = $1 RETURNING generation`,
			b.workspace, int64(h.Serial), h.Lineage, h.Version, h.InputHashVersion, inRows).Scan(&written)
	})
	var conflict *state.ConflictError
	var lost *state.LockLostError
	switch {
	case errors.As(err, &conflict), errors.As(err, &lost):
		return 0, err
	case err != nil:
		return 0, fmt.Errorf("saving the state to %s: %w", b.where, b.explain(ctx, err))
	}
	return written, nil
}

// insertEntries writes a workspace's image rows that are not there yet,
// by COPY.
func insertEntries(ctx context.Context, tx pgx.Tx, table pgx.Identifier, workspace string, entries []state.EntryBytes) error {
	if len(entries) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, table, []string{"workspace", "address", "entry"}, pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) {
		return []any{workspace, entries[i].Address, entries[i].Entry}, nil
	}))
	return err
}

// upsertBatch is how many image rows one statement writes.
const upsertBatch = 1000

// upsertEntries writes a workspace's image rows, new or replacing those
// of the same address.
func upsertEntries(ctx context.Context, tx pgx.Tx, table, workspace string, entries []state.EntryBytes) error {
	for lo := 0; lo < len(entries); lo += upsertBatch {
		batch := entries[lo:min(lo+upsertBatch, len(entries))]
		addrs := make([]string, len(batch))
		values := make([][]byte, len(batch))
		for i, e := range batch {
			addrs[i], values[i] = e.Address, e.Entry
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+table+` (workspace, address, entry) SELECT $1, u.address, u.entry FROM unnest($2::text[], $3::bytea[]) AS u(address, entry)
			ON CONFLICT (workspace, address) DO UPDATE SET entry = EXCLUDED.entry`, workspace, addrs, values)
		if err != nil {
			return err
		}
	}
	return nil
}

// Jobs is the workspace's journal table.
func (b *Backend) Jobs() state.Journal { return &journal{b: b} }

// Workspaces lists the workspaces that have a state in the schema.
func (b *Backend) Workspaces(ctx context.Context) ([]string, error) {
	if !b.exists() {
		return nil, nil
	}
	ctx, cancel := b.request(ctx)
	defer cancel()
	rows, err := b.pool.Query(ctx, `SELECT workspace FROM `+b.table("states")+` ORDER BY workspace`)
	if err != nil {
		return nil, fmt.Errorf("listing workspaces in %s: %w", b.where, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LoadAll reads the state of every workspace of the schema, as of one
// moment, for what only all of them together decide (pruning a shared
// cache).
func (b *Backend) LoadAll(ctx context.Context) ([]*state.State, error) {
	if !b.exists() {
		return nil, nil
	}
	ctx, cancel := b.request(ctx)
	defer cancel()
	var all []storedRows
	var names []string
	err := pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT workspace FROM `+b.table("states")+` ORDER BY workspace`)
		if err != nil {
			return err
		}
		if names, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		for _, ws := range names {
			r, err := b.read(ctx, tx, ws)
			if err != nil {
				return err
			}
			all = append(all, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the states in %s: %w", b.where, b.explain(ctx, err))
	}
	out := make([]*state.State, 0, len(all))
	for i, r := range all {
		_, st, err := r.decode(fmt.Sprintf("%s workspace %s", b.where, names[i]))
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}
