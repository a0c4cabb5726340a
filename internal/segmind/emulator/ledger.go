package emulator

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/imgform/imgform/internal/model"
)

// unlimitedCreditsUSD is what GET /v1/get-user-credits and the
// X-Remaining-Credits header report when credits are unlimited.
const unlimitedCreditsUSD = 1_000_000

// reservation is a set of images in progress: the samples of one v1 request
// being rendered, or of one accepted v2 job that has not finished yet.
type reservation struct {
	images   int64
	finishAt time.Time // when the server expects them to be done
}

// ledger counts images: generated (billed), in progress, and the limits on
// both. It is not safe for concurrent use; Server.mu guards it.
type ledger struct {
	credits        int64 // images that may be generated in all; <0 = unlimited
	maxConcurrency int64 // images in progress at once; 0 = unlimited
	// rpm is the account's rate limit on billable requests (v1
	// generates, v2 submits): a token bucket; nil = unlimited.
	rpm         *rate.Limiter
	rateLimited int64 // billable requests refused for want of a token

	generated     int64
	jobsSubmitted int64
	jobsExpired   int64
	inProgress    int64
	maxInProgress int64
	active        map[*reservation]struct{}
}

func newLedger(credits, maxConcurrency int64, rpm, burst int) ledger {
	l := ledger{credits: credits, maxConcurrency: maxConcurrency, active: make(map[*reservation]struct{})}
	if rpm > 0 {
		if burst <= 0 {
			burst = max(rpm/60, 1)
		}
		// Full at the start, as an account that has not sent anything in
		// a while.
		l.rpm = rate.NewLimiter(rate.Limit(float64(rpm)/60), burst)
	}
	return l
}

// rejection is why a generation request was refused before any work.
type rejection struct {
	status     int // 406 or 429
	msg        string
	retryAfter int // whole seconds, for 429
}

// reserve admits images that the server expects to finish at finishAt, or
// says why not: 429 when the rate limit has no token for another billable
// request (Retry-After: the whole seconds until one is free), 406 once
// generated + in-progress + images would exceed the credits, 429 once
// in-progress + images would exceed the concurrency limit.
func (l *ledger) reserve(images int64, finishAt, now time.Time) (*reservation, *rejection) {
	if l.rpm != nil {
		r := l.rpm.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			l.rateLimited++
			return nil, &rejection{status: http.StatusTooManyRequests, msg: "Rate limit exceeded: too many requests per minute",
				retryAfter: max(int(math.Ceil(d.Seconds())), 1)}
		}
	}
	if l.credits >= 0 && l.generated+l.inProgress+images > l.credits {
		return nil, &rejection{status: http.StatusNotAcceptable, msg: "Not enough credits"}
	}
	if l.maxConcurrency > 0 && l.inProgress+images > l.maxConcurrency {
		msg := "Too many requests"
		if images > l.maxConcurrency {
			// Such a request can never be admitted; say why, since a
			// client will otherwise retry it for ever.
			msg = fmt.Sprintf("Too many requests: %d samples exceed the emulator's limit of %d images in progress", images, l.maxConcurrency)
		}
		return nil, &rejection{status: http.StatusTooManyRequests, msg: msg, retryAfter: l.retryAfter(now)}
	}
	res := &reservation{images: images, finishAt: finishAt}
	l.active[res] = struct{}{}
	l.inProgress += images
	l.maxInProgress = max(l.maxInProgress, l.inProgress)
	return res, nil
}

// release ends a reservation; billed images count as generated.
func (l *ledger) release(res *reservation, billed bool) {
	if _, ok := l.active[res]; !ok {
		return
	}
	delete(l.active, res)
	l.inProgress -= res.images
	if billed {
		l.generated += res.images
	}
}

// retryAfter is the whole number of seconds, at least 1, until the earliest
// image in progress is expected to finish.
func (l *ledger) retryAfter(now time.Time) int {
	var earliest time.Time
	for res := range l.active {
		if earliest.IsZero() || res.finishAt.Before(earliest) {
			earliest = res.finishAt
		}
	}
	secs := int(math.Ceil(earliest.Sub(now).Seconds()))
	return max(secs, 1)
}

// remainingUSD is the credit balance in dollars: the images that may still
// be started, at the provider's price per image, rounded to micro-dollars.
func (l *ledger) remainingUSD() float64 {
	if l.credits < 0 {
		return unlimitedCreditsUSD
	}
	images := max(l.credits-l.generated-l.inProgress, 0)
	return math.Round(float64(images)*model.NewRealityLightning.PriceUSD*1e6) / 1e6
}

// reserveLocked admits images that start now and should be done after the
// server's latency. s.mu must be held.
func (s *Server) reserveLocked(images int64, now time.Time) (*reservation, *rejection) {
	if s.closed {
		return nil, &rejection{status: http.StatusServiceUnavailable, msg: "The emulator is shutting down"}
	}
	return s.ledger.reserve(images, now.Add(s.latency), now)
}

// writeRejection answers a refused generation request.
func writeRejection(w http.ResponseWriter, rej *rejection) {
	if rej.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(rej.retryAfter))
	}
	writeError(w, rej.status, rej.msg)
}

// formatUSD renders a dollar amount as a plain JSON-style number.
func formatUSD(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
