package spec

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// baseFunctions are the functions that need nothing of the configuration:
// the cty standard library under the names a Terraform user knows, plus
// the encoding, hashing and conversion functions Terraform adds. Functions
// whose result changes from run to run (timestamp, uuid) are left out on
// purpose: they would make every plan show changes.
var baseFunctions = map[string]function.Function{
	// numeric
	"abs":      stdlib.AbsoluteFunc,
	"ceil":     stdlib.CeilFunc,
	"floor":    stdlib.FloorFunc,
	"log":      stdlib.LogFunc,
	"max":      stdlib.MaxFunc,
	"min":      stdlib.MinFunc,
	"parseint": stdlib.ParseIntFunc,
	"pow":      stdlib.PowFunc,
	"signum":   stdlib.SignumFunc,

	// string
	"chomp":         stdlib.ChompFunc,
	"endswith":      endsWithFunc,
	"format":        stdlib.FormatFunc,
	"formatlist":    stdlib.FormatListFunc,
	"indent":        stdlib.IndentFunc,
	"join":          stdlib.JoinFunc,
	"lower":         stdlib.LowerFunc,
	"regex":         stdlib.RegexFunc,
	"regexall":      stdlib.RegexAllFunc,
	"regex_replace": stdlib.RegexReplaceFunc,
	"replace":       replaceFunc,
	"split":         stdlib.SplitFunc,
	"startswith":    startsWithFunc,
	"strcontains":   strContainsFunc,
	"strrev":        stdlib.ReverseFunc,
	"substr":        stdlib.SubstrFunc,
	"title":         stdlib.TitleFunc,
	"trim":          stdlib.TrimFunc,
	"trimprefix":    stdlib.TrimPrefixFunc,
	"trimspace":     stdlib.TrimSpaceFunc,
	"trimsuffix":    stdlib.TrimSuffixFunc,
	"upper":         stdlib.UpperFunc,

	// collection
	"chunklist":       stdlib.ChunklistFunc,
	"coalesce":        coalesceFunc,
	"coalescelist":    stdlib.CoalesceListFunc,
	"compact":         stdlib.CompactFunc,
	"concat":          stdlib.ConcatFunc,
	"contains":        stdlib.ContainsFunc,
	"distinct":        stdlib.DistinctFunc,
	"element":         stdlib.ElementFunc,
	"flatten":         stdlib.FlattenFunc,
	"keys":            stdlib.KeysFunc,
	"length":          lengthFunc,
	"lookup":          stdlib.LookupFunc,
	"merge":           stdlib.MergeFunc,
	"range":           stdlib.RangeFunc,
	"reverse":         stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setproduct":      stdlib.SetProductFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"slice":           stdlib.SliceFunc,
	"sort":            stdlib.SortFunc,
	"values":          stdlib.ValuesFunc,
	"zipmap":          stdlib.ZipmapFunc,

	// encoding
	"base64decode": base64DecodeFunc,
	"base64encode": base64EncodeFunc,
	"csvdecode":    stdlib.CSVDecodeFunc,
	"jsondecode":   stdlib.JSONDecodeFunc,
	"jsonencode":   stdlib.JSONEncodeFunc,
	"urlencode":    urlEncodeFunc,

	// hashing
	"md5":    hashFunc(md5.New),
	"sha1":   hashFunc(sha1.New),
	"sha256": hashFunc(sha256.New),
	"sha512": hashFunc(sha512.New),

	// type conversion
	"tobool":   stdlib.MakeToFunc(cty.Bool),
	"tolist":   stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap":    stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"tonumber": stdlib.MakeToFunc(cty.Number),
	"toset":    stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tostring": stdlib.MakeToFunc(cty.String),

	// error handling
	"can": tryfunc.CanFunc,
	"try": tryfunc.TryFunc,
}

// leftOut are Terraform functions the language refuses on purpose, with
// the reason a call says.
var leftOut = map[string]string{
	"timestamp":     "its value changes on every run, and so would every image that uses it, paying for a new one each time",
	"plantimestamp": "its value changes on every run, and so would every image that uses it, paying for a new one each time",
	"uuid":          "its value changes on every run, and so would every image that uses it, paying for a new one each time",
	"bcrypt":        "its value changes on every run (a random salt), and so would every image that uses it",
}

// leftOutFunction refuses a call, saying why the function is not offered.
func leftOutFunction(name, why string) function.Function {
	return function.New(&function.Spec{
		VarParam: &function.Parameter{Name: "args", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true, AllowDynamicType: true},
		Type: func([]cty.Value) (cty.Type, error) {
			return cty.NilType, fmt.Errorf("%s() is left out of imgform on purpose: %s. Write the value as a literal or a variable instead (an image is made again only when its request changes)", name, why)
		},
	})
}

// FunctionNames lists every function the language offers, for the docs.
func FunctionNames() []string {
	names := make([]string, 0, len(baseFunctions)+2)
	for n := range baseFunctions {
		names = append(names, n)
	}
	names = append(names, "file", "fileexists")
	return names
}

