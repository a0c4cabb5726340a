package pg

import (
	"bytes"
	"errors"
	"maps"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/backendtest"
	"github.com/imgform/imgform/internal/testsvc"
)

// stateAt is st as a save at snap stores it: Marshal of it is the
// document of that save.
func stateAt(st *state.State, snap *state.Snapshot) *state.State {
	c := *st
	h := snap.Header()
	c.Serial, c.Lineage, c.Version, c.InputHashVersion = h.Serial, h.Lineage, h.Version, h.InputHashVersion
	return &c
}

// rowCount is the number of a workspace's image rows.
func rowCount(t *testing.T, b *Backend) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(t.Context(), `SELECT count(*) FROM `+b.table("images")+` WHERE workspace = $1`, b.workspace).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// What state pull prints after saves (Marshal of the state loaded) is,
// byte for byte, the document each save encoded: the rows put together
// again, addresses in byte order whatever the database's collation.
func TestPullAfterSave(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	b := open(t, conn, testSchema(), "default")
	st, err := b.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st.Images = backendtest.Images(20)
	tile := st.Images["image.tile[3]"]
	for _, k := range []string{`image.icon["é"]`, `image.icon["Z"]`, `image.icon["a"]`, `image.icon["<&>"]`, `image.Icon`, `image.icon["☕"]`} {
		st.Images[k] = tile.Clone()
	}
	steps := []func(){
		func() {},
		func() { st.Images["image.tile[0]"].Outputs[0].Size++ },
		func() { delete(st.Images, `image.icon["Z"]`); delete(st.Images, "image.tile[7]") },
		func() { maps.Copy(st.Images, backendtest.ImagesFrom(20, 3)) },
	}
	for i, step := range steps {
		step()
		if saved, err := b.Save(t.Context(), st); err != nil || !saved {
			t.Fatalf("save %d: %v, %v", i, saved, err)
		}
		want, err := state.Marshal(stateAt(st, b.stored.Current()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.stored.Current().Bytes(), want) {
			t.Fatalf("save %d: the saved document is not Marshal's", i)
		}
		loaded, err := open(t, conn, b.schema, "default").Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pulled, err := state.Marshal(loaded)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pulled, want) {
			t.Fatalf("save %d: state pull prints\n%s\nwant the document saved\n%s", i, pulled, want)
		}
		if n := rowCount(t, b); n != len(st.Images) {
			t.Fatalf("save %d: %d image rows, want %d", i, n, len(st.Images))
		}
	}
}

