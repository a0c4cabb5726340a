package pg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/backendtest"
	"github.com/imgform/imgform/internal/testsvc"
)

// The variables that name a workspace to a holder process.
const (
	envConn      = "IMGFORM_TEST_PG_HOLDER_CONN"
	envSchema    = "IMGFORM_TEST_PG_HOLDER_SCHEMA"
	envWorkspace = "IMGFORM_TEST_PG_HOLDER_WORKSPACE"
)

func TestMain(m *testing.M) {
	backendtest.ServeHolder(func() (state.Backend, error) {
		return Open(context.Background(), Config{ConnStr: os.Getenv(envConn), Schema: os.Getenv(envSchema), Workspace: os.Getenv(envWorkspace)})
	})
	code := m.Run()
	testsvc.Stop()
	os.Exit(code)
}

// testSchema is a schema of its own for this test binary's run.
func testSchema() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "imgform_test_" + hex.EncodeToString(b[:])
}

var workspaces atomic.Int64

// The PostgreSQL backend is a state.Backend.
func TestConformance(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	backendtest.Run(t, func(t *testing.T) backendtest.Workspace {
		ws := fmt.Sprintf("ws%d", workspaces.Add(1))
		return backendtest.Workspace{
			Open: func(t *testing.T) state.Backend {
				b, err := Open(t.Context(), Config{ConnStr: conn, Schema: schema, Workspace: ws})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { b.Close() })
				return b
			},
			Env: []string{envConn + "=" + conn, envSchema + "=" + schema, envWorkspace + "=" + ws},
		}
	})
}

