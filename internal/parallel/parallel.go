package parallel

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers is how many goroutines n items are worth when each goroutine
// should get at least minPer of them: at most GOMAXPROCS, and 1 when
// splitting would not pay for itself.
func Workers(n, minPer int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/max(minPer, 1)))
}

// Ranges runs work over [0, n) split into contiguous ranges, one a
// worker (Workers(n, minPer) of them), and returns once all are done.
// With one worker it runs work(0, n) on the caller's goroutine.
func Ranges(n, minPer int, work func(lo, hi int)) {
	workers := Workers(n, minPer)
	if workers <= 1 {
		work(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { work(lo, hi) })
	}
	wg.Wait()
}

// Each runs work(i) for every i in [0, n) on up to workers goroutines,
// each taking the next item as it is free: for work whose items take
// uneven time, such as reading files. It stops handing out items once
// ctx ends, and returns ctx's error then.
func Each(ctx context.Context, n, workers int, work func(i int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				work(i)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}
