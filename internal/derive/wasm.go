package derive

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// The encoders are libwebp 1.4.0 and libavif 1.1.1 (with libaom 3.10.0)
// compiled to WebAssembly, as github.com/gen2brain/webp v0.5.5 and
// github.com/gen2brain/avif v0.4.4 ship them (wasm/README.md). Those
// packages load a libwebp or libavif installed on the machine instead
// when they find one, at init and with no way to refuse it at run time
// (only a build tag does), so a machine with the library would write
// other bytes; this package runs the same modules itself with wazero and
// never loads a system library. WebAssembly's arithmetic is defined to
// the bit (no fused multiply-add, IEEE rounding), and the modules see a
// fixed clock and random source (wazero's defaults), so they encode the
// same bytes on every GOARCH, compiled by wazero or interpreted.

//go:embed wasm/webp.wasm.gz
var webpWasm []byte

//go:embed wasm/avif-encode.wasm.gz
var avifWasm []byte

// wasmModule is a compiled module, instantiated afresh for each call so
// that no state carries over from one encode to the next.
type wasmModule struct {
	name    string
	runtime wazero.Runtime
	code    wazero.CompiledModule
}

var (
	webpModule = sync.OnceValues(func() (*wasmModule, error) { return compile("libwebp", webpWasm) })
	avifModule = sync.OnceValues(func() (*wasmModule, error) { return compile("libavif", avifWasm) })
)

// compile decompresses and compiles a module, in a runtime of its own
// with WASI (which the modules import for their C library).
func compile(name string, gz []byte) (*wasmModule, error) {
	ctx := context.Background()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("loading the %s module: %w", name, err)
	}
	code, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("loading the %s module: %w", name, err)
	}
	rt := wazero.NewRuntime(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, fmt.Errorf("starting WASI for the %s module: %w", name, err)
	}
	compiled, err := rt.CompileModule(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("compiling the %s module: %w", name, err)
	}
	return &wasmModule{name: name, runtime: rt, code: compiled}, nil
}

// encodeCall runs the module's exported encode function on the RGBA
// pixels in: it copies them into a fresh instance's memory, calls
// encode(in, args...) with a pointer to the output size appended where
// the C signature wants it (after the first three arguments: pixels,
// width, height), and returns a copy of the encoded bytes.
func (m *wasmModule) encodeCall(in []byte, width, height int, args ...uint64) ([]byte, error) {
	ctx := context.Background()
	// Anonymous, with standard output and error discarded (wazero's
	// default), and the default fixed clock and random source.
	mod, err := m.runtime.InstantiateModule(ctx, m.code, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", m.name, err)
	}
	defer mod.Close(ctx)
	malloc, free, encode := mod.ExportedFunction("malloc"), mod.ExportedFunction("free"), mod.ExportedFunction("encode")
	if malloc == nil || free == nil || encode == nil {
		return nil, fmt.Errorf("the %s module lacks malloc, free or encode", m.name)
	}
	alloc := func(n int) (uint32, error) {
		res, err := malloc.Call(ctx, uint64(n))
		if err != nil {
			return 0, fmt.Errorf("%s: allocating %d bytes: %w", m.name, n, err)
		}
		if res[0] == 0 {
			return 0, fmt.Errorf("%s: out of memory allocating %d bytes", m.name, n)
		}
		return uint32(res[0]), nil
	}
	inPtr, err := alloc(len(in))
	if err != nil {
		return nil, err
	}
	if !mod.Memory().Write(inPtr, in) {
		return nil, fmt.Errorf("%s: writing the pixels into the module's memory failed", m.name)
	}
	sizePtr, err := alloc(8)
	if err != nil {
		return nil, err
	}
	if !mod.Memory().WriteUint64Le(sizePtr, 0) {
		return nil, fmt.Errorf("%s: clearing the output size failed", m.name)
	}
	params := append([]uint64{api.EncodeU32(inPtr), uint64(width), uint64(height), api.EncodeU32(sizePtr)}, args...)
	res, err := encode.Call(ctx, params...)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding: %w", m.name, err)
	}
	outPtr := api.DecodeU32(res[0])
	size, ok := mod.Memory().ReadUint64Le(sizePtr)
	if !ok {
		return nil, fmt.Errorf("%s: reading the output size failed", m.name)
	}
	if outPtr == 0 || size == 0 {
		return nil, errors.New(m.name + ": the encoder failed")
	}
	out, ok := mod.Memory().Read(outPtr, uint32(size))
	if !ok {
		return nil, fmt.Errorf("%s: reading %d encoded bytes failed", m.name, size)
	}
	return bytes.Clone(out), nil
}
