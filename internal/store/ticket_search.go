package store

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The ticket list's search box, on the full-text index of migration 00004
// (FTS5 on SQLite, FULLTEXT on MySQL/MariaDB).
//
// A search is cut into words: runs of letters, digits and "_", with an
// apostrophe kept inside a word ("don't"), the way MySQL's full-text parser
// cuts text. A ticket matches when its title, content, requester e-mail or
// requester name holds every word of the search, in any order, case and
// (on SQLite) accents aside. The last word also matches the start of a
// longer word, so a half-typed word finds tickets ("prin" finds "printer"),
// unless the search ends with a space or punctuation ("user12@" finds
// user12@..., not user120@...). Words shorter than minSearchWord characters
// and MySQL's stopwords ("the", "with", ...) are left out: MySQL does not
// index them. A search with no word left (one
// or two letters, "%", "#") falls back to a substring match (LIKE) on the
// title, requester and content, which is exact but reads every ticket. A
// search that is a number ("123", "#123") also finds the ticket of that ID.
// Operators and quotes typed in the box are never passed on as syntax.

// minSearchWord and maxSearchWord bound the words the full-text index
// holds: InnoDB's default innodb_ft_min_token_size and
// innodb_ft_max_token_size.
const (
	minSearchWord = 3
	maxSearchWord = 84
)

// searchStopwords are the words of three letters or more in InnoDB's
// default stopword list (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD):
// MySQL does not index them, so a search that required one would find
// nothing. They are left out on both dialects, so both find the same
// tickets.
var searchStopwords = map[string]bool{
	"about": true, "are": true, "com": true, "for": true, "from": true, "how": true,
	"that": true, "the": true, "this": true, "was": true, "what": true, "when": true,
	"where": true, "who": true, "will": true, "with": true, "und": true, "www": true,
}

// searchWords cuts a search into the words the full-text index can find,
// and reports whether the last of them may be the start of a longer word.
func searchWords(search string) (words []string, prefix bool) {
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	var cur []rune
	flush := func() {
		w := strings.ToLower(string(cur))
		if n := len(cur); n >= minSearchWord && n <= maxSearchWord && !searchStopwords[w] {
			words = append(words, w)
		}
		cur = cur[:0]
	}
	rs := []rune(search)
	for i, r := range rs {
		switch {
		case isWord(r):
			cur = append(cur, r)
		case r == '\'' && len(cur) > 0 && i+1 < len(rs) && isWord(rs[i+1]):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	last, _ := utf8.DecodeLastRuneInString(search)
	n := len(words)
	flush()
	// Only a word the user may still be typing, and that was kept, is a prefix.
	return words, isWord(last) && len(words) > n
}

// ftsQuery is the FTS5 MATCH expression for words: each word a quoted
// string (so FTS5 reads no operator in it, and cuts "tunnel_x" into a
// phrase as it cut the text), all of them required.
func ftsQuery(words []string, prefix bool) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + strings.ReplaceAll(w, `"`, `""`) + `"`)
		if prefix && i == len(words)-1 {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// booleanQuery is the MySQL boolean-mode expression for words: each one
// required with "+". Words hold only letters, digits, "_" and inner
// apostrophes, none of which is an operator.
func booleanQuery(words []string, prefix bool) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("+" + w)
		if prefix && i == len(words)-1 {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// matchTickets is the MySQL full-text condition of a search.
const matchTickets = "MATCH (tickets.title, tickets.content, tickets.requester_email, tickets.requester_name) AGAINST (? IN BOOLEAN MODE)"

// ticketSearchCond is the WHERE condition and arguments of a search.
func (s *Store) ticketSearchCond(ctx context.Context, search string) (string, []any, error) {
	var cond string
	var args []any
	number, numErr := parseTicketNumber(strings.TrimSpace(search))
	if words, prefix := searchWords(search); len(words) > 0 {
		if s.dialect == MySQL {
			cond = matchTickets
			args = []any{booleanQuery(words, prefix)}
			if numErr == nil {
				// "MATCH ... OR id = ?" makes MySQL evaluate MATCH on every
				// row (1.5 s at 100,000 tickets); a number matches few
				// tickets, so their IDs are fetched first.
				var ids []int64
				err := s.db.WithContext(ctx).Model(&Ticket{}).Where(matchTickets, args...).
					Limit(TicketSearchCountCap+1).Pluck("id", &ids).Error
				if err != nil {
					return "", nil, translate(err)
				}
				if len(ids) <= TicketSearchCountCap {
					return "tickets.id IN ?", []any{append(ids, number)}, nil
				}
			}
		} else {
			cond = "tickets.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?)"
			args = []any{ftsQuery(words, prefix)}
		}
	} else {
		like := "%" + escapeLike(search) + "%"
		cond = "tickets.title LIKE ? ESCAPE '!' OR tickets.requester_email LIKE ? ESCAPE '!' OR tickets.requester_name LIKE ? ESCAPE '!' OR tickets.content LIKE ? ESCAPE '!'"
		args = []any{like, like, like, like}
	}
	if numErr == nil {
		cond += " OR tickets.id = ?"
		args = append(args, number)
	}
	return "(" + cond + ")", args, nil
}
