package derive

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/imgform/imgform/internal/pngtext"
)

// XMPNamespace is the namespace of the XMP properties derive writes:
// each chunk whose keyword is "imgform:NAME" as the simple property
// imgform:NAME, an attribute of the rdf:Description (RDF's shorthand, the
// fewest bytes: a variant's provenance is an address and an input hash);
// any other chunk (an AUTOMATIC1111 "parameters" text, say) in
// imgform:provenance, an ordered array of (keyword, text) structs, the
// pairs a PNG variant carries as text chunks.
const XMPNamespace = "https://github.com/imgform/imgform/xmp/1/"

// xmpPacket returns an XMP packet holding the chunks: the x:xmpmeta
// element (xmpMeta) in the packet wrapper, as JPEG files carry it.
func xmpPacket(chunks []pngtext.Chunk) []byte {
	var b bytes.Buffer
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>")
	b.Write(xmpMeta(chunks))
	b.WriteString("<?xpacket end=\"r\"?>")
	return b.Bytes()
}

// xmpMeta returns the x:xmpmeta element around the chunks' rdf:RDF
// element (xmpRDF), as an AVIF's XMP item holds it: libvips (and so
// sharp) takes a HEIF metadata item for XMP only when it begins so.
func xmpMeta(chunks []pngtext.Chunk) []byte {
	return slices.Concat([]byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/">`), xmpRDF(chunks), []byte("</x:xmpmeta>"))
}

// xmpRDF returns the rdf:RDF element holding the chunks in order, on one
// line. A WebP's XMP chunk holds it alone: the packet wrapper and the
// x:xmpmeta element around it are optional in XMP, libwebp's and
// libvips's readers take the chunk as it is, and the two would be a
// fifth of the metadata of a small variant.
func xmpRDF(chunks []pngtext.Chunk) []byte {
	var b bytes.Buffer
	b.WriteString(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`)
	b.WriteString(`<rdf:Description rdf:about="" xmlns:imgform="` + XMPNamespace + `"`)
	var seq []pngtext.Chunk
	for _, c := range chunks {
		name, ok := strings.CutPrefix(c.Keyword, "imgform:")
		if !ok || !isXMLName(name) {
			seq = append(seq, c)
			continue
		}
		b.WriteString(" imgform:" + name + `="`)
		escapeXML(&b, c.Text)
		b.WriteString(`"`)
	}
	if len(seq) == 0 {
		b.WriteString("/></rdf:RDF>")
		return b.Bytes()
	}
	b.WriteString("><imgform:provenance><rdf:Seq>")
	for _, c := range seq {
		b.WriteString(`<rdf:li rdf:parseType="Resource"><imgform:keyword>`)
		escapeXML(&b, c.Keyword)
		b.WriteString("</imgform:keyword><imgform:text>")
		escapeXML(&b, c.Text)
		b.WriteString("</imgform:text></rdf:li>")
	}
	b.WriteString("</rdf:Seq></imgform:provenance></rdf:Description></rdf:RDF>")
	return b.Bytes()
}

// isXMLName reports whether s is a plain XML name (ASCII letters, digits,
// '-', '_' and '.', not starting with a digit, '-' or '.'): one an
// attribute can be named.
func isXMLName(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// escapeXML writes s as XML character data, fit for an attribute value
// in double quotes too. Newlines and tabs are kept as character
// references so that no XML reader normalises them.
func escapeXML(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer does not fail
}

// xmpDoc is what readXMP looks for in a packet.
type xmpDoc struct {
	Descriptions []struct {
		Attrs []xml.Attr `xml:",any,attr"`
		Items []struct {
			Keyword string `xml:"keyword"`
			Text    string `xml:"text"`
		} `xml:"provenance>Seq>li"`
	} `xml:"Description"`
}

// readXMP returns the imgform provenance of an XMP packet (its rdf:RDF
// element, in an x:xmpmeta element and a packet wrapper or not): the
// imgform: properties and the pairs of imgform:provenance.
func readXMP(packet []byte) (map[string]string, error) {
	start := bytes.Index(packet, []byte("<rdf:RDF"))
	end := bytes.LastIndex(packet, []byte("</rdf:RDF>"))
	if start < 0 || end < start {
		return nil, errors.New("the XMP packet has no rdf:RDF element")
	}
	var doc xmpDoc
	if err := xml.Unmarshal(packet[start:end+len("</rdf:RDF>")], &doc); err != nil {
		return nil, fmt.Errorf("reading the XMP packet: %w", err)
	}
	out := map[string]string{}
	for _, d := range doc.Descriptions {
		for _, a := range d.Attrs {
			if a.Name.Space == XMPNamespace {
				out["imgform:"+a.Name.Local] = a.Value
			}
		}
		for _, it := range d.Items {
			out[it.Keyword] = it.Text
		}
	}
	return out, nil
}

// commentText is the provenance as one text, as imgform writes it into a
// JPEG's COM segment: the "parameters" text as it is, then one
// "keyword: text" line for each other chunk.
func commentText(chunks []pngtext.Chunk) string {
	var lines []string
	for _, c := range chunks {
		if c.Keyword == "parameters" {
			lines = append(lines, c.Text)
		} else {
			lines = append(lines, c.Keyword+": "+c.Text)
		}
	}
	return strings.Join(lines, "\n")
}
