package placeholder

import (
	"bytes"
	"fmt"
	"image"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/imgform/imgform/internal/model"
)

// captionLine is one line of text in the panel.
type captionLine struct {
	face  font.Face
	text  string
	color ramp
	gap   int // extra space above the line
}

// drawCaption draws the panel in the middle of img: the PLACEHOLDER marker,
// up to two lines of the prompt's start, the seed and sample, and a note.
func drawCaption(img *image.Paletted, fonts *fontSet, req model.Request, sample, samples int, maker Maker) error {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	unit := float64(min(w, h))
	margin := int(unit / 16)
	pad := int(unit / 32)
	border := max(int(unit/256), 1)
	innerWidth := w - 2*margin - 2*pad

	faceOf := func(f *opentype.Font, size float64) (font.Face, error) {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: max(size, 4), DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, fmt.Errorf("placeholder: make a font face: %w", err)
		}
		return face, nil
	}
	markerFace, err := faceOf(fonts.bold, unit/10)
	if err != nil {
		return err
	}
	promptFace, err := faceOf(fonts.regular, unit/24)
	if err != nil {
		return err
	}
	infoFace, err := faceOf(fonts.mono, unit/36)
	if err != nil {
		return err
	}
	noteFace, err := faceOf(fonts.regular, unit/40)
	if err != nil {
		return err
	}

	gap := int(unit / 48)
	lines := []captionLine{{face: markerFace, text: "PLACEHOLDER", color: rampAt(idxAccent)}}
	for i, l := range wrapText(promptFace, shortPrompt(req.Prompt()), innerWidth, 2) {
		lines = append(lines, captionLine{face: promptFace, text: l, color: rampAt(idxText), gap: gap * boolInt(i == 0)})
	}
	lines = append(lines,
		captionLine{face: infoFace, text: fmt.Sprintf("seed %d · sample %d/%d · %d×%d", req.Seed(), sample+1, samples, w, h), color: rampAt(idxText), gap: gap},
		captionLine{face: noteFace, text: "imgform " + string(maker) + " · not SDXL output", color: rampAt(idxDim), gap: gap / 2},
	)

	panelHeight := 2 * pad
	for _, l := range lines {
		panelHeight += l.gap + l.face.Metrics().Height.Ceil()
	}
	top := max((h-panelHeight)/2, 0)
	fillPanel(img, image.Rect(margin, top, w-margin, top+panelHeight), border)

	y := top + pad
	for _, l := range lines {
		y += l.gap
		m := l.face.Metrics()
		text := sanitizeText(l.face, l.text)
		x := (w - font.MeasureString(l.face, text).Ceil()) / 2
		drawString(img, l.face, x, y+m.Ascent.Ceil(), text, l.color)
		y += m.Height.Ceil()
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fillPanel paints r (clipped to img) in the panel colour with a border.
func fillPanel(img *image.Paletted, r image.Rectangle, border int) {
	r = r.Intersect(img.Rect)
	if r.Empty() {
		return
	}
	inner := r.Inset(border)
	edge := bytes.Repeat([]byte{idxBorder}, r.Dx())
	middle := bytes.Repeat([]byte{idxPanel}, r.Dx())
	if !inner.Empty() {
		copy(middle[:inner.Min.X-r.Min.X], edge)
		copy(middle[inner.Max.X-r.Min.X:], edge)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := middle
		if inner.Empty() || y < inner.Min.Y || y >= inner.Max.Y {
			row = edge
		}
		copy(img.Pix[y*img.Stride+r.Min.X:], row)
	}
}

// drawString draws s with its baseline at y, starting at x, mapping each
// pixel's glyph coverage onto the ramp; pixels outside img are clipped.
func drawString(img *image.Paletted, face font.Face, x, y int, s string, colors ramp) {
	dot := fixed.P(x, y)
	prev := rune(-1)
	for _, c := range s {
		if prev >= 0 {
			dot.X += face.Kern(prev, c)
		}
		dr, mask, mp, advance, ok := face.Glyph(dot, c)
		if ok {
			blitGlyph(img, dr, mask, mp, colors)
		}
		dot.X += advance
		prev = c
	}
}

func blitGlyph(img *image.Paletted, dr image.Rectangle, mask image.Image, mp image.Point, colors ramp) {
	clipped := dr.Intersect(img.Rect)
	if clipped.Empty() {
		return
	}
	mp = mp.Add(clipped.Min.Sub(dr.Min))
	alpha, isAlpha := mask.(*image.Alpha)
	for y := 0; y < clipped.Dy(); y++ {
		dst := img.Pix[(clipped.Min.Y+y)*img.Stride+clipped.Min.X:]
		for x := 0; x < clipped.Dx(); x++ {
			var a uint8
			if isAlpha {
				a = alpha.Pix[(mp.Y+y-alpha.Rect.Min.Y)*alpha.Stride+(mp.X+x-alpha.Rect.Min.X)]
			} else {
				_, _, _, a16 := mask.At(mp.X+x, mp.Y+y).RGBA()
				a = uint8(a16 >> 8)
			}
			if a == 0 {
				continue
			}
			level := (int(a)*rampLevels + 255) / 256 // 1 … rampLevels
			dst[x] = colors[level-1]
		}
	}
}

// shortPromptRunes is how much of the prompt a placeholder shows.
const shortPromptRunes = 60

// shortPrompt is the first shortPromptRunes of the prompt with its
// whitespace collapsed, and an ellipsis when it was cut.
func shortPrompt(prompt string) string {
	p := strings.Join(strings.Fields(prompt), " ")
	if utf8.RuneCountInString(p) <= shortPromptRunes {
		return p
	}
	cut := string([]rune(p)[:shortPromptRunes])
	if i := strings.LastIndexByte(cut, ' '); i >= len(cut)*2/3 {
		cut = cut[:i] // end on a whole word when that loses little
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// wrapText breaks s into at most maxLines lines no wider than width,
// between words where it can; what does not fit ends in an ellipsis.
func wrapText(face font.Face, s string, width, maxLines int) []string {
	s = sanitizeText(face, s)
	fits := func(t string) bool { return font.MeasureString(face, t).Ceil() <= width }
	var lines []string
	words := strings.Fields(s)
	for len(words) > 0 && len(lines) < maxLines {
		line := words[0]
		n := 1
		for n < len(words) && fits(line+" "+words[n]) {
			line += " " + words[n]
			n++
		}
		if !fits(line) { // one word wider than the line: cut it
			r := []rune(line)
			k := len(r)
			for k > 1 && !fits(string(r[:k])) {
				k--
			}
			line = string(r[:k])
			if rest := string(r[k:]); rest != "" {
				words[0], n = rest, 0
			}
		}
		words = words[n:]
		lines = append(lines, line)
	}
	if len(words) > 0 && len(lines) > 0 {
		last := []rune(strings.TrimSuffix(lines[len(lines)-1], "…"))
		for len(last) > 0 && !fits(string(last)+"…") {
			last = last[:len(last)-1]
		}
		lines[len(lines)-1] = strings.TrimSpace(string(last)) + "…"
	}
	return lines
}

// sanitizeText replaces control characters and runes the face has no glyph
// for with "?".
func sanitizeText(face font.Face, s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		if _, ok := face.GlyphAdvance(r); !ok {
			return '?'
		}
		return r
	}, s)
}

// fontSet holds the parsed Go fonts; parsing happens once per process.
type fontSet struct {
	regular, bold, mono *opentype.Font
}

var loadFonts = sync.OnceValues(func() (*fontSet, error) {
	var fs fontSet
	for _, f := range []struct {
		name string
		ttf  []byte
		dst  **opentype.Font
	}{
		{"Go Regular", goregular.TTF, &fs.regular},
		{"Go Bold", gobold.TTF, &fs.bold},
		{"Go Mono", gomono.TTF, &fs.mono},
	} {
		parsed, err := opentype.Parse(f.ttf)
		if err != nil {
			return nil, fmt.Errorf("placeholder: parse the %s font: %w", f.name, err)
		}
		*f.dst = parsed
	}
	return &fs, nil
})
