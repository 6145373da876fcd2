package rules

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// compilePattern compiles a criterion's regular expression. Go's RE2 syntax
// is used as is; GLPI's "/…/flags" notation is accepted and translated
// (flags i, m, s and u; u is implied, Go matches UTF-8). What RE2 lacks
// (look-ahead, look-behind, back-references) is refused with the position
// of the error, counted in characters from 1 in the pattern as typed.
func compilePattern(p string) (*regexp.Regexp, string) {
	body, flags, offset := p, "", 0
	if strings.HasPrefix(p, "/") {
		if end := strings.LastIndexByte(p, '/'); end > 0 {
			body, flags, offset = p[1:end], p[end+1:], 1
			for _, f := range flags {
				if !strings.ContainsRune("imsu", f) {
					return nil, fmt.Sprintf("Unsupported regular expression flag %q after the closing /: use i, m, s or u.", string(f))
				}
			}
		}
	}
	goFlags := ""
	for _, f := range "ims" {
		if strings.ContainsRune(flags, f) {
			goFlags += string(f)
		}
	}
	src := body
	if goFlags != "" {
		src = "(?" + goFlags + ")" + body
	}
	re, err := regexp.Compile(src)
	if err == nil {
		return re, ""
	}
	var se *syntax.Error
	if !errors.As(err, &se) {
		return nil, fmt.Sprintf("Invalid regular expression: %v.", err)
	}
	pos := 0
	if i := strings.Index(body, se.Expr); i >= 0 && se.Expr != "" {
		pos = len([]rune(body[:i])) + 1 + offset
	}
	what := syntaxWords(se)
	if pos > 0 {
		return nil, fmt.Sprintf("Invalid regular expression at position %d: %s.", pos, what)
	}
	return nil, fmt.Sprintf("Invalid regular expression: %s.", what)
}

func syntaxWords(se *syntax.Error) string {
	switch se.Code {
	case syntax.ErrMissingParen:
		return `missing ")"`
	case syntax.ErrUnexpectedParen:
		return `unexpected ")"`
	case syntax.ErrMissingBracket:
		return `missing "]"`
	case syntax.ErrInvalidPerlOp:
		if strings.HasPrefix(se.Expr, "(?=") || strings.HasPrefix(se.Expr, "(?!") || strings.HasPrefix(se.Expr, "(?<=") || strings.HasPrefix(se.Expr, "(?<!") {
			return fmt.Sprintf("%q: look-ahead and look-behind are not supported (use a second criterion with \"regular expression does not match\")", se.Expr)
		}
		return fmt.Sprintf("%q is not supported", se.Expr)
	case syntax.ErrInvalidEscape:
		return fmt.Sprintf("%q is not a supported escape (back-references are not supported)", se.Expr)
	case syntax.ErrMissingRepeatArgument:
		return fmt.Sprintf("%q repeats nothing", se.Expr)
	case syntax.ErrInvalidRepeatSize:
		return fmt.Sprintf("%q repeats too many times (at most 1000)", se.Expr)
	case syntax.ErrInvalidCharRange:
		return fmt.Sprintf("%q is not a valid character range", se.Expr)
	case syntax.ErrInvalidNamedCapture:
		return fmt.Sprintf("%q is not a valid group name", se.Expr)
	}
	return fmt.Sprintf("%s: %q", se.Code, se.Expr)
}

// literal is a piece of text every match of a regular expression contains:
// a cheap test before running the expression on a long body. Fold says
// the text is compared case-insensitively (then it is lower-case ASCII
// without k and s, whose folds leave ASCII).
type literal struct {
	text string
	fold bool
}

// requiredLiterals finds the literals of at least 3 characters at the top
// level of a pattern compiled by compilePattern.
func requiredLiterals(re *regexp.Regexp) []literal {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil
	}
	subs := []*syntax.Regexp{t}
	if t.Op == syntax.OpConcat {
		subs = t.Sub
	}
	var out []literal
	for _, s := range subs {
		if s.Op != syntax.OpLiteral || len(s.Rune) < 3 {
			continue
		}
		text := string(s.Rune)
		if s.Flags&syntax.FoldCase == 0 {
			out = append(out, literal{text: text})
			continue
		}
		lower := strings.ToLower(text)
		ok := true
		for _, r := range lower {
			if r >= 0x80 || r == 'k' || r == 's' {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, literal{text: lower, fold: true})
		}
	}
	return out
}