func open(t testing.TB, conn, schema, ws string) *Backend {
	t.Helper()
	b, err := Open(t.Context(), Config{ConnStr: conn, Schema: schema, Workspace: ws})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// Runs that write at once to a new schema (its first writes create it)
// migrate it once, and all work.
func TestConcurrentMigration(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			b, err := Open(t.Context(), Config{ConnStr: conn, Schema: schema, Workspace: fmt.Sprintf("ws%d", i)})
			if err == nil {
				if err = b.CreateSchema(t.Context()); err == nil {
					_, err = b.Load(t.Context())
				}
				b.Close()
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	b := open(t, conn, schema, "x")
	var versions int
	if err := b.pool.QueryRow(t.Context(), `SELECT count(*) FROM `+b.table("migrations")).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != len(migrations) {
		t.Errorf("%d migrations recorded, want %d", versions, len(migrations))
	}
}

// The lock is per schema and workspace: holding one blocks neither
// another workspace nor the same workspace in another schema.
func TestLockIsNotGlobal(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	s1, s2 := testSchema(), testSchema()
	held, err := open(t, conn, s1, "default").Lock(t.Context(), state.LockOptions{Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	for _, other := range []*Backend{open(t, conn, s1, "staging"), open(t, conn, s2, "default")} {
		l, err := other.Lock(t.Context(), state.LockOptions{Operation: "apply"})
		if err != nil {
			t.Errorf("%s: %v", other, err)
			continue
		}
		l.Unlock()
	}
	if _, err := open(t, conn, s1, "default").Lock(t.Context(), state.LockOptions{Operation: "plan"}); err == nil {
		t.Error("the same workspace could be locked twice")
	}
}

// Of saves racing from the same state, one wins and the others fail with
// a conflict; nothing is lost or overwritten.
func TestSaveRace(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	seed := open(t, conn, schema, "default")
	st, err := seed.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st.Images = backendtest.Images(1)
	if _, err := seed.Save(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	const n = 6
	results := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		b := open(t, conn, schema, "default")
		mine, err := b.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		mine.Images = backendtest.Images(2 + i)
		go func() {
			<-start // every saver has loaded serial 1
			_, err := b.Save(context.Background(), mine)
			results <- err
		}()
	}
	close(start)
	won := 0
	for range n {
		err := <-results
		var conflict *state.ConflictError
		switch {
		case err == nil:
			won++
		case !errors.As(err, &conflict):
			t.Errorf("a losing save: %v, want a *ConflictError", err)
		}
	}
	final, err := open(t, conn, schema, "default").Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || final.Serial != 2 {
		t.Errorf("%d saves won, the state is at serial %d; want 1 and 2", won, final.Serial)
	}
}

// A password in the connection string is never shown.
func TestNoPasswordShown(t *testing.T) {
	_, err := Open(t.Context(), Config{ConnStr: "postgres://imgform:hunter2@127.0.0.1:1/db?connect_timeout=1", Workspace: "default"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open of an unreachable server: %v", err)
	}
	_, err = Open(t.Context(), Config{ConnStr: "postgres://imgform:hunter2@[::1", Workspace: "default"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open of a malformed string: %v", err)
	}
	if _, err := Open(t.Context(), Config{ConnStr: "postgres://x@127.0.0.1/db", Schema: "bad-name;drop", Workspace: "default"}); err == nil || !strings.Contains(err.Error(), "schema name") {
		t.Errorf("a bad schema name: %v", err)
	}
}

// A server that accepts and never answers is an error that names it once
// the connect timeout has passed: not a hang.
func TestHangingServer(t *testing.T) {
	addr, stop, err := testsvc.Hanging()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	_, err = Open(t.Context(), Config{ConnStr: "postgres://imgform:hunter2@" + addr + "/db", Workspace: "default", ConnectTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "connecting to postgres://imgform@"+addr+"/db") || !strings.Contains(err.Error(), "did not answer within 300ms (connect_timeout)") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open of a hanging server: %v", err)
	}
}

// A server restart ends the lock's session: the holder finds its lock
// lost, its saves and pending journal records are refused from then on,
// and another run can take the lock once the server is back.
func TestLockLostWhenServerRestarts(t *testing.T) {
	cluster := testsvc.RestartablePostgreSQL(t)
	schema := testSchema()
	a := open(t, cluster.URL, schema, "default")
	l, err := a.Lock(t.Context(), state.LockOptions{Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	st, err := a.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st.Images = backendtest.Images(1)
	if _, err := a.Save(t.Context(), st); err != nil {
		t.Fatal(err)
	}

	cluster.Restart(t)
	select {
	case <-l.Lost():
	case <-t.Context().Done():
		t.Fatal("the lock was never found lost")
	}
	var lost *state.LockLostError
	if err := l.Err(); !errors.As(err, &lost) || !strings.Contains(err.Error(), "its database session ended") {
		t.Errorf("why the lock was lost: %v", err)
	}
	st.Images = backendtest.Images(2)
	if _, err := a.Save(t.Context(), st); !errors.As(err, &lost) {
		t.Errorf("a save after the restart: %v, want a *LockLostError", err)
	}
	rec := state.JobRecord{Address: "image.tile[0]", InputHash: st.Images["image.tile[0]"].InputHash, Samples: 1, Pending: true,
		Job: model.Job{ID: state.NewPendingID(), Submitted: time.Now().UTC()}}
	if err := a.Jobs().Record(t.Context(), rec); !errors.As(err, &lost) {
		t.Errorf("a pending record after the restart: %v, want a *LockLostError", err)
	}
	b := open(t, cluster.URL, schema, "default")
	l2, err := b.Lock(t.Context(), state.LockOptions{Operation: "apply"})
	if err != nil {
		t.Fatalf("the lock after the restart: %v", err)
	}
	if err := l2.Unlock(); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Load(t.Context()); err != nil || got.Serial != 1 {
		t.Errorf("the state after the restart: serial %v, %v; want 1 (the save after it refused)", got, err)
	}
}

// plan and show change nothing on the server: opening a schema that does
// not exist, and reading it (its state, workspaces, journal), creates
// nothing; the first write (the lock's record, a save) creates it; a
// schema at this version is then opened and read by a role that may not
// create anything in the database.
func TestSchemaIsMadeByTheFirstWrite(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	schemaExists := func(b *Backend) bool {
		t.Helper()
		var n int
		if err := b.pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	b := open(t, conn, schema, "default")
	st, err := b.Load(t.Context())
	if err != nil || len(st.Images) != 0 {
		t.Fatalf("Load of a schema that does not exist: %v, %v", st, err)
	}
	if ws, err := b.Workspaces(t.Context()); err != nil || len(ws) != 0 {
		t.Fatalf("Workspaces: %v, %v", ws, err)
	}
	if jobs, err := b.Jobs().List(t.Context()); err != nil || len(jobs) != 0 {
		t.Fatalf("Jobs: %v, %v", jobs, err)
	}
	if schemaExists(b) {
		t.Fatal("opening and reading created the schema")
	}
	l, err := b.Lock(t.Context(), state.LockOptions{Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	if !schemaExists(b) {
		t.Fatal("taking the lock did not create the schema")
	}
	st.Images = backendtest.Images(2)
	if _, err := b.Save(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}

	// A role that may read the schema, and create nothing.
	role := "imgform_reader_" + schema[len("imgform_test_"):]
	for _, sql := range []string{
		`CREATE ROLE ` + role + ` LOGIN`,
		`GRANT USAGE ON SCHEMA ` + schema + ` TO ` + role,
		`GRANT SELECT ON ALL TABLES IN SCHEMA ` + schema + ` TO ` + role,
	} {
		if _, err := b.pool.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = b.pool.Exec(context.Background(), `DROP OWNED BY `+role)
		_, _ = b.pool.Exec(context.Background(), `DROP ROLE `+role)
	})
	u, err := url.Parse(conn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	reader := open(t, u.String(), schema, "default")
	got, err := reader.Load(t.Context())
	if err != nil || len(got.Images) != 2 {
		t.Fatalf("the read-only role's Load: %v, %v", got, err)
	}
}
