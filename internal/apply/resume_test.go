package apply

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
)

func TestResumableJobs(t *testing.T) {
	const base = "http://127.0.0.1:8787"
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	entry := func(id, endpoint string, age time.Duration) state.JobRecord {
		return state.JobRecord{Address: "image.tile[" + id + "]", InputHash: testHash(id), Samples: 1, Endpoint: endpoint,
			Job: model.Job{ID: id, Submitted: now.Add(-age)}}
	}
	j := local.Open(filepath.Join(t.TempDir(), "imgform.state.json")).Jobs()
	for _, e := range []state.JobRecord{
		entry("fresh", base, time.Minute),
		entry("almost-expired", base, JobRetention-time.Nanosecond),
		entry("expired", base, JobRetention),
		entry("other-endpoint", "https://api.segmind.com", time.Minute),
	} {
		if err := j.Record(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ResumableJobs(t.Context(), j, base, now)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[state.Hash]int{}
	for h, es := range got {
		hashes[h] = len(es)
	}
	want := map[state.Hash]int{testHash("fresh"): 1, testHash("almost-expired"): 1}
	if diff := cmp.Diff(want, hashes); diff != "" {
		t.Errorf("Resumable (-want +got):\n%s", diff)
	}
	if !got.Has(testHash("fresh"), false) || got.Has(testHash("fresh"), true) {
		t.Error("a job of an ordinary run must stand in for an ordinary change only, not a forced replacement")
	}
	forced := entry("forced", base, time.Minute)
	forced.Forced = true
	if err := j.Record(t.Context(), forced); err != nil {
		t.Fatal(err)
	}
	if got, err = ResumableJobs(t.Context(), j, base, now); err != nil || !got.Has(testHash("forced"), true) || !got.Has(testHash("forced"), false) {
		t.Errorf("a job of a forced replacement must stand in for either kind of change (err %v)", err)
	}
}
