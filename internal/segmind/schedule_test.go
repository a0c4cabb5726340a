package segmind_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
)

// The client learns the server's inference time from the emulator's
// answers, as from the service's: the first poll of the next job is
// planned from it (TestWaitPollScheduleIntervals).
func TestWaitLearnsInferenceTimeFromEmulator(t *testing.T) {
	opts := fastOptions()
	opts.Latency = 300 * time.Millisecond
	_, base := startEmulator(t, opts)
	c := newClient(t, base)
	published := model.NewRealityLightning.ExpectedSeconds
	if got := c.ExpectedInferenceTime(); got != time.Duration(published*float64(time.Second)) {
		t.Errorf("expected inference time before any job = %v, want the published %v s", got, published)
	}
	teach(t, c)
	if got := c.ExpectedInferenceTime(); got < opts.Latency-time.Millisecond || got > opts.Latency+time.Millisecond {
		t.Fatalf("expected inference time after one job = %v, want %v", got, opts.Latency)
	}
}

// TestWaitPollScheduleIntervals follows the client's timers on a clock
// the test drives: the first poll at the learnt inference time plus a
// small margin, then intervals growing from 100 ms by half each time up
// to a 400 ms cap.
func TestWaitPollScheduleIntervals(t *testing.T) {
	const pollsUntilDone = 6
	png := tinyPNG(t)
	var (
		mu    sync.Mutex
		polls = map[string]int{} // by job
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/requests/teacher/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"status":"COMPLETED","request_id":"teacher","metrics":{"inference_time":0.2}}`)
	})
	mux.HandleFunc("GET /v2/requests/{id}/status", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		mu.Lock()
		polls[id]++
		n := polls[id]
		mu.Unlock()
		if n < pollsUntilDone {
			writeJSON(w, http.StatusOK, `{"status":"PROCESSING","metrics":{}}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"status":"COMPLETED","metrics":{"inference_time":0.2}}`)
	})
	mux.HandleFunc("GET /v2/requests/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fmt.Sprintf(`{"status":"COMPLETED","metrics":{"inference_time":0.2},"output":%q}`, b64(png)))
	})
	ts := serve(t, mux)
	clock := newTimerClock()
	c := newClient(t, ts.URL, withClock(clock))
	ctx := testContext(t)

	// One reported inference time teaches the estimator.
	if _, err := c.Status(ctx, jobAt(ts.URL, "teacher")); err != nil {
		t.Fatal(err)
	}
	const learnt = 200 * time.Millisecond
	if got := c.ExpectedInferenceTime(); got < learnt-time.Millisecond || got > learnt+time.Millisecond {
		t.Fatalf("expected inference time = %v, want %v", got, learnt)
	}

	job := jobAt(ts.URL, "job")
	job.Submitted = clock.Now()
	type result struct {
		res *generate.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.Wait(ctx, job, generate.WaitOptions{})
		done <- result{res, err}
	}()
	// The first poll at the learnt time plus 50 ms, then every 100 ms
	// growing by half to a cap of 400 ms.
	want := []time.Duration{learnt + 50*time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond,
		225 * time.Millisecond, 337500 * time.Microsecond, 400 * time.Millisecond}
	for i, w := range want[:pollsUntilDone] {
		d := clock.next(t, fmt.Sprintf("poll %d", i+1))
		if d != w {
			t.Errorf("poll %d comes %v after the one before, want %v", i+1, d, w)
		}
		mu.Lock()
		if polls[job.ID] != i {
			t.Errorf("%d polls before the timer of poll %d ran out", polls[job.ID], i+1)
		}
		mu.Unlock()
		clock.Advance(d)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.res.Images) != 1 || string(r.res.Images[0].Data) != string(png) {
		t.Errorf("result images = %d", len(r.res.Images))
	}
	mu.Lock()
	defer mu.Unlock()
	if polls[job.ID] != pollsUntilDone {
		t.Errorf("%d polls, want %d", polls[job.ID], pollsUntilDone)
	}
}