// A save writes the rows of the images that changed, and no other: the
// rows it wrote are those of its transaction (xmin).
func TestSaveWritesTheChangedRows(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	b := open(t, conn, testSchema(), "default")
	st, err := b.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st.Images = backendtest.Images(100)
	if _, err := b.Save(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	st.Images["image.tile[5]"].Outputs[0].Size++
	st.Images["image.tile[50]"].Revision = "abc"
	maps.Copy(st.Images, backendtest.ImagesFrom(100, 1))
	delete(st.Images, "image.tile[9]")
	if _, err := b.Save(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	var written []string
	rows, err := b.pool.Query(t.Context(), `SELECT address FROM `+b.table("images")+` i WHERE workspace = $1
		AND i.xmin = (SELECT s.xmin FROM `+b.table("states")+` s WHERE s.workspace = $1) ORDER BY address`, b.workspace)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		written = append(written, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"image.tile[100]", "image.tile[50]", "image.tile[5]"}
	if len(written) != len(want) || written[0] != want[0] || written[1] != want[1] || written[2] != want[2] {
		t.Errorf("the last save wrote the rows of %v, want %v", written, want)
	}
	if n := rowCount(t, b); n != 100 {
		t.Errorf("%d image rows, want 100 (one added, one removed)", n)
	}
}

// A push stored at the serial and lineage a handle read (forced) is
// another state all the same: that handle's next save is a conflict, not
// a change written over rows it does not know.
func TestSaveAfterForcedPushAtTheSameSerial(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	seedCatalog(t, conn, schema, "default", 3)
	a := open(t, conn, schema, "default")
	st, err := a.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pusher := open(t, conn, schema, "default")
	pushed, err := pusher.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pushed.Images = backendtest.ImagesFrom(10, 2)
	if err := pusher.Push(t.Context(), pushed); err != nil {
		t.Fatal(err)
	}
	st.Images["image.tile[0]"].Outputs[0].Size++
	var conflict *state.ConflictError
	if _, err := a.Save(t.Context(), st); !errors.As(err, &conflict) {
		t.Fatalf("a save after another state was pushed at its serial: %v, want a *ConflictError", err)
	}
	got, err := open(t, conn, schema, "default").Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Images) != 2 || got.Images["image.tile[10]"] == nil {
		t.Errorf("the state after: %v, want the one pushed", got.Addresses())
	}
}

// The migration to a row per image converts the states stored as
// documents: each workspace reads back byte for byte as its document,
// an older format version included, and a document that cannot be read
// stays one, reported as before.
func TestMigrateDocumentsToRows(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	pool, err := pgxpool.New(t.Context(), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrateTo(t.Context(), pool, schema, 1); err != nil {
		t.Fatal(err)
	}
	current := state.New()
	current.Serial, current.Images = 12, backendtest.Images(50)
	current.Images[`image.icon["é"]`] = current.Images["image.tile[1]"].Clone()
	older := state.New()
	older.Serial, older.Version, older.Images = 3, 3, backendtest.ImagesFrom(7, 5)
	documents := map[string][]byte{"corrupt": []byte(`{"images": {"image.a": `)}
	for ws, st := range map[string]*state.State{"current": current, "older": older} {
		if documents[ws], err = state.Marshal(st); err != nil {
			t.Fatal(err)
		}
	}
	for ws, doc := range documents {
		if _, err := pool.Exec(t.Context(), `INSERT INTO `+pgx.Identifier{schema, "states"}.Sanitize()+` (workspace, serial, lineage, document) VALUES ($1, 1, 'x', $2)`, ws, doc); err != nil {
			t.Fatal(err)
		}
	}

	for _, ws := range []string{"current", "older"} {
		b := open(t, conn, schema, ws) // migrates
		st, err := b.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got, err := state.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, documents[ws]) {
			t.Errorf("workspace %s reads after the migration as\n%s\nwant its document\n%s", ws, got, documents[ws])
		}
		if n := rowCount(t, b); n != len(st.Images) {
			t.Errorf("workspace %s: %d image rows, want %d", ws, n, len(st.Images))
		}
		if saved, err := b.Save(t.Context(), st); err != nil || saved {
			t.Errorf("workspace %s saved unchanged: %v, %v; want nothing written", ws, saved, err)
		}
		// An imgform from before migration 2 that had opened the schema
		// reads the document column: it must fail on it, never read an
		// empty state and pay for every image again.
		var old []byte
		if err := pool.QueryRow(t.Context(), `SELECT document FROM `+pgx.Identifier{schema, "states"}.Sanitize()+` WHERE workspace = $1`, ws).Scan(&old); err != nil {
			t.Fatal(err)
		}
		if _, _, err := state.Decode("an older imgform", old); old == nil || err == nil {
			t.Errorf("workspace %s: an older imgform reads the converted document column (%q) without an error", ws, old)
		}
	}
	b := open(t, conn, schema, "corrupt")
	var corrupt *state.CorruptError
	if _, err := b.Load(t.Context()); !errors.As(err, &corrupt) {
		t.Fatalf("the corrupt document after the migration: %v, want a *CorruptError", err)
	}
	all, err := b.Workspaces(t.Context())
	if err != nil || len(all) != 3 {
		t.Errorf("workspaces after the migration: %v, %v", all, err)
	}
}

// LoadAll reads every workspace's state, each as its own Load reads it.
func TestLoadAll(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	seedCatalog(t, conn, schema, "a", 3)
	seedCatalog(t, conn, schema, "b", 5)
	all, err := open(t, conn, schema, "a").LoadAll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("%d states, want 2", len(all))
	}
	for i, ws := range []string{"a", "b"} {
		st, err := open(t, conn, schema, ws).Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want, err := state.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		got, err := state.Marshal(all[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("LoadAll's state of workspace %s is not what Load reads", ws)
		}
	}
}
