package jsonsplit

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Object splits the JSON object data into its members' keys (decoded)
// and raw values, in order; ok is false for anything else, or anything
// after the object.
func Object(data []byte) (keys []string, values [][]byte, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, nil, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil, nil, len(bytes.TrimSpace(data[i+1:])) == 0
	}
	for {
		key, next, ok := scanString(data, i)
		if !ok {
			return nil, nil, false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return nil, nil, false
		}
		i = skipSpace(data, i+1)
		end, ok := scanValue(data, i)
		if !ok {
			return nil, nil, false
		}
		keys = append(keys, key)
		values = append(values, data[i:end])
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return keys, values, len(bytes.TrimSpace(data[i+1:])) == 0
		default:
			return nil, nil, false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString reads the JSON string at i: its value, and where it ends.
func scanString(data []byte, i int) (string, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return "", 0, false
	}
	escaped := false
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '\\':
			escaped = true
			j++
		case c == '"':
			if !escaped && utf8.Valid(data[i+1:j]) {
				return string(data[i+1 : j]), j + 1, true
			}
			// Escapes, or bytes that are not UTF-8 (which encoding/json
			// reads as U+FFFD): decoded as encoding/json decodes them.
			var s string
			if json.Unmarshal(data[i:j+1], &s) != nil {
				return "", 0, false
			}
			return s, j + 1, true
		case c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

// scanValue finds the end of the JSON value at i, matching brackets and
// skipping strings; the value itself is validated when it is decoded.
func scanValue(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return 0, false
	}
	switch data[i] {
	case '"':
		_, end, ok := scanString(data, i)
		return end, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				_, end, ok := scanString(data, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(data) && bytes.IndexByte([]byte(",}] \t\r\n"), data[j]) < 0 {
		j++
	}
	return j, j > i
}
