package review

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Picker records a pick: candidate k of the image at address. It returns
// what it did, in a sentence, or why it could not.
type Picker func(address string, k int) (string, error)

// newToken returns a token for a served page: 128 random bits, in hex.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making the page's token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Loopback reports whether addr (host:port) is on the loopback
// interface: a served page is for the person at this machine only.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// Serve serves the page's folder on l until ctx ends, and records the
// picks its buttons send (POST /pick?token=…, a JSON body {"address",
// "candidate"}) with pick. Every request must carry the token, in the
// query: the page's address has it, and nothing else on the machine can
// guess it. Requests whose Host is not the listener's (DNS rebinding) are
// refused.
func Serve(ctx context.Context, l net.Listener, dir, token string, pick Picker) error {
	files := http.FileServer(http.Dir(dir))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /pick", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Address   string `json:"address"`
			Candidate int    `json:"candidate"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the request is not a pick: " + err.Error()})
			return
		}
		msg, err := pick(body.Address, body.Candidate)
		if err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"message": msg})
	})
	mux.Handle("GET /", files)
	// The page itself, at the address printed (…/index.html?token=…) and
	// at the folder's: http.FileServer answers the first with a redirect
	// to the second, and an address that is printed must answer 200.
	page := func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(filepath.Join(dir, IndexName))
		if err != nil {
			http.Error(w, "the review page is not there: "+err.Error(), http.StatusNotFound)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.ServeContent(w, r, IndexName, fi.ModTime(), f)
	}
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET /"+IndexName, page)
	host := l.Addr().String()
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got := r.URL.Query().Get("token")
			switch {
			case r.Host != host:
				http.Error(w, "wrong host", http.StatusForbidden)
			case subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 && !isPageAsset(r):
				http.Error(w, "this page needs the token its address was printed with", http.StatusForbidden)
			default:
				w.Header().Set("Cache-Control", "no-store")
				mux.ServeHTTP(w, r)
			}
		}),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Requests under way (a pick being written) are let finish; then the
	// connections a browser keeps open, or opened ahead and never used
	// (which Shutdown waits for), are closed: Ctrl-C stops serving.
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		_ = srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// isPageAsset reports a request for one of the page's images: the page
// itself is fetched with the token, and the images it shows by relative
// addresses without it. They are no secret: the same files are on disk
// beside the page.
func isPageAsset(r *http.Request) bool {
	return r.Method == http.MethodGet && len(r.URL.Path) > len("/"+imageDir+"/") && r.URL.Path[:len(imageDir)+2] == "/"+imageDir+"/"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ServeOnLoopback serves the page's folder on addr (a loopback address)
// until ctx ends or stop is closed, with a fresh token, recording the
// picks with pick, one at a time. serving hears the page's address once
// it is served.
func ServeOnLoopback(ctx context.Context, addr, dir string, stop <-chan struct{}, pick Picker, serving func(url string)) error {
	token, err := newToken()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serving the review page: %w", err)
	}
	var mu sync.Mutex
	oneAtATime := func(addr string, k int) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		return pick(addr, k)
	}
	serving(fmt.Sprintf("http://%s/%s?token=%s", l.Addr(), IndexName, token))
	serveCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-serveCtx.Done():
		}
	}()
	if err := Serve(serveCtx, l, dir, token, oneAtATime); err != nil {
		return fmt.Errorf("serving the review page: %w", err)
	}
	return nil
}
