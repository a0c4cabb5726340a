package pg

import (
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/testsvc"
)

// Delete removes one workspace's state and journal, and no other's.
func TestDeleteWorkspace(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	schema := testSchema()
	for _, ws := range []string{"doomed", "kept"} {
		b := open(t, conn, schema, ws)
		st, err := b.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		req := model.NewRequest(model.Default).WithPrompt("a " + ws)
		st.Images["image.a"] = &state.Entry{Generator: state.GeneratorOffline, InputHash: req.InputHash(), Request: req, SeedOrigin: "derived",
			Outputs: []state.Output{{Path: "a.png", SHA256: state.SumBytes([]byte(ws)), Size: 2, ModTime: time.Unix(0, 0).UTC()}}}
		if _, err := b.Save(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		if err := b.Jobs().Record(t.Context(), state.JobRecord{Address: "image.a", Job: model.Job{ID: "job-" + ws, Submitted: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	doomed := open(t, conn, schema, "doomed")
	if err := doomed.Delete(t.Context()); err != nil {
		t.Fatal(err)
	}
	names, err := doomed.Workspaces(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "kept" {
		t.Errorf("workspaces after the delete: %v, want [kept]", names)
	}
	for ws, want := range map[string]int{"doomed": 0, "kept": 1} {
		b := open(t, conn, schema, ws)
		st, err := b.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		jobs, err := b.Jobs().List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Images) != want || len(jobs) != want {
			t.Errorf("workspace %s: %d images and %d jobs, want %d of each", ws, len(st.Images), len(jobs), want)
		}
	}
}
