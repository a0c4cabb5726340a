package derive

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/imgform/imgform/internal/pngtext"
)

// XMPNamespace is the namespace of the XMP properties derive writes:
// imgform:provenance, an ordered array of (keyword, text) structs, the
// same pairs a PNG variant carries as text chunks.
const XMPNamespace = "https://github.com/imgform/imgform/xmp/provenance/1.0/"

// xmpPacket returns an XMP packet holding the chunks in order: the
// x:xmpmeta element (xmpMeta) in the packet wrapper, as JPEG and WebP
// files carry it.
func xmpPacket(chunks []pngtext.Chunk) []byte {
	var b bytes.Buffer
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.Write(xmpMeta(chunks))
	b.WriteString("<?xpacket end=\"r\"?>")
	return b.Bytes()
}

// xmpMeta returns the x:xmpmeta element holding the chunks in order,
// without the packet wrapper, which is optional: an AVIF's XMP item
// starts with the element, as libheif's readers expect.
func xmpMeta(chunks []pngtext.Chunk) []byte {
	var b bytes.Buffer
	b.WriteString("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n")
	b.WriteString(" <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n")
	b.WriteString("  <rdf:Description rdf:about=\"\" xmlns:imgform=\"" + XMPNamespace + "\">\n")
	b.WriteString("   <imgform:provenance>\n    <rdf:Seq>\n")
	for _, c := range chunks {
		b.WriteString("     <rdf:li rdf:parseType=\"Resource\"><imgform:keyword>")
		escapeXML(&b, c.Keyword)
		b.WriteString("</imgform:keyword><imgform:text>")
		escapeXML(&b, c.Text)
		b.WriteString("</imgform:text></rdf:li>\n")
	}
	b.WriteString("    </rdf:Seq>\n   </imgform:provenance>\n  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n")
	return b.Bytes()
}

// escapeXML writes s as XML character data. Newlines and tabs are kept
// as character references so that no XML reader normalises them.
func escapeXML(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer does not fail
}

// xmpDoc is what readXMP looks for in a packet.
type xmpDoc struct {
	Descriptions []struct {
		Items []struct {
			Keyword string `xml:"keyword"`
			Text    string `xml:"text"`
		} `xml:"provenance>Seq>li"`
	} `xml:"RDF>Description"`
}

// readXMP returns the imgform:provenance pairs of an XMP packet.
func readXMP(packet []byte) (map[string]string, error) {
	start := bytes.Index(packet, []byte("<x:xmpmeta"))
	end := bytes.LastIndex(packet, []byte("</x:xmpmeta>"))
	if start < 0 || end < start {
		return nil, errors.New("the XMP packet has no x:xmpmeta element")
	}
	var doc xmpDoc
	if err := xml.Unmarshal(packet[start:end+len("</x:xmpmeta>")], &doc); err != nil {
		return nil, fmt.Errorf("reading the XMP packet: %w", err)
	}
	out := map[string]string{}
	for _, d := range doc.Descriptions {
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
