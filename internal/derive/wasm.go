package derive

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
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

// wasmModule is a compiled module and a pool of its instances: an
// instance is made for an encode when none is idle, and kept for the next
// one after (up to one per core: the encodes running at once), so that an
// encode neither instantiates the module nor copies its memory. An encode
// frees all it allocated; what an encoder computes does not depend on
// where its memory lies or what freed memory held (TestPooledInstances
// holds it to that: the bytes of a fresh instance), and an instance
// whose call failed, or whose memory grew past maxPooledMemory, is closed
// rather than kept.
type wasmModule struct {
	name    string
	runtime wazero.Runtime
	code    wazero.CompiledModule
	idle    chan api.Module
	// freesInput: encode frees the pixels it is given (libavif's wrapper
	// does: it hands them to avifRGBImage, whose FreePixels frees them),
	// so encodeCall must not free them again.
	freesInput bool
}

// maxPooledMemory is the largest memory of an instance kept for another
// encode: one grown larger is let go. libavif's wrapper leaks the
// w×h×4 bytes avifRGBImageAllocatePixels gives it (it then points the
// image at its input instead) on every encode, so an AVIF instance grows
// by 256 KiB for each 256 px encode: it is replaced after about twenty.
const maxPooledMemory = 10 << 20

var (
	webpModule = sync.OnceValues(func() (*wasmModule, error) { return compile("libwebp", webpWasm, false) })
	avifModule = sync.OnceValues(func() (*wasmModule, error) { return compile("libavif", avifWasm, true) })
)

// The compilation cache: wazero keeps the machine code it compiles the
// modules to in a folder, keyed by each module's SHA-256 under a folder
// of its version, GOARCH and GOOS (wazero-1.12.0-amd64-linux), written
// to a temporary file and renamed into place, so that processes sharing
// the folder at once each read whole files. A process after the first
// then loads the codecs instead of compiling them (1–3 CPU-seconds).
var (
	compilationCacheDirOnce sync.Once
	compilationCacheDir     string
	// compilationCache is made when a codec is first compiled (a WebP
	// or AVIF encode), so that a run that encodes neither leaves no
	// folder behind.
	compilationCache = sync.OnceValue(func() wazero.CompilationCache {
		compilationCacheDirOnce.Do(func() {}) // none from now on, if none was given
		return newCompilationCache(compilationCacheDir)
	})
)

// UseCompilationCache keeps the codecs' compiled code in dir (imgform
// gives a folder of its cache), for the processes after this one. Call it
// before the first encode; later calls change nothing. The folder is
// made when a codec is first compiled (a WebP or AVIF encode); one that
// cannot be made or used leaves the compiled code in memory: no error.
func UseCompilationCache(dir string) {
	compilationCacheDirOnce.Do(func() { compilationCacheDir = dir })
}

// newCompilationCache is a compilation cache in dir, or nil when there
// is no folder or it cannot be made.
func newCompilationCache(dir string) wazero.CompilationCache {
	if dir == "" {
		return nil
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil
	}
	return c
}

// compile decompresses and compiles a module, in a runtime of its own
// with WASI (which the modules import for their C library), through the
// compilation cache if UseCompilationCache gave one.
func compile(name string, gz []byte, freesInput bool) (*wasmModule, error) {
	code, err := gunzip(gz)
	if err != nil {
		return nil, fmt.Errorf("loading the %s module: %w", name, err)
	}
	m, err := compileWith(compilationCache(), name, code)
	if err != nil {
		return nil, err
	}
	m.freesInput = freesInput
	return m, nil
}

// compileWith compiles through the cache c (nil: none), and again
// without it when that fails.
func compileWith(c wazero.CompilationCache, name string, code []byte) (*wasmModule, error) {
	if c != nil {
		if m, err := compileIn(name, code, wazero.NewRuntimeConfig().WithCompilationCache(c)); err == nil {
			return m, nil
		}
	}
	return compileIn(name, code, wazero.NewRuntimeConfig())
}

func gunzip(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// compileIn compiles a module in a new runtime of the given configuration.
func compileIn(name string, code []byte, cfg wazero.RuntimeConfig) (*wasmModule, error) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("starting WASI for the %s module: %w", name, err)
	}
	compiled, err := rt.CompileModule(ctx, code)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("compiling the %s module: %w", name, err)
	}
	return &wasmModule{name: name, runtime: rt, code: compiled, idle: make(chan api.Module, runtime.GOMAXPROCS(0))}, nil
}

// instance returns an idle instance, or a new one.
func (m *wasmModule) instance(ctx context.Context) (api.Module, error) {
	select {
	case mod := <-m.idle:
		return mod, nil
	default:
	}
	// Anonymous, with standard output and error discarded (wazero's
	// default), and the default fixed clock and random source.
	mod, err := m.runtime.InstantiateModule(experimental.WithMemoryAllocator(ctx, memoryAllocator), m.code, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", m.name, err)
	}
	return mod, nil
}

// release keeps an instance for the next encode, or closes it: after a
// failure, when its memory grew large, or when enough are idle.
func (m *wasmModule) release(ctx context.Context, mod api.Module, ok bool) {
	if ok && mod.Memory().Size() <= maxPooledMemory {
		select {
		case m.idle <- mod:
			return
		default:
		}
	}
	mod.Close(ctx)
}

// encodeCall runs the module's exported encode function on the RGBA
// pixels in: it copies them into an instance's memory, calls
// encode(in, args...) with a pointer to the output size appended where
// the C signature wants it (after the first three arguments: pixels,
// width, height), returns a copy of the encoded bytes, and frees what it
// allocated in the instance.
func (m *wasmModule) encodeCall(in []byte, width, height int, args ...uint64) (_ []byte, err error) {
	ctx := context.Background()
	mod, err := m.instance(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { m.release(ctx, mod, err == nil) }()
	malloc, free, encode := mod.ExportedFunction("malloc"), mod.ExportedFunction("free"), mod.ExportedFunction("encode")
	if malloc == nil || free == nil || encode == nil {
		return nil, fmt.Errorf("the %s module lacks malloc, free or encode", m.name)
	}
	var allocated []uint32
	defer func() {
		for _, p := range allocated {
			if _, ferr := free.Call(ctx, uint64(p)); ferr != nil && err == nil {
				err = fmt.Errorf("%s: freeing: %w", m.name, ferr)
			}
		}
	}()
	alloc := func(n int) (uint32, error) {
		res, err := malloc.Call(ctx, uint64(n))
		if err != nil {
			return 0, fmt.Errorf("%s: allocating %d bytes: %w", m.name, n, err)
		}
		if res[0] == 0 {
			return 0, fmt.Errorf("%s: out of memory allocating %d bytes", m.name, n)
		}
		allocated = append(allocated, uint32(res[0]))
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
	if m.freesInput {
		allocated = allocated[1:] // encode frees the pixels
	}
	res, err := encode.Call(ctx, params...)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding: %w", m.name, err)
	}
	outPtr := api.DecodeU32(res[0])
	if outPtr != 0 {
		allocated = append(allocated, outPtr) // the encoder's output, from its malloc
	}
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
