package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// statusClientClosedRequest is recorded (nginx's convention) when a v1
// client goes away before its image is ready; nobody reads the answer.
const statusClientClosedRequest = 499

var errServerClosed = errors.New("emulator closed")

// handleV1Generate serves POST /v1/{model}: it waits the latency, renders
// every sample, bills them, and answers with the image.
func (s *Server) handleV1Generate(w http.ResponseWriter, r *http.Request, _ []string) {
	d, berr := readRequest(w, r)
	if berr != nil {
		writeError(w, berr.status, berr.msg)
		return
	}
	req := d.req
	if word := s.blocklist.match(req.Prompt()); word != "" {
		// Refused up front: no image, not billed.
		writeError(w, http.StatusBadRequest, contentPolicyMessage(word))
		return
	}
	req = resolveSeed(req)

	s.mu.Lock()
	res, rej := s.reserveLocked(int64(req.Samples()), s.clock.Now())
	s.mu.Unlock()
	if rej != nil {
		writeRejection(w, rej)
		return
	}

	err := s.waitLatency(r.Context())
	var pngs [][]byte
	if err == nil {
		pngs, err = renderSamples(req)
	}
	s.mu.Lock()
	s.ledger.release(res, err == nil)
	balance := s.ledger.remainingUSD()
	s.mu.Unlock()

	switch {
	case err == nil:
	case errors.Is(err, errServerClosed):
		writeError(w, http.StatusServiceUnavailable, "The emulator is shutting down")
		return
	case r.Context().Err() != nil:
		writeError(w, statusClientClosedRequest, "Client closed the request")
		return
	default:
		writeError(w, http.StatusInternalServerError, "Internal server error: "+err.Error())
		return
	}

	w.Header().Set(wire.HeaderRemainingCredits, formatUSD(balance))
	if d.base64 {
		image, err := json.Marshal(base64Images(pngs))
		if err != nil {
			writeError(w, http.StatusInternalServerError, "Internal server error: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, wire.V1Base64Response{Image: image, Status: "Success"})
		return
	}
	// What the real service returns for samples > 1 without base64 is
	// unknown (fact sheet, open question 3). The emulator renders and bills
	// every sample but answers with the first image's bytes only.
	writeImage(w, pngs[0])
}

// handleCredits serves GET /v1/get-user-credits.
func (s *Server) handleCredits(w http.ResponseWriter, _ *http.Request, _ []string) {
	s.mu.Lock()
	balance := s.ledger.remainingUSD()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, wire.CreditsResponse{Credits: balance, FreeCredits: 0})
}

// waitLatency sleeps the server's inference time unless the client goes
// away or the server closes first.
func (s *Server) waitLatency(ctx context.Context) error {
	if s.latency <= 0 {
		return nil
	}
	t := s.clock.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-t.Chan():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errServerClosed
	}
}

// resolveSeed replaces the seed -1 ("random") by a random seed, as the
// service does; the placeholder then shows the seed that was used.
func resolveSeed(req model.Request) model.Request {
	if req.Seed() == -1 {
		return req.WithSeed(rand.Int64N(req.Schema().MaxSeed() + 1))
	}
	return req
}

// base64Images is the JSON value of a base64 answer: one string for one
// image, a list of strings for several.
func base64Images(pngs [][]byte) any {
	enc := make([]string, len(pngs))
	for i, b := range pngs {
		enc[i] = base64.StdEncoding.EncodeToString(b)
	}
	if len(enc) == 1 {
		return enc[0]
	}
	return enc
}
