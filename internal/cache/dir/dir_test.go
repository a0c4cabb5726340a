package dir

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cache/cachetest"
	"github.com/imgform/imgform/internal/imagetest"
	"github.com/imgform/imgform/internal/model"
)

// The directory store is a cache.Store.
func TestConformance(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cachetest.Harness {
		s := New(filepath.Join(t.TempDir(), "cache"))
		damage := func(t *testing.T, h model.Hash, i int) {
			e, err := s.meta(h)
			if err != nil {
				t.Fatal(err)
			}
			imagetest.FlipByte(t, filepath.Join(s.EntryDir(h), e.Files[i].Name))
		}
		return cachetest.Harness{
			Store: s,
			// A directory keeps nothing of a file but its bytes: damage
			// is damage behind its back.
			Damage:       damage,
			DamageBehind: damage,
			Incomplete: func(t *testing.T, h model.Hash) {
				if err := os.Remove(filepath.Join(s.EntryDir(h), MetaName)); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

// Junk beside the entries is not listed; a removed entry's directory goes.
func TestListSkipsJunk(t *testing.T) {
	root := filepath.Join(t.TempDir(), "cache")
	s := New(root)
	h := model.SumBytes([]byte("x"))
	if err := s.Put(t.Context(), &cache.Entry{InputHash: h, Files: []cache.File{{Name: "0.png", SHA256: model.SumBytes([]byte("a")), Size: 1}}}, [][]byte{[]byte("a")}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"README", "zz/not-a-hash", "abc/" + model.SumBytes([]byte("y")).String()} {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List(t.Context())
	if err != nil || len(got) != 1 || got[0] != h {
		t.Errorf("List = %v, %v; want only %s", got, err, h.Short())
	}
	if err := s.Remove(t.Context(), h); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.EntryDir(h)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed entry's directory remains: %v", err)
	}
}

// An entry under a shard folder that is a symbolic link (a cache spread
// over disks by hand) is listed, as Get finds it.
func TestListFollowsLinkedShards(t *testing.T) {
	root := filepath.Join(t.TempDir(), "cache")
	elsewhere := t.TempDir()
	s := New(root)
	h := model.SumBytes([]byte("x"))
	if err := s.Put(t.Context(), &cache.Entry{InputHash: h, Files: []cache.File{{Name: "0.png", SHA256: model.SumBytes([]byte("a")), Size: 1}}}, [][]byte{[]byte("a")}); err != nil {
		t.Fatal(err)
	}
	shard := filepath.Dir(s.EntryDir(h))
	moved := filepath.Join(elsewhere, filepath.Base(shard))
	if err := os.Rename(shard, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, shard); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(t.Context(), h); err != nil {
		t.Fatalf("Get through the linked shard: %v", err)
	}
	got, err := s.List(t.Context())
	if err != nil || len(got) != 1 || got[0] != h {
		t.Errorf("List = %v, %v; want %s", got, err, h.Short())
	}
}

// A file name in the metadata that leaves the entry's directory is
// refused, on Put and on Get.
func TestFileNamesStayInside(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "cache"))
	h := model.SumBytes([]byte("x"))
	for _, name := range []string{"../../escape.png", "/etc/passwd", "..", ""} {
		e := &cache.Entry{InputHash: h, Files: []cache.File{{Name: name, SHA256: model.SumBytes([]byte("a")), Size: 1}}}
		if err := s.Put(t.Context(), e, [][]byte{[]byte("a")}); err == nil {
			t.Errorf("Put of a file named %q succeeded", name)
		}
	}
	// A hand-edited meta.json naming a file outside.
	if err := s.Put(t.Context(), &cache.Entry{InputHash: h, Files: []cache.File{{Name: "0.png", SHA256: model.SumBytes([]byte("a")), Size: 1}}}, [][]byte{[]byte("a")}); err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(s.EntryDir(h), MetaName)
	data, _ := os.ReadFile(meta)
	if err := os.WriteFile(meta, []byte(strings.Replace(string(data), `"0.png"`, `"../../../secret"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(t.Context(), h); err == nil || !strings.Contains(err.Error(), "outside the entry") {
		t.Errorf("Get of an entry naming a file outside: %v", err)
	}
}

// The cache directory is created at the first Put, with a .gitignore
// that keeps it out of git; one the user changed is left alone.
func TestGitignore(t *testing.T) {
	root := filepath.Join(t.TempDir(), "cache")
	s := New(root)
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("New created its directory: %v", err)
	}
	put := func(name string) {
		h := model.SumBytes([]byte(name))
		if err := s.Put(t.Context(), &cache.Entry{InputHash: h, Files: []cache.File{{Name: "0.png", SHA256: model.SumBytes([]byte(name)), Size: 1}}}, [][]byte{[]byte(name)}); err != nil {
			t.Fatal(err)
		}
	}
	put("x")
	data, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Split(string(data), "\n"), "*") {
		t.Errorf(".gitignore is %q; want a line \"*\"", data)
	}
	if err := os.WriteFile(filepath.Join(root, ".gitignore"), []byte("*\n!keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	put("y")
	if data, _ := os.ReadFile(filepath.Join(root, ".gitignore")); string(data) != "*\n!keep\n" {
		t.Errorf(".gitignore rewritten: %q", data)
	}
}
