package segmind

import (
	"context"
	"encoding/json"
	"net/http"
)

// Credits asks for the account's credit balance.
func (c *Client) Credits(ctx context.Context) (*CreditsResponse, error) {
	r, err := c.do(ctx, "credits", http.MethodGet, c.endpoint(PathCredits), nil, maxErrorBytes, c.callTimeout)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, c.statusError("credits", r)
	}
	var body CreditsResponse
	if err := json.Unmarshal(r.body, &body); err != nil {
		return nil, &APIError{Op: "credits", StatusCode: r.status, Class: ClassRetryable, Message: "the answer is not valid JSON"}
	}
	return &body, nil
}
