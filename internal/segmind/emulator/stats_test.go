package emulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// TestStatsExact runs a known sequence of requests and compares every
// counter.
func TestStatsExact(t *testing.T) {
	s, base := startServer(t, testOptions())

	post(t, base+wire.PathV1Generate, `{"prompt": "castle"}`)                              // 200, 1 image
	call(t, http.MethodPost, base+wire.PathV1Generate, "", `{"prompt": "castle"}`)         // 401
	post(t, base+wire.PathV1Generate, `{"prompt": "castle", "samples": 0}`)                // 400
	sub := submit(t, base, `{"prompt": "castle", "samples": 2}`)                           // 200, 2 images
	waitFor(t, 30*time.Second, "the job", func() bool { return s.Stats().Generated == 3 }) // no HTTP polling
	get(t, sub.StatusURL)                                                                  // 200
	get(t, sub.ResponseURL)                                                                // 200
	call(t, http.MethodGet, base+ImagesPath+sub.RequestID+"/1.png", "", "")                // 200
	get(t, base+wire.PathV2Requests+"unknown/status")                                      // 404
	get(t, base+wire.PathCredits)                                                          // 200
	get(t, base+"/v3/nothing")                                                             // 404
	get(t, base+wire.PathV2Submit)                                                         // 405

	want := Stats{
		Generated:     3,
		JobsSubmitted: 1,
		InProgress:    0,
		MaxInProgress: 2,
		Requests: map[string]map[string]int64{
			"POST /v1/{model}":                   {"200": 1, "401": 1, "400": 1},
			"POST /v2/{model}":                   {"200": 1},
			"GET /v2/requests/{id}/status":       {"200": 1, "404": 1},
			"GET /v2/requests/{id}":              {"200": 1},
			"GET /_emulator/images/{id}/{n}.png": {"200": 1},
			"GET /v1/get-user-credits":           {"200": 1},
			"unmatched":                          {"404": 1, "405": 1},
		},
	}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats() (-want +got):\n%s", diff)
	}

	// The endpoint serves the same snapshot (and counts itself afterwards).
	a := call(t, http.MethodGet, base+StatsPath, "", "")
	if a.status != http.StatusOK {
		t.Fatalf("stats endpoint: %d", a.status)
	}
	if diff := cmp.Diff(want, decode[Stats](t, a)); diff != "" {
		t.Errorf("GET %s (-want +got):\n%s", StatsPath, diff)
	}
	if got := s.Stats().Requests["GET "+StatsPath]["200"]; got != 1 {
		t.Errorf("stats requests counted %d times, want 1", got)
	}
}

// TestStatsSnapshotIsACopy: changing a snapshot does not change the server.
func TestStatsSnapshotIsACopy(t *testing.T) {
	s, base := startServer(t, testOptions())
	get(t, base+wire.PathCredits)
	snap := s.Stats()
	snap.Requests["GET /v1/get-user-credits"]["200"] = 99
	if got := s.Stats().Requests["GET /v1/get-user-credits"]["200"]; got != 1 {
		t.Errorf("after editing a snapshot the server counts %d, want 1", got)
	}
}
