package placeholder

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/provenance"
)

// MaxSide is the largest width or height Render accepts.
const MaxSide = 8192

// Keyword is the keyword of the PNG tEXt chunk that marks every
// placeholder: its text is JSON saying which part of imgform made the
// image, that it is not SDXL output, and the request.
const Keyword = provenance.Placeholder

// Maker is the part of imgform that made a placeholder. It is written in
// the picture and in the text chunk.
type Maker string

const (
	// Emulator: served by imgform emulate, as the API's answer.
	Emulator Maker = "emulator"
	// Offline: rendered by apply --offline, without any API.
	Offline Maker = "offline"
)

// Note is the note in the placeholder's text chunk.
func (m Maker) Note() string { return "imgform " + string(m) + " placeholder, not SDXL output" }

// Meta is the JSON text of the placeholder's tEXt chunk.
type Meta struct {
	Generator string        `json:"generator"` // "imgform emulator", "imgform offline"
	Note      string        `json:"note"`
	Model     string        `json:"model"`
	Sample    int           `json:"sample"`
	Request   model.Request `json:"request"`
}

// Render renders sample number sample (from 0) of req as a PNG of
// the request's width × height pixels. The image shows the start of the
// prompt, the seed, a PLACEHOLDER marker and its maker on a background
// whose colours derive from a hash of the request; a tEXt chunk (Keyword)
// holds the request as JSON and says that the image is not SDXL output.
//
// The output is deterministic: the same request, sample and maker give the
// same bytes, and a different prompt, seed, any other image parameter or
// sample gives a different picture. The seed is drawn as given; resolve -1
// before calling.
func Render(req model.Request, sample int, maker Maker) ([]byte, error) {
	w, h := req.Width(), req.Height()
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return nil, fmt.Errorf("placeholder: cannot render a %d×%d placeholder: width and height must be between 1 and %d", w, h, MaxSide)
	}
	samples := max(req.Samples(), 1)
	if sample < 0 || sample >= samples {
		return nil, fmt.Errorf("placeholder: sample %d out of range: the request has %d sample(s), counted from 0", sample, samples)
	}
	fonts, err := loadFonts()
	if err != nil {
		return nil, err
	}

	identity := req.CanonicalEncoding()
	meta, err := json.Marshal(Meta{
		Generator: "imgform " + string(maker),
		Note:      maker.Note(),
		Model:     req.Model(),
		Sample:    sample,
		Request:   req,
	})
	if err != nil {
		return nil, fmt.Errorf("placeholder: encode the placeholder metadata: %w", err)
	}
	digest := sha256.Sum256(identity)

	pal := newPlaceholderPalette(digest)
	img := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	drawMosaic(img, digest, sample)
	if err := drawCaption(img, fonts, req, sample, samples, maker); err != nil {
		return nil, err
	}

	var buf bytes.Buffer
	buf.Grow(64 << 10)
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("placeholder: encode the placeholder PNG: %w", err)
	}
	return pngtext.Insert(buf.Bytes(), pngtext.Chunk{Keyword: Keyword, Text: asciiJSON(meta)})
}

// MakerOf reports whether data is a placeholder imgform made, and which
// part of imgform made it. Only the chunks before the image data are read.
func MakerOf(data []byte) (Maker, bool) {
	return makerFrom(provenance.PlaceholderMaker(data))
}

// MakerOfFile is MakerOf for a file.
func MakerOfFile(path string) (Maker, bool) {
	return makerFrom(provenance.PlaceholderMakerOfFile(path))
}

func makerFrom(generator string, ok bool) (Maker, bool) {
	switch {
	case !ok:
		return "", false
	case generator == provenance.MadeOffline:
		return Offline, true
	}
	return Emulator, true
}

// Palette layout of a placeholder.
const (
	mosaicShades = 16 // indices 0..15: the background's shades
	idxPanel     = 16 // the caption panel
	idxBorder    = 17 // the panel's border
	rampLevels   = 8  // anti-aliasing steps from the panel to a text colour
	idxAccent    = 18 // ramp to the accent colour (the PLACEHOLDER marker)
	idxText      = idxAccent + rampLevels
	idxDim       = idxText + rampLevels
	paletteSize  = idxDim + rampLevels
)