func stringPredicate(param string, f func(s, x string) bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{
			{Name: "str", Type: cty.String},
			{Name: param, Type: cty.String},
		},
		Type: function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(f(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

// replaceFunc is Terraform's replace: a substring written between forward
// slashes is a regular expression (RE2 syntax, $1 for a group in the
// replacement); any other substring is replaced literally.
var replaceFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if sub := args[1].AsString(); len(sub) > 1 && sub[0] == '/' && sub[len(sub)-1] == '/' {
			return stdlib.RegexReplace(args[0], cty.StringVal(sub[1:len(sub)-1]), args[2])
		}
		return stdlib.Replace(args[0], args[1], args[2])
	},
})

var (
	startsWithFunc  = stringPredicate("prefix", strings.HasPrefix)
	endsWithFunc    = stringPredicate("suffix", strings.HasSuffix)
	strContainsFunc = stringPredicate("substr", strings.Contains)
)

// lengthFunc is Terraform's length: the number of characters of a string,
// the number of attributes of an object (a map literal such as {a = 1} is
// one), or the number of elements of a collection.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		switch ty := args[0].Type(); {
		case ty == cty.String:
			return stdlib.Strlen(args[0])
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))), nil
		}
		return stdlib.Length(args[0])
	},
})

// coalesceFunc is Terraform's coalesce: the first argument that is
// neither null nor an empty string. (cty's own skips only nulls.)
var coalesceFunc = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "vals", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowNull: true},
	Type:     stdlib.CoalesceFunc.ReturnTypeForValues,
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		for _, arg := range args {
			if arg.IsNull() {
				continue
			}
			val, err := convert.Convert(arg, retType)
			if err != nil {
				return cty.UnknownVal(retType), err
			}
			if val.Type() == cty.String && val.AsString() == "" {
				continue
			}
			return val, nil
		}
		return cty.UnknownVal(retType), fmt.Errorf("no argument is set: every one is null or an empty string")
	},
})

func stringFunc(f func(string) (string, error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s, err := f(args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(s), nil
		},
	})
}

var (
	base64EncodeFunc = stringFunc(func(s string) (string, error) {
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	})
	base64DecodeFunc = stringFunc(func(s string) (string, error) {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "", fmt.Errorf("the string is not valid base64: %w", err)
		}
		if !utf8.Valid(b) {
			return "", fmt.Errorf("the decoded bytes are not valid UTF-8")
		}
		return string(b), nil
	})
	urlEncodeFunc = stringFunc(func(s string) (string, error) {
		return url.QueryEscape(s), nil
	})
)

func hashFunc(h func() hash.Hash) function.Function {
	return stringFunc(func(s string) (string, error) {
		sum := h()
		sum.Write([]byte(s))
		return hex.EncodeToString(sum.Sum(nil)), nil
	})
}

// fileReader implements file() and fileexists() for one configuration
// directory. It remembers every file it read, so that a saved plan can
// tell when one of them changed, and reads each file once.
type fileReader struct {
	dir string

	mu    sync.Mutex
	cache map[string]fileResult
}

type fileResult struct {
	text string
	err  error
}

func newFileReader(dir string) *fileReader {
	return &fileReader{dir: dir, cache: map[string]fileResult{}}
}

// Read returns the text of a file named relative to the configuration
// directory.
func (r *fileReader) Read(name string) (string, error) {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.dir, p)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if res, ok := r.cache[p]; ok {
		return res.text, res.err
	}
	res := fileResult{}
	var b []byte
	fi, err := os.Stat(p)
	if err == nil {
		switch {
		case fi.Mode().IsRegular():
			b, err = os.ReadFile(p)
		case fi.IsDir():
			err = fmt.Errorf("it is a folder, not a file")
		default:
			// A device or a pipe: reading one could never end
			// (/dev/zero, a FIFO nobody writes to).
			err = fmt.Errorf("it is not a regular file")
		}
	}
	switch {
	case os.IsNotExist(err):
		res.err = fmt.Errorf("no file exists at %q; file() reads paths relative to the configuration directory", name)
	case err != nil:
		res.err = fmt.Errorf("cannot read %q: %w", name, err)
	case !utf8.Valid(b):
		res.err = fmt.Errorf("the file %q is not valid UTF-8 text", name)
	default:
		res.text = string(b)
	}
	r.cache[p] = res
	return res.text, res.err
}

// Files returns the paths of the files read successfully, as given to
// file() but joined to the configuration directory.
func (r *fileReader) Files() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for p, res := range r.cache {
		if res.err == nil {
			out = append(out, p)
		}
	}
	return out
}

func (r *fileReader) functions() map[string]function.Function {
	fns := make(map[string]function.Function, len(baseFunctions)+2)
	for n, f := range baseFunctions {
		fns[n] = f
	}
	for name, why := range leftOut {
		fns[name] = leftOutFunction(name, why)
	}
	fns["file"] = stringFunc(r.Read)
	fns["fileexists"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(r.dir, p)
			}
			fi, err := os.Stat(p)
			return cty.BoolVal(err == nil && fi.Mode().IsRegular()), nil
		},
	})
	return fns
}
