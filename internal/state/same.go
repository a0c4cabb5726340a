package state

import (
	"bytes"
	"math"
	"reflect"
)

// sameEntry reports whether a and b hold the same value in every field,
// as far as it can tell cheaply; when it says so, they encode to the same
// bytes. It is how a save tells that an entry is the one the last save
// encoded without encoding it again. Apply changes entries in place (a
// derived variant, a moved output), and the checkpointer saves a copy of
// the state, so neither a pointer's identity nor its absence says
// anything: every field is compared, with the snapshot's own copy of the
// entry as it was encoded.
//
// The encoding of an entry (encoding/json, and the MarshalJSON of the
// types it holds) is a function of the values reachable from it: equal
// values encode equally. So every field is compared, unexported ones
// included, by reflection, which cannot miss a field added later. Floats
// are compared bit for bit (0 and -0 are ==, but encode as 0 and -0).
// What it cannot compare for certain (functions, channels, maps keyed by
// floats, values nested deeper than maxSameDepth) is different: the entry
// is encoded again, which is always right.
func sameEntry(a, b *Entry) bool {
	if a == nil || b == nil {
		return a == b
	}
	return sameValue(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem(), 0)
}

// maxSameDepth bounds sameValue's recursion: past it, values are taken to
// differ (a cycle of pointers ends there too).
const maxSameDepth = 32

func sameValue(a, b reflect.Value, depth int) bool {
	if depth > maxSameDepth || a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return math.Float64bits(a.Float()) == math.Float64bits(b.Float())
	case reflect.String:
		return a.String() == b.String()
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Array:
		if a.Type().Elem().Kind() == reflect.Uint8 && a.CanAddr() && b.CanAddr() {
			return bytes.Equal(a.Bytes(), b.Bytes()) // a hash
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		if a.Len() == 0 || a.UnsafePointer() == b.UnsafePointer() {
			return true
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return a.UnsafePointer() == b.UnsafePointer() || sameValue(a.Elem(), b.Elem(), depth+1)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem(), depth+1)
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		switch a.Type().Key().Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return false // keys equal by == may encode otherwise
		}
		it := a.MapRange()
		for it.Next() {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !sameValue(it.Value(), bv, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
