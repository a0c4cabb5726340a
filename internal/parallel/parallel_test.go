package parallel

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Ranges covers [0, n) once, whatever the split.
func TestRangesCoverEachItemOnce(t *testing.T) {
	for _, tc := range []struct{ n, minPer int }{{0, 1}, {1, 1}, {7, 1}, {1000, 64}, {1000, 1}, {100_000, 256}} {
		seen := make([]atomic.Int32, tc.n)
		Ranges(tc.n, tc.minPer, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
		})
		for i := range seen {
			if got := seen[i].Load(); got != 1 {
				t.Fatalf("n=%d minPer=%d: item %d done %d times", tc.n, tc.minPer, i, got)
			}
		}
	}
}

func TestWorkers(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, tc := range []struct{ n, minPer, want int }{
		{0, 64, 1}, {63, 64, 1}, {128, 64, min(2, procs)}, {1 << 20, 64, procs}, {5, 0, min(5, procs)},
	} {
		if got := Workers(tc.n, tc.minPer); got != tc.want {
			t.Errorf("Workers(%d, %d) = %d, want %d", tc.n, tc.minPer, got, tc.want)
		}
	}
}

// Each does every item once, and stops handing them out once its
// context ends.
func TestEach(t *testing.T) {
	seen := make([]atomic.Int32, 500)
	if err := Each(t.Context(), len(seen), 8, func(i int) { seen[i].Add(1) }); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if got := seen[i].Load(); got != 1 {
			t.Fatalf("item %d done %d times", i, got)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	var done atomic.Int32
	err := Each(ctx, 1000, 4, func(i int) {
		if done.Add(1) == 10 {
			cancel()
		}
	})
	if err == nil || done.Load() >= 1000 {
		t.Errorf("a cancelled Each: %v after %d items; want the context's error, and not all done", err, done.Load())
	}
}

// Ranges hands the ranges out as the workers are free: while one worker
// is held up (as by another process holding its core), the others do
// all the rest of the work, and what waits for the held worker is a
// small range, not an even share of the items.
func TestRangesGoToTheFreeWorker(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n, minPer = 400, 4
	var mu sync.Mutex
	held, others := -1, 0
	rest := make(chan struct{})
	Ranges(n, minPer, func(lo, hi int) {
		mu.Lock()
		if lo == 0 {
			held = hi - lo
		} else {
			others += hi - lo
		}
		if held >= 0 && held+others == n {
			close(rest) // every item but the held range's is done
		}
		mu.Unlock()
		if lo == 0 {
			<-rest
		}
	})
	if held > n/4 {
		t.Errorf("the held worker's range holds %d of %d items: the others waited for it", held, n)
	}
}
