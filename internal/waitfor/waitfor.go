package waitfor

import "time"

// every is how often Until looks.
const every = 5 * time.Millisecond

// Until calls cond until it reports true, and reports whether it did
// before limit passed.
func Until(limit time.Duration, cond func() bool) bool {
	if cond() {
		return true
	}
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-deadline.C:
			return cond()
		case <-tick.C:
			if cond() {
				return true
			}
		}
	}
}