// ramp is the palette indices of one text colour at coverage 1/8 … 8/8.
type ramp [rampLevels]uint8

func rampAt(first int) ramp {
	var r ramp
	for i := range r {
		r[i] = uint8(first + i)
	}
	return r
}

// newPlaceholderPalette derives the colours from the request's digest: a
// hue and saturation for the background, its complement for the accent.
func newPlaceholderPalette(digest [32]byte) color.Palette {
	hue := float64(binary.BigEndian.Uint16(digest[0:2])) / 65536 * 360
	sat := 0.30 + float64(digest[2])/255*0.35
	pal := make(color.Palette, paletteSize)
	for i := range mosaicShades {
		jitter := (float64(digest[3+i]) - 127.5) / 127.5 * 10 // ±10°
		light := 0.40 + 0.38*float64(i)/float64(mosaicShades-1)
		pal[i] = hsl(hue+jitter, sat, light)
	}
	panel := hsl(hue, 0.25, 0.11)
	accent := hsl(hue+180, 0.80, 0.62)
	pal[idxPanel] = panel
	pal[idxBorder] = accent
	for i := range rampLevels {
		t := float64(i+1) / rampLevels
		pal[idxAccent+i] = blend(panel, accent, t)
		pal[idxText+i] = blend(panel, hsl(hue, 0.15, 0.96), t)
		pal[idxDim+i] = blend(panel, hsl(hue, 0.10, 0.68), t)
	}
	return pal
}

// drawMosaic fills img with square cells in a diagonal gradient of the
// background shades, each cell's shade jittered by the digest and sample.
func drawMosaic(img *image.Paletted, digest [32]byte, sample int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	cell := max((min(w, h)+15)/16, 1)
	cols, rows := (w+cell-1)/cell, (h+cell-1)/cell
	noise := newByteStream(digest, sample)
	span := max(cols+rows-2, 1)
	row := make([]uint8, w)
	for cy := range rows {
		for cx := range cols {
			shade := (cx + cy) * (mosaicShades - 1) / span
			shade += int(noise.next()%5) - 2
			shade = min(max(shade, 0), mosaicShades-1)
			x0, x1 := cx*cell, min((cx+1)*cell, w)
			for x := x0; x < x1; x++ {
				row[x] = uint8(shade)
			}
		}
		for y := cy * cell; y < min((cy+1)*cell, h); y++ {
			copy(img.Pix[y*img.Stride:], row)
		}
	}
}

// byteStream is a deterministic stream of bytes: SHA-256 in counter mode
// over a digest and a sample number.
type byteStream struct {
	seed    [40]byte
	counter uint64
	block   [32]byte
	pos     int
}

func newByteStream(digest [32]byte, sample int) *byteStream {
	s := &byteStream{pos: sha256.Size}
	copy(s.seed[:32], digest[:])
	binary.BigEndian.PutUint64(s.seed[32:], uint64(sample))
	return s
}

func (s *byteStream) next() byte {
	if s.pos == len(s.block) {
		var in [48]byte
		copy(in[:40], s.seed[:])
		binary.BigEndian.PutUint64(in[40:], s.counter)
		s.counter++
		s.block = sha256.Sum256(in[:])
		s.pos = 0
	}
	b := s.block[s.pos]
	s.pos++
	return b
}

// hsl converts hue (degrees), saturation and lightness (0…1) to a colour.
func hsl(hue, sat, light float64) color.RGBA {
	hue = math.Mod(math.Mod(hue, 360)+360, 360) / 60
	c := (1 - math.Abs(2*light-1)) * sat
	x := c * (1 - math.Abs(math.Mod(hue, 2)-1))
	var r, g, b float64
	switch int(hue) {
	case 0:
		r, g, b = c, x, 0
	case 1:
		r, g, b = x, c, 0
	case 2:
		r, g, b = 0, c, x
	case 3:
		r, g, b = 0, x, c
	case 4:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	m := light - c/2
	to8 := func(v float64) uint8 { return uint8(math.Round(min(max(v+m, 0), 1) * 255)) }
	return color.RGBA{R: to8(r), G: to8(g), B: to8(b), A: 0xff}
}

// blend mixes from a towards b by t (0…1).
func blend(a, b color.RGBA, t float64) color.RGBA {
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.RGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 0xff}
}
