package pg

import (
	"fmt"
	"maps"
	"os"
	"testing"

	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/backendtest"
	"github.com/imgform/imgform/internal/testsvc"
)

// A catalog kept in PostgreSQL, and an apply that adds 50 images to it:
// what the checkpoints of that apply write to the server's WAL (issue
// 23: 42 MB when every checkpoint rewrote the whole 10,000-image state).

// The apply of the measure: 50 images, saved by 25 checkpoints of 2 (an
// apply at 2 s per image on 4 workers, checkpointing every second).
const (
	addedImages = 50
	checkpoints = 25
)

// seedCatalog stores a state of n images in the workspace.
func seedCatalog(tb testing.TB, conn, schema, ws string, n int) {
	tb.Helper()
	b := open(tb, conn, schema, ws)
	st, err := b.Load(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	st.Images = backendtest.Images(n)
	if _, err := b.Save(tb.Context(), st); err != nil {
		tb.Fatal(err)
	}
}

// addImages is what an apply's checkpoints save: under the lock, the
// state loaded, then n images from image.tile[from] added over that many
// checkpoints, each saving a copy of the state as the checkpointer does.
func addImages(tb testing.TB, b *Backend, from, n, saves int) {
	tb.Helper()
	l, err := b.Lock(tb.Context(), state.LockOptions{Operation: "apply"})
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Unlock()
	st, err := b.Load(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	per := n / saves
	for c := range saves {
		maps.Copy(st.Images, backendtest.ImagesFrom(from+c*per, per))
		if saved, err := b.Save(tb.Context(), st.Clone()); err != nil || !saved {
			tb.Fatalf("checkpoint %d: saved %v, %v", c, saved, err)
		}
	}
}

// walDuring returns the bytes of WAL the server wrote while fn ran.
func walDuring(tb testing.TB, b *Backend, fn func()) float64 {
	tb.Helper()
	var before string
	if err := b.pool.QueryRow(tb.Context(), `SELECT pg_current_wal_lsn()::text`).Scan(&before); err != nil {
		tb.Fatal(err)
	}
	fn()
	var wal float64
	if err := b.pool.QueryRow(tb.Context(), `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8`, before).Scan(&wal); err != nil {
		tb.Fatal(err)
	}
	return wal
}

// fullPageWrites vacuums the tables just filled (so that autovacuum of
// the catalog is not measured with the change), turns on
// full_page_writes (the test cluster runs without them, a server in
// production with them) and starts a checkpoint, so that every page the
// measure touches is first written whole: the most WAL the change can
// cost. A server that does not let
// this test do it (not a superuser), or one that is not this test's own
// (IMGFORM_TEST_PG_URL), is measured as it is.
func fullPageWrites(tb testing.TB, b *Backend) {
	tb.Helper()
	ctx := tb.Context()
	for _, table := range []string{"states", "images"} {
		if _, err := b.pool.Exec(ctx, `VACUUM (ANALYZE) `+b.table(table)); err != nil {
			tb.Fatal(err)
		}
	}
	if os.Getenv(testsvc.EnvPostgres) != "" {
		tb.Logf("measuring with the settings of the server %s names", testsvc.EnvPostgres)
		return
	}
	if _, err := b.pool.Exec(ctx, `ALTER SYSTEM SET full_page_writes = on`); err != nil {
		tb.Logf("measuring with the server's full_page_writes: %v", err)
		return
	}
	tb.Cleanup(func() {
		ctx := tb.Context()
		_, _ = b.pool.Exec(ctx, `ALTER SYSTEM RESET full_page_writes`)
		_, _ = b.pool.Exec(ctx, `SELECT pg_reload_conf()`)
	})
	if _, err := b.pool.Exec(ctx, `SELECT pg_reload_conf()`); err != nil {
		tb.Fatal(err)
	}
	if _, err := b.pool.Exec(ctx, `CHECKPOINT`); err != nil {
		tb.Logf("no checkpoint before the measure: %v", err)
	}
}

// BenchmarkCatalogAdd50 adds 50 images to a catalog of 10,000 and of
// 100,000 images, in 25 checkpoints, and reports the WAL the server wrote
// for it (WAL-B/op).
func BenchmarkCatalogAdd50(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("catalog=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("a catalog of 100,000 images takes a while to set up")
			}
			conn := testsvc.PostgreSQL(b)
			schema := testSchema()
			seedCatalog(b, conn, schema, "default", n)
			be := open(b, conn, schema, "default")
			fullPageWrites(b, be)
			next, ops, wal := n, 0, 0.0
			for b.Loop() {
				wal += walDuring(b, be, func() { addImages(b, be, next, addedImages, checkpoints) })
				next += addedImages
				ops++
			}
			b.ReportMetric(wal/float64(ops), "WAL-B/op")
		})
	}
}

// Adding 50 images to a catalog of 10,000 writes at most 4 MB of WAL
// (issue 23; 47 MB when each checkpoint wrote the whole document), full
// page writes on: the checkpoints write the images they add, not the
// catalog.
func TestCatalogAdd50WAL(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	const catalog = 10_000
	seedCatalog(t, conn, schema, "default", catalog)
	b := open(t, conn, schema, "default")
	fullPageWrites(t, b)
	wal := walDuring(t, b, func() { addImages(t, b, catalog, addedImages, checkpoints) })
	t.Logf("%d images added to %d in %d checkpoints: %.0f bytes of WAL", addedImages, catalog, checkpoints, wal)
	if wal > 4e6 {
		t.Errorf("%.0f bytes of WAL, want at most 4 MB", wal)
	}
	st, err := open(t, conn, schema, "default").Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Images) != catalog+addedImages || st.Serial != 1+checkpoints {
		t.Errorf("the state after: %d images at serial %d, want %d at %d", len(st.Images), st.Serial, catalog+addedImages, 1+checkpoints)
	}
}
