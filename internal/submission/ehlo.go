package submission

import (
	"strconv"
	"strings"
)

// ehlo says EHLO and keeps the extensions the server lists. RFC 6409
// section 4.1 makes ESMTP mandatory on submission, so there is no HELO
// fallback: a server refusing EHLO cannot take AUTH either.
func (c *Client) ehlo() error {
	rep, err := c.expect("EHLO "+c.cfg.helloName(), 250)
	if err != nil {
		return err
	}
	// RFC 5321 section 4.1.1.1: the first line is the server's name, each
	// other line one keyword and its parameters.
	c.ext = map[string]string{}
	for _, line := range rep.Lines[1:] {
		kw, params, _ := strings.Cut(line, " ")
		c.ext[strings.ToUpper(kw)] = params
	}
	return nil
}

// Extension reports whether the server listed keyword in its EHLO answer,
// and its parameters.
func (c *Client) Extension(keyword string) (string, bool) {
	p, ok := c.ext[strings.ToUpper(keyword)]
	return p, ok
}

// MaxSize is the largest message the server takes (RFC 1870 SIZE), or 0 when
// it did not say.
func (c *Client) MaxSize() int64 {
	p, ok := c.ext["SIZE"]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// authMechanisms lists the SASL mechanisms of the AUTH keyword, upper-case.
func (c *Client) authMechanisms() []string {
	return strings.Fields(strings.ToUpper(c.ext["AUTH"]))
}
