package cli

import "strings"

// Getenv looks key up in environ (KEY=VALUE pairs), the first one
// that sets it; "" when none does.
func Getenv(environ []string, key string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
