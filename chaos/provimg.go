package chaos

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
)

var errImageFormat = errors.New("geerpc: chaos: unexpected image encoding")

// withProvenance embeds text in an image of format f.
func withProvenance(f Format, img []byte, text string) ([]byte, error) {
	if f == PNG {
		return pngWithText(img, "Comment", text)
	}
	return svgWithComment(img, text)
}

// pngWithText returns png with a tEXt chunk (keyword, text) right after its
// IHDR chunk. Characters outside printable ASCII become '?'.
func pngWithText(png []byte, keyword, text string) ([]byte, error) {
	const sig, ihdr = 8, 4 + 4 + 13 + 4 // signature; IHDR length, type, data, CRC
	if len(png) < sig+ihdr || string(png[sig+4:sig+8]) != "IHDR" {
		return nil, errImageFormat
	}
	data := append([]byte(keyword), 0)
	data = append(data, asciiOnly(text)...)
	var chunk bytes.Buffer
	_ = binary.Write(&chunk, binary.BigEndian, uint32(len(data)))
	chunk.WriteString("tEXt")
	chunk.Write(data)
	_ = binary.Write(&chunk, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("tEXt"), data...)))
	at := sig + ihdr
	out := make([]byte, 0, len(png)+chunk.Len())
	out = append(out, png[:at]...)
	out = append(out, chunk.Bytes()...)
	return append(out, png[at:]...), nil
}

// svgWithComment returns svg with text as an XML comment right after the
// XML declaration (or first, when there is none).
func svgWithComment(svg []byte, text string) ([]byte, error) {
	comment := "<!--\n" + strings.ReplaceAll(asciiOnly(text), "--", "- -") + "\n-->\n"
	at := 0
	if bytes.HasPrefix(svg, []byte("<?xml")) {
		end := bytes.Index(svg, []byte("?>"))
		if end < 0 {
			return nil, errImageFormat
		}
		at = end + 2
		comment = "\n" + strings.TrimSuffix(comment, "\n")
	}
	out := make([]byte, 0, len(svg)+len(comment))
	out = append(out, svg[:at]...)
	out = append(out, comment...)
	return append(out, svg[at:]...), nil
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || (r >= 0x20 && r < 0x7f) {
			return r
		}
		return '?'
	}, s)
}
