package segmind

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// Credits is the account's balance, as GET /v1/get-user-credits says.
type Credits struct {
	Credits     float64
	FreeCredits float64
}

// Credits asks for the account's credit balance.
func (c *Client) Credits(ctx context.Context) (_ *Credits, err error) {
	defer tag(&err)
	r, err := c.do(ctx, "credits", http.MethodGet, c.endpoint(wire.PathCredits), nil, maxErrorBytes, c.callTimeout)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, c.statusError("credits", r)
	}
	var body wire.CreditsResponse
	if err := json.Unmarshal(r.body, &body); err != nil {
		return nil, withStatus(&generate.Error{Op: "credits", Reason: generate.Retryable, Message: "the answer is not valid JSON"}, r.status)
	}
	return &Credits{Credits: body.Credits, FreeCredits: body.FreeCredits}, nil
}

// RemainingCredits is the balance the service sent with its last v1
// answer (X-Remaining-Credits), when it sent one.
func (c *Client) RemainingCredits() (float64, bool) {
	if p := c.remaining.Load(); p != nil {
		return *p, true
	}
	return 0, false
}
