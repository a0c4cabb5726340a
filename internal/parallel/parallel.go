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

// Ranges runs work over [0, n) in contiguous ranges of minPer items or
// more, on Workers(n, minPer) goroutines, and returns once all are done.
// With one worker it runs work(0, n) on the caller's goroutine.
//
// The ranges are handed out as the workers are free, not split evenly up
// front: on a machine where another process holds a core, an even split
// leaves one worker with half the work at half the speed, and the whole
// takes as long as one goroutine doing everything. Handed out, the worker
// that runs does most of the work, and the parallel run is never slower
// than a sequential one but for the handing out.
func Ranges(n, minPer int, work func(lo, hi int)) {
	workers := Workers(n, minPer)
	if workers <= 1 {
		work(0, n)
		return
	}
	// Several ranges a worker, so that one left behind by the scheduler
	// holds up the end by little; none smaller than minPer.
	size := max(minPer, n/(workers*rangesPerWorker), 1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(int64(size)) - int64(size))
				if lo >= n {
					return
				}
				work(lo, min(lo+size, n))
			}
		})
	}
	wg.Wait()
}

// rangesPerWorker is how many ranges Ranges makes for each worker.
const rangesPerWorker = 8

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
