package helpdesk

import (
	"strings"

	xhtml "golang.org/x/net/html"
)

// Rendered is stored ticket HTML made ready for a page.
type Rendered struct {
	HTML string
	// BlockedImages counts remote images left without a source.
	BlockedImages int
}

// RenderHTML prepares sanitised content (see the ingest package
// documentation) for the ticket page: an inline image gets the URL that
// inlineURL gives for its Content-ID; a remote image gets its http(s) URL
// only when showRemote is set; style attributes are dropped, because the
// console's Content-Security-Policy refuses inline styles and the browser
// would report every one of them. The input was sanitised when stored;
// this pass only adds src attributes it builds itself, re-serialised with
// escaping, so it cannot let markup through.
func RenderHTML(content string, inlineURL func(cid string) (string, bool), showRemote bool) Rendered {
	if !strings.Contains(content, "<") {
		return Rendered{HTML: content}
	}
	var out Rendered
	var b strings.Builder
	b.Grow(len(content) + 64)
	z := xhtml.NewTokenizer(strings.NewReader(content))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			out.HTML = b.String()
			return out
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		tok := z.Token()
		attrs := tok.Attr[:0]
		var src string
		for _, a := range tok.Attr {
			switch {
			case a.Key == "style", a.Key == "src":
				continue
			case tok.Data == "img" && a.Key == "data-cid":
				if u, ok := inlineURL(a.Val); ok {
					src = u
				}
			case tok.Data == "img" && a.Key == "data-remote-src":
				lv := strings.ToLower(a.Val)
				if !strings.HasPrefix(lv, "https://") && !strings.HasPrefix(lv, "http://") {
					continue
				}
				if showRemote {
					src = a.Val
				} else {
					out.BlockedImages++
				}
			}
			attrs = append(attrs, a)
		}
		if src != "" {
			attrs = append(attrs, xhtml.Attribute{Key: "src", Val: src})
		}
		tok.Attr = attrs
		b.WriteString(tok.String())
	}
}
