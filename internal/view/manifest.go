package view

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/imgform/imgform/internal/state"
)

// ManifestFormatVersion is the version of imgform output -json's
// document (docs/output-json.md). It changes only when a field is removed
// or changes meaning; new fields may appear.
const ManifestFormatVersion = "1.0"

// Manifest is what imgform output prints: every file the state records,
// grouped by image, for build tools (docs/output-json.md).
type Manifest struct {
	FormatVersion string                    `json:"format_version"`
	Images        map[string]*ManifestImage `json:"images"`
	// Warnings are files whose size could be read neither from their
	// header nor from the state; printed apart from the document.
	Warnings []string `json:"-"`
	order    []string
}

// ManifestImage is one image's files.
type ManifestImage struct {
	// Files are the image's outputs, then its variants, in the state's
	// order.
	Files []ManifestFile `json:"files"`
	// Srcset holds, per media type, a srcset attribute's value listing
	// the image's files of that type by width ("a-256.webp 256w,
	// a-512.webp 512w"): the first sample's, one per width. Absent when
	// the image has no file of known width.
	Srcset map[string]string `json:"srcset,omitempty"`
}

// ManifestFile is one file: an output or a variant.
type ManifestFile struct {
	Kind      string `json:"kind"`              // "output" or "variant"
	Variant   string `json:"variant,omitempty"` // the variant block's label
	Sample    int    `json:"sample"`            // which of the request's images it is (or is derived from)
	Path      string `json:"path"`              // relative to the configuration folder, slash-separated
	Format    string `json:"format"`            // png, jpeg, webp or avif
	MediaType string `json:"media_type"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Bytes     int64  `json:"bytes"`
	SHA256    string `json:"sha256"`
}

// SizeReader reads a file's pixel size from its header (the caller's
// codec-aware reader: view links no codec).
type SizeReader func(path string) (width, height int, err error)

// NewManifest builds the manifest of the state's images at addrs, in that
// order. Each file's width and height are read from its header with
// size; when that fails (the file is gone or damaged), from what the
// state records: the request's size for an output, the variant's width
// and height when it set both.
func NewManifest(st *state.State, addrs []string, size SizeReader) *Manifest {
	m := &Manifest{FormatVersion: ManifestFormatVersion, Images: make(map[string]*ManifestImage, len(addrs)), order: addrs}
	for _, addr := range addrs {
		e := st.Images[addr]
		if e == nil {
			continue
		}
		img := &ManifestImage{Files: []ManifestFile{}}
		for i, o := range e.Outputs {
			f := manifestFile("output", "", i, o.Path, o.Size, o.SHA256)
			f.Width, f.Height = e.Request.Width(), e.Request.Height()
			m.measure(&f, size, f.Width > 0 && f.Height > 0)
			img.Files = append(img.Files, f)
		}
		for _, v := range e.Variants {
			f := manifestFile("variant", v.Name, v.Sample, v.Path, v.Size, v.SHA256)
			_, errW := fmt.Sscan(v.Attributes["width"], &f.Width)
			_, errH := fmt.Sscan(v.Attributes["height"], &f.Height)
			recorded := errW == nil && errH == nil && f.Width > 0 && f.Height > 0
			if !recorded {
				f.Width, f.Height = 0, 0
			}
			m.measure(&f, size, recorded)
			img.Files = append(img.Files, f)
		}
		img.Srcset = srcsets(img.Files)
		m.Images[addr] = img
	}
	return m
}

func manifestFile(kind, variant string, sample int, p string, n int64, sum state.Hash) ManifestFile {
	format := strings.TrimPrefix(strings.ToLower(path.Ext(p)), ".")
	if format == "jpg" {
		format = "jpeg"
	}
	return ManifestFile{Kind: kind, Variant: variant, Sample: sample, Path: p, Format: format,
		MediaType: "image/" + format, Bytes: n, SHA256: sum.String()}
}

// measure sets f's size from its header, keeping the recorded one when
// the header cannot be read, and noting a file of unknown size.
func (m *Manifest) measure(f *ManifestFile, size SizeReader, recorded bool) {
	w, h, err := size(f.Path)
	switch {
	case err == nil:
		f.Width, f.Height = w, h
	case !recorded:
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s: its size is unknown (width and height 0): %v", f.Path, err))
	}
}

// srcsets lists the first sample's files by width, per media type.
func srcsets(files []ManifestFile) map[string]string {
	out := map[string]string{}
	seen := map[string]bool{}
	for _, f := range files {
		key := fmt.Sprintf("%s %d", f.MediaType, f.Width)
		if f.Sample != 0 || f.Width <= 0 || seen[key] || strings.ContainsAny(f.Path, " ,") {
			continue // a path with a space or comma cannot be written in a srcset unescaped
		}
		seen[key] = true
		if out[f.MediaType] != "" {
			out[f.MediaType] += ", "
		}
		out[f.MediaType] += fmt.Sprintf("%s %dw", f.Path, f.Width)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// WriteManifestJSON writes the manifest as one JSON document.
func WriteManifestJSON(w io.Writer, m *Manifest) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}

// WriteManifestText writes the manifest for people: per image, a line per
// file with its size and hash, then its srcset lists.
func WriteManifestText(w io.Writer, m *Manifest) error {
	if len(m.Images) == 0 {
		_, err := fmt.Fprintln(w, "The state records no image: nothing has been generated yet.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	first := true
	for _, addr := range m.order {
		img := m.Images[addr]
		if img == nil {
			continue
		}
		if !first {
			fmt.Fprintln(tw)
		}
		first = false
		fmt.Fprintf(tw, "# %s\n", addr)
		for _, f := range img.Files {
			what := f.Kind
			if f.Kind == "variant" {
				what = "variant " + f.Variant
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%d×%d\t%d bytes\tsha256 %s\n", what, f.Path, f.Format, f.Width, f.Height, f.Bytes, f.SHA256)
		}
		for _, mt := range slices.Sorted(maps.Keys(img.Srcset)) {
			fmt.Fprintf(tw, "    srcset %s\t%s\n", mt, img.Srcset[mt])
		}
	}
	return tw.Flush()
}
