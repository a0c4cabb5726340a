package segmind

import (
	"errors"
	"fmt"

	"github.com/imgform/imgform/internal/generate"
)

// Advice says what stopped a run that called the API, from err, the
// error the run reported as a whole, and what to do about it: the key,
// the credits or the network; ok is false for an error that is none of
// the API's.
func Advice(err error) (advice string, ok bool) {
	var apiErr *generate.Error
	var keyErr *MalformedKeyError
	switch {
	case errors.As(err, &keyErr):
		return keyErr.Error(), true
	case !errors.As(err, &apiErr):
		return "", false
	}
	switch apiErr.Reason {
	case generate.BadKey:
		return fmt.Sprintf("the API refused the key (%s). Set %s to a valid API key from your Segmind account, then run imgform apply again; what finished is saved.", apiErr, EnvAPIKey), true
	case generate.Forbidden:
		return fmt.Sprintf("the API key is not allowed to do this (%s). Check the key's permissions, or set %s to another key.", apiErr, EnvAPIKey), true
	case generate.NoCredits:
		return fmt.Sprintf("the account is out of credits (%s). Top up your Segmind credits, then run imgform apply again; what finished is saved.", apiErr), true
	case generate.Unreachable, generate.Retryable:
		return fmt.Sprintf("%s. Check the network, or %s if it points elsewhere.", err, EnvBaseURL), true
	}
	return err.Error(), true
}
