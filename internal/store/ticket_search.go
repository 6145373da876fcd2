package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	xhtml "golang.org/x/net/html"
	"gorm.io/gorm"
)

// The ticket list's search box, on the full-text index of migrations 00004
// and 00015 (FTS5 on SQLite, FULLTEXT on MySQL/MariaDB), which holds a
// ticket's title, requester and the text of its content (search_text:
// the HTML's tags dropped, so "div" or "href" finds no markup).
//
// A search is cut into words: runs of letters, digits and "_", with an
// apostrophe kept inside a word ("don't"), the way MySQL's full-text parser
// cuts text. A ticket matches when its title, content's text, requester e-mail or
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

// facetMark starts the words of search_facets (migration 00025), which
// hold the list's status and category filters in SQLite's full-text
// index: a searched word starting so is dropped on both dialects, so that
// no search finds them and both dialects find the same tickets.
const facetMark = "zqx"

// searchWords cuts a search into the words the full-text index can find,
// and reports whether the last of them may be the start of a longer word.
// Words starting with facetMark are left out.
func searchWords(search string) (words []string, prefix bool) {
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	var cur []rune
	flush := func() {
		w := strings.ToLower(string(cur))
		if n := len(cur); n >= minSearchWord && n <= maxSearchWord && !searchStopwords[w] && !strings.HasPrefix(w, facetMark) {
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

// maxPrefixTerms is how many words of the index a half-typed last word
// may stand for, for ftsMatch to search those words instead of the
// prefix.
const maxPrefixTerms = 16

// ftsMatch is the FTS5 MATCH expression of a search on SQLite. FTS5 reads
// a prefix query ("network"*) by first building the list of every ticket
// holding a word that starts so, whatever the query's LIMIT or rowid
// bounds: 5 ms for a word in 40% of 100,000 tickets, and a filtered
// search asks the index up to three times. So when the last word is
// still being typed, the words of the index that start with it are
// looked up (migration 00024's ticket_search_terms), and with at most
// maxPrefixTerms of them the expression asks for those whole words
// (ftsTermsQuery), which FTS5 reads lazily: newest first with a LIMIT,
// or from a rowid on. The lookup reads the index's word list, about
// 1 ms for such a word (the last step reads past the pages of the last
// word's list). The prefix query stays for more words (each one a
// lookup), and for a last word that FTS5 may not keep as is: anything
// but ASCII letters and digits (the tokenizer folds accents and cuts at
// "_" and apostrophes).
func (s *Store) ftsMatch(ctx context.Context, words []string, prefix bool) (string, error) {
	last := words[len(words)-1]
	if !prefix || strings.IndexFunc(last, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) >= 0 {
		return ftsQuery(words, prefix), nil
	}
	// The words from last to the last word starting with it (no word of
	// the index holds U+10FFFF, nor char(1), which makes the smallest
	// word after a word: a step).
	var terms []string
	err := s.db.WithContext(ctx).Raw(`WITH RECURSIVE t(term) AS (
			SELECT (SELECT term FROM ticket_search_terms WHERE term >= ? AND term <= ? LIMIT 1)
			UNION ALL
			SELECT (SELECT term FROM ticket_search_terms WHERE term >= t.term || char(1) AND term <= ? LIMIT 1) FROM t WHERE t.term IS NOT NULL
			LIMIT ?)
		SELECT term FROM t WHERE term IS NOT NULL`, last, last+"\U0010FFFF", last+"\U0010FFFF", maxPrefixTerms+1).Scan(&terms).Error
	if err != nil {
		return "", translate(err)
	}
	switch {
	case len(terms) > maxPrefixTerms:
		return ftsQuery(words, prefix), nil
	case len(terms) == 0:
		// No word of the index starts so: the whole word, which it does
		// not hold either, finds nothing.
		terms = []string{last}
	}
	return ftsTermsQuery(words[:len(words)-1], terms), nil
}

// ftsTermsQuery is the FTS5 MATCH expression for every one of words and
// any one of terms (at least one: the words of the index a half-typed
// word stands for).
func ftsTermsQuery(words, terms []string) string {
	q := ftsQuery(words, false)
	alts := ftsQuery(terms[:1], false)
	for _, t := range terms[1:] {
		alts += " OR " + ftsQuery([]string{t}, false)
	}
	if len(terms) > 1 {
		alts = "(" + alts + ")"
	}
	if q == "" {
		return alts
	}
	return q + " AND " + alts
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
const matchTickets = "MATCH (tickets.title, tickets.search_text, tickets.requester_email, tickets.requester_name) AGAINST (? IN BOOLEAN MODE)"

// searchTicketIDs returns the tickets of the list's filters and view that
// match f.Search, newest (highest ID) first. When more than
// TicketSearchCountCap match, only the newest TicketSearchCountCap are
// returned and capped is true: the list shows those and says "more than".
// A search reads about that many tickets when its words are common in
// the filters: sorting every match of a word found in each ticket was the
// worst case (a second on MariaDB at 100,000 tickets).
//
// The plan on SQLite: a half-typed last word is first turned into the
// words of the index it stands for (ftsMatch). Without filters the
// full-text index gives the newest matches itself, and so it does with a
// status or category filter, whose words in the index join the
// expression (ftsFacets, searchFacetsSQLite). With other filters, ask it
// for at most allMatches+1 matches (they cost no row read). Fewer than
// that is every match: keep those in the filters. More means the words
// are common: walk the filters' own ticket IDs newest first, in chunks,
// keeping those that match (searchFilteredSQLite). A search with no
// indexable word (one or two letters, "%") walks the filters with a
// substring match. On MySQL the store's own word index answers first
// (word_index.go); when it cannot (tickets of an upgrade still being
// indexed), the plan goes by the share of the filters' newest tickets
// that hold the words, InnoDB's index costing a row read per match
// (searchWordsMySQL).
func (s *Store) searchTicketIDs(ctx context.Context, f TicketFilter) (ids []int64, capped bool, err error) {
	n := TicketSearchCountCap
	words, prefix := searchWords(f.Search)
	filtered := f.filtered()
	switch {
	case len(words) == 0:
		like := "%" + escapeLike(strings.TrimSpace(f.Search)) + "%"
		cond := "(tickets.title LIKE ? ESCAPE '!' OR tickets.requester_email LIKE ? ESCAPE '!' OR tickets.requester_name LIKE ? ESCAPE '!' OR tickets.search_text LIKE ? ESCAPE '!')"
		w := newWalk()
		err = s.walkTicketIDs(ctx, f, cond, []any{like, like, like, like}, n+1, w, 0)
		ids = w.kept
	case s.dialect == MySQL:
		ids, _, err = s.searchWordsMySQL(ctx, f, words, prefix)
	default:
		var q string
		if q, err = s.ftsMatch(ctx, words, prefix); err != nil {
			return nil, false, err
		}
		if facets := f.ftsFacets(); facets != "" {
			ids, err = s.searchFacetsSQLite(ctx, f, q+facets)
			break
		}
		if !filtered {
			// The newest matches, FTS5 reading the word's list backwards:
			// fewer than asked is every match.
			err = s.db.WithContext(ctx).Raw("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? ORDER BY rowid DESC LIMIT ?",
				q, n+1).Scan(&ids).Error
			break
		}
		// The index's matches cost no row: learn up to allMatches of them,
		// in the index's order (the oldest first: FTS5 reads a long list
		// backwards only by loading it whole).
		var cands []int64
		err = s.db.WithContext(ctx).Raw("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? LIMIT ?", q, allMatches+1).Scan(&cands).Error
		if err != nil {
			break
		}
		if len(cands) <= allMatches {
			ids, err = s.keepInScope(ctx, f, cands)
		} else {
			ids, _, err = s.searchFilteredSQLite(ctx, f, q)
		}
	}
	if err != nil {
		return nil, false, translate(err)
	}
	return s.finishSearch(ctx, f, ids)
}

// ftsFacets is what the FTS5 expression of a search adds for the list's
// status and category filters: their words in search_facets (migration
// 00025), which FTS5 intersects with the searched words' lists, newest
// first, seeking through both. A word common in all tickets but in none
// of a status ("vpn" in a fifth of them) is found in none in 15 ms at a
// million tickets, where a walk read the whole filter (150 to 175 ms).
func (f TicketFilter) ftsFacets() string {
	var b strings.Builder
	if f.Status != 0 {
		fmt.Fprintf(&b, ` AND search_facets : "%ss%d"`, facetMark, f.Status)
	}
	if f.CategoryID != 0 {
		fmt.Fprintf(&b, ` AND search_facets : "%sc%d"`, facetMark, f.CategoryID)
	}
	return b.String()
}

// searchFacetsSQLite is a search on SQLite in a list filtered by status
// or category, whose FTS5 expression q holds their words (ftsFacets): the
// index lists its matches newest first, a page at a time (from 101, each
// page twice the last, up to maxChunk), keeping those in the other
// filters, until the cap is passed or the matches end. FTS5 reads the
// lists of an AND lazily from the newest: 2 ms for the newest 101
// tickets holding a word found in 40% of a million tickets and in one
// category of fifty. A word in none of the filter's tickets reads both
// lists to their end (15 ms at a million tickets for a word in a fifth of
// them and a status in a sixth).
func (s *Store) searchFacetsSQLite(ctx context.Context, f TicketFilter, q string) ([]int64, error) {
	limit := TicketSearchCountCap + 1
	var kept []int64
	below, size := int64(math.MaxInt64), limit
	for {
		var page []int64
		err := s.db.WithContext(ctx).Raw("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
			q, below, size).Scan(&page).Error
		if err != nil {
			return nil, translate(err)
		}
		in, err := s.keepInScope(ctx, f, page)
		if err != nil {
			return nil, err
		}
		if kept = append(kept, in...); len(kept) >= limit || len(page) < size {
			return kept, nil
		}
		below, size = page[len(page)-1], min(2*size, maxChunk)
	}
}

// filtered reports whether the list is narrowed by a filter or a view.
func (f TicketFilter) filtered() bool {
	return f.Status != 0 || f.NotSolved || f.ReceiverID != 0 || f.CategoryID != 0 || f.View != ViewAll
}

// searchFilteredSQLite is a search on SQLite whose words are in more
// than allMatches tickets, in a list narrowed by filters or a view: it
// walks the filters' tickets newest first, a chunk at a time, keeping
// those the index finds in the chunk's ID range (ftsChunk), until the
// cap is passed. Words rare in the filters make the walk read most of
// them, and every match of the index in their ID range once: 13 ms for a
// word in a fifth of 100,000 tickets and in none of a status's (which
// searchFacetsSQLite now answers from the index alone). (Joining
// the filters with the index's matches in SQL, for such words, built a
// temporary index of the matches first: 16 to 29 ms, and 0.25 to 0.47 s
// at a million tickets.) plan names the plan taken, for the tests:
// "sample" (the first chunk was enough) or "walk".
func (s *Store) searchFilteredSQLite(ctx context.Context, f TicketFilter, q string) (ids []int64, plan string, err error) {
	limit := TicketSearchCountCap + 1
	w := newWalk()
	w.match = s.ftsChunk(q)
	if err := s.walkTicketIDs(ctx, f, "", nil, limit, w, 1); err != nil || w.done || len(w.kept) >= limit {
		return w.kept, "sample", err
	}
	err = s.walkTicketIDs(ctx, f, "", nil, limit, w, 0)
	return w.kept, "walk", err
}

// ftsChunk narrows a chunk of a walk on SQLite (ticket IDs, highest
// first) to the tickets the FTS5 expression q finds: the index lists its
// matches in the chunk's ID range, compared here with the chunk. Asking
// SQLite the same (tickets.id IN (SELECT rowid ...)) built a temporary
// index of the matches in the range, four times slower (13 ms for the
// 10,000 matches of a chunk of a filter holding one ticket in fifty, for
// a word in 40% of the tickets); testing each ticket of the chunk
// (rowid = ?) costs a lookup in each segment of the index, slower still.
func (s *Store) ftsChunk(q string) func(ctx context.Context, chunk []int64) ([]int64, error) {
	return func(ctx context.Context, chunk []int64) ([]int64, error) {
		matches, err := s.ftsIDs(ctx, q, chunk[len(chunk)-1], chunk[0])
		return listedIn(chunk, matches), err
	}
}

// ftsIDs lists the tickets from lo to hi that the FTS5 expression q
// finds, lowest first (the index's order).
func (s *Store) ftsIDs(ctx context.Context, q string, lo, hi int64) ([]int64, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? AND rowid BETWEEN ? AND ?", q, lo, hi).Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	return ids, translate(rows.Err())
}

// listedIn keeps the IDs of chunk found in sorted (lowest first).
func listedIn(chunk, sorted []int64) []int64 {
	var kept []int64
	for _, id := range chunk {
		if _, ok := slices.BinarySearch(sorted, id); ok {
			kept = append(kept, id)
		}
	}
	return kept
}

// keepInScope keeps, of every match of a search (cands), those in the
// list's filters, newest first, at most cap+1: a row read each, fewer
// than a walk through the filters.
func (s *Store) keepInScope(ctx context.Context, f TicketFilter, cands []int64) ([]int64, error) {
	if !f.filtered() {
		return cands, nil
	}
	db, err := s.ticketScope(ctx, f, false)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = db.Where("tickets.id IN ?", cands).Order("tickets.id DESC").Limit(TicketSearchCountCap+1).Pluck("tickets.id", &ids).Error
	return ids, translate(err)
}

// commonShare and walkShare are the shares of the filters' newest
// walkChunk tickets that hold a search's words above which MySQL walks
// the filters rather than list the full-text index's matches. InnoDB's
// index finds a word's tickets in a few milliseconds, but listing them
// reads each match's row, oldest first (3 µs each when the table is in
// the buffer pool, 80 µs when it is not), and each query of the index
// costs about 1 µs per ticket holding the word (60 ms for a word in
// 40,000 tickets). So, at 100,000 tickets:
//
//   - from commonShare (one in ten), the walk reads the text of each
//     ticket with a regular expression (wordPattern: 12 to 35 µs a
//     ticket, about 2,000 tickets at most) and never asks the index;
//   - from walkShare (one in forty), and when the words are in more than
//     walkMatches tickets in all, the walk asks the index once per chunk
//     and tests each ticket of the chunk against it (a few µs a ticket
//     when the rows are in the buffer pool, about 8,000 at most, in one
//     or two chunks);
//   - below, the index lists up to allMatchesMySQL matches; with more,
//     the walk as above goes on, or the filters are joined with the
//     index's matches when that reads fewer rows (joinRowCost).
//
// Variables for the tests, which force each plan: 0 always, 2 never.
var (
	commonShare = 1.0 / 10
	walkShare   = 1.0 / 40
)

// walkMatches is how many tickets in all must hold a search's words, by
// the share of the newest ones that do, for MySQL to walk a filter asking
// the index per chunk rather than list the index's matches (twice
// allMatchesMySQL: an estimate, and listing is the safer plan).
var walkMatches = 2000

// searchWordsMySQL is a search with words on MySQL. The store's word
// index answers first (searchWordIndex), when it can. Otherwise the
// newest walkChunk tickets of the filters are read first with the
// regular expressions of wordPattern (which find what the index finds);
// the share of them that match picks the plan (commonShare, walkShare),
// and every plan goes on from there. A walk that asks the index per
// chunk is taken only when the words are also in more than walkMatches
// tickets by the same share of the newest tickets of all (read too when
// the list is filtered): a word in a tenth of a view's tickets but in a
// few hundred tickets in all is listed by the index sooner than found by
// a walk through the view's scattered rows. When the index holds more
// matches than it lists, the filters are walked on, or joined with the
// index's matches when that reads fewer rows (a word common in all
// tickets but rare in the filters). plan names the plan taken, for the
// tests: "words", "sample" (the first chunk was enough), "text",
// "chunks", "list" or "join".
func (s *Store) searchWordsMySQL(ctx context.Context, f TicketFilter, words []string, prefix bool) (ids []int64, plan string, err error) {
	limit := TicketSearchCountCap + 1
	w := newWalk()
	textCond, textArgs, ok, err := s.wordsTextCond(ctx, words, prefix)
	if err != nil {
		return nil, "", err
	}
	// The condition that tests each ticket of a chunk against the index:
	// "OR tickets.id = 0" (no ticket has ID 0) keeps MATCH from being the
	// table's access path, which would read every match's row, so the
	// chunk is read by primary key and each row tested.
	matchCond, matchArgs := "("+matchTickets+" OR tickets.id = 0)", []any{booleanQuery(words, prefix)}
	// all is the first chunk of the newest tickets of all, read with the
	// same patterns: the share of all tickets holding the words.
	all := w
	readAll := func() error {
		if !f.filtered() || all != w {
			return nil
		}
		all = newWalk()
		return s.walkTicketIDs(ctx, TicketFilter{}, textCond, textArgs, limit, all, 1)
	}
	if ok && useWordIndex {
		ids, err := s.searchWordIndex(ctx, f, words, prefix, textCond, textArgs)
		if !errors.Is(err, errNoWordIndex) {
			return ids, "words", err
		}
	}
	if ok {
		if err := s.walkTicketIDs(ctx, f, textCond, textArgs, limit, w, 1); err != nil {
			return nil, "", err
		}
		share := w.share()
		switch {
		case w.done || len(w.kept) >= limit:
			return w.kept, "sample", nil
		case share >= commonShare:
			err := s.walkTicketIDs(ctx, f, textCond, textArgs, limit, w, 0)
			return w.kept, "text", err
		case share >= walkShare:
			if err := readAll(); err != nil {
				return nil, "", err
			}
			if all.share()*float64(all.top) > float64(walkMatches) {
				err := s.walkTicketIDs(ctx, f, matchCond, matchArgs, limit, w, 0)
				return w.kept, "chunks", err
			}
		}
	}
	cands, err := s.matchTicketIDs(ctx, words, prefix, allMatchesMySQL+1)
	if err != nil {
		return nil, "", err
	}
	if len(cands) <= allMatchesMySQL {
		ids, err := s.keepInScope(ctx, f, cands)
		return ids, "list", err
	}
	// More matches than listed. A walk through the filters reads about
	// (limit - kept) / share of their tickets, at least a half in the
	// first chunk; joining the filters with the index reads the row of
	// every match (as many as the share of all tickets tells), oldest
	// first, likelier out of the buffer pool than the newest: joinRowCost
	// each.
	if ok {
		if err := readAll(); err != nil {
			return nil, "", err
		}
		matches := max(all.share()*float64(all.top), float64(allMatchesMySQL+1))
		walkRows := float64(limit-len(w.kept)) / max(w.share(), 0.5/float64(walkChunk))
		if matches*joinRowCost < walkRows {
			db, err := s.ticketScope(ctx, f, false)
			if err != nil {
				return nil, "", err
			}
			var more []int64
			err = db.Where("tickets.id < ? AND "+matchTickets, w.below, booleanQuery(words, prefix)).
				Order("tickets.id DESC").Limit(limit-len(w.kept)).Pluck("tickets.id", &more).Error
			return append(w.kept, more...), "join", translate(err)
		}
	}
	err = s.walkTicketIDs(ctx, f, matchCond, matchArgs, limit, w, 0)
	return w.kept, "list", err
}

// joinRowCost is how many tickets a walk reads in the time the full-text
// index reads one match's row (searchWordsMySQL); a variable for the
// tests.
var joinRowCost = 4.0

// finishSearch sorts a search's tickets newest first, keeps the newest
// TicketSearchCountCap of them (capped: there were more), and adds the
// ticket whose number was typed, when it is in the filters.
func (s *Store) finishSearch(ctx context.Context, f TicketFilter, ids []int64) (_ []int64, capped bool, err error) {
	n := TicketSearchCountCap
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	if len(ids) > n {
		ids, capped = ids[:n], true
	}
	// A number also finds the ticket of that ID, when it is in the filters.
	if number, nerr := parseTicketNumber(strings.TrimSpace(f.Search)); nerr == nil && !slices.Contains(ids, number) {
		db, serr := s.ticketScope(ctx, f, false)
		if serr != nil {
			return nil, false, serr
		}
		var hit []int64
		if err := db.Where("tickets.id = ?", number).Pluck("tickets.id", &hit).Error; err != nil {
			return nil, false, translate(err)
		}
		if len(hit) > 0 {
			ids = append(ids, hit[0])
			slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
		}
	}
	return ids, capped, nil
}

// matchTicketIDs asks MySQL's full-text index alone for up to limit
// tickets holding every word, in document order (asking InnoDB for an
// order would read every match's row). Only their number matters when it
// reaches limit.
func (s *Store) matchTicketIDs(ctx context.Context, words []string, prefix bool, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Ticket{}).Where(matchTickets, booleanQuery(words, prefix)).
		Limit(limit).Pluck("id", &ids).Error
	return ids, translate(err)
}

// allMatches is how many matches of a search SQLite's index lists before
// the search walks the filters instead: with more, the word is in more
// than one ticket in fifty at 100,000 tickets and a walk finds the
// newest soon.
var allMatches = 2048 // a variable for the tests, which also try it at the cap

// allMatchesMySQL is the same on MySQL, where each match listed costs a
// row read (in the index's order, mostly sequential).
var allMatchesMySQL = 1000

// walkChunk is the first chunk of a walk; maxChunk bounds the next ones.
const (
	walkChunk = 256
	maxChunk  = 8192
)

// nextChunk sizes the next chunk of a walk from the share of the last one
// that matched (size IDs, got kept), so that it likely holds the want
// matches still missing: one more query for a word in a tenth of the
// tickets instead of four doublings; at least twice the last size.
func nextChunk(size, got, want int) int {
	next := 2 * size
	if got > 0 {
		next = max(next, want*size/got*5/4)
	} else {
		next = 4 * size
	}
	return min(next, maxChunk)
}

// walk is where a walk through the list's filters stands: the IDs kept
// so far, the highest and the lowest ID read (below: -1 before the first
// chunk), the size of the last chunk and how many of it were kept, and
// whether the filters hold no more tickets.
type walk struct {
	kept      []int64
	top       int64 // the highest ID read (about how many tickets there are, without filters)
	below     int64
	size, got int
	done      bool
	// match, when set, narrows each chunk to the tickets that match
	// (SQLite's full-text index, ftsChunk) before cond is tested.
	match func(ctx context.Context, chunk []int64) ([]int64, error)
}

// share is the share of the last chunk that was kept.
func (w *walk) share() float64 { return float64(w.got) / float64(max(w.size, 1)) }

// newWalk is a walk that has read nothing yet.
func newWalk() *walk { return &walk{below: -1} }

// walkTicketIDs walks the IDs of the list's filters and view newest first
// (from the view's assignments, or a filter's index, or the primary key),
// a chunk at a time, and keeps those of each chunk that pass cond, until
// limit are kept, the filters hold no more tickets, or (chunks above 0)
// that many chunks are read. A walk may go on where another stopped,
// with another cond finding the same tickets: its next chunk is sized
// from the share the last one kept.
func (s *Store) walkTicketIDs(ctx context.Context, f TicketFilter, cond string, args []any, limit int, w *walk, chunks int) error {
	for read := 0; len(w.kept) < limit && !w.done && (chunks == 0 || read < chunks); read++ {
		size := walkChunk
		if w.size > 0 {
			size = nextChunk(w.size, w.got, limit-len(w.kept))
		}
		chunk, err := s.scopeIDsBelow(ctx, f, w.below, size)
		if err != nil {
			return err
		}
		w.size, w.got, w.done = size, 0, len(chunk) < size
		if len(chunk) == 0 {
			return nil
		}
		w.top, w.below = max(w.top, chunk[0]), chunk[len(chunk)-1]
		if w.match != nil {
			if chunk, err = w.match(ctx, chunk); err != nil {
				return err
			}
		}
		var got []int64
		if len(chunk) > 0 {
			db, err := s.ticketScope(ctx, f, true)
			if err != nil {
				return err
			}
			db = db.Where("tickets.id IN ?", chunk)
			if cond != "" {
				db = db.Where(cond, args...)
			}
			if err := db.Pluck("tickets.id", &got).Error; err != nil {
				return translate(err)
			}
		}
		w.kept, w.got = append(w.kept, got...), len(got)
	}
	return nil
}

// scopeIDsBelow returns up to size ticket IDs of the list's view (or of
// its most selective filter) below the ID below (-1: no bound), highest
// first, from an index alone.
func (s *Store) scopeIDsBelow(ctx context.Context, f TicketFilter, below int64, size int) ([]int64, error) {
	db := s.db.WithContext(ctx)
	col := "tickets.id"
	switch f.View {
	case ViewMine:
		db, col = db.Table("ticket_users").Where("user_id = ? AND role = ?", f.UserID, ActorAssigned), "ticket_id"
	case ViewMyGroups:
		groups, err := s.UserGroupIDs(ctx, f.UserID)
		if err != nil || len(groups) == 0 {
			return nil, err
		}
		db, col = db.Table("ticket_groups").Distinct("ticket_id").Where("group_id IN ? AND role = ?", groups, ActorAssigned), "ticket_id"
	default:
		db = db.Table("tickets")
		switch {
		case f.View == ViewUnassigned:
			db = db.Where("assignee_count = 0")
		case f.CategoryID != 0:
			db = db.Where("category_id = ?", f.CategoryID)
		case f.ReceiverID != 0:
			db = db.Where("receiver_id = ?", f.ReceiverID)
		case f.Status != 0:
			db = db.Where("status = ?", f.Status)
		}
	}
	if below >= 0 {
		db = db.Where(col+" < ?", below)
	}
	var ids []int64
	err := db.Order(col+" DESC").Limit(size).Pluck(col, &ids).Error
	return ids, translate(err)
}

// ticketScope is the tickets of the list's filters and view, without its
// search.
func (s *Store) ticketScope(ctx context.Context, f TicketFilter, plainJoin bool) (*gorm.DB, error) {
	db := s.db.WithContext(ctx).Model(&Ticket{})
	if f.Status != 0 {
		db = db.Where("tickets.status = ?", f.Status)
	}
	if f.NotSolved {
		db = db.Where("tickets.status NOT IN ?", []int{StatusSolved, StatusClosed})
	}
	if f.ReceiverID != 0 {
		db = db.Where("tickets.receiver_id = ?", f.ReceiverID)
	}
	if f.CategoryID != 0 {
		db = db.Where("tickets.category_id = ?", f.CategoryID)
	}
	return s.ticketViewScope(ctx, db, f.View, f.UserID, plainJoin)
}

// BeforeCreate gives a new ticket the text the search index holds, on
// every path that inserts tickets (one at a time or in batches).
func (t *Ticket) BeforeCreate(*gorm.DB) error {
	if t.SearchText == "" {
		t.SearchText = searchText(t.Content)
	}
	return nil
}

// AfterCreate queues a ticket inserted through GORM (one given its ID, or
// rows written in batches) for MySQL's word index (word_index.go); the
// store's own INSERTs queue theirs themselves. INSERT IGNORE: a ticket
// is queued once. Before migration 00026 there is no queue (the
// migration queues every ticket then stored).
func (t *Ticket) AfterCreate(tx *gorm.DB) error {
	if tx.Dialector.Name() != "mysql" {
		return nil
	}
	err := tx.Session(&gorm.Session{NewDB: true}).Exec("INSERT IGNORE INTO ticket_word_queue (ticket_id) VALUES (?)", t.ID).Error
	if me := (*mysql.MySQLError)(nil); errors.As(err, &me) && me.Number == 1146 { // ER_NO_SUCH_TABLE
		return nil
	}
	return err
}

// SearchText is the text the search index holds for a ticket's content.
// A caller that builds a ticket off its writer's path (the collector) may
// work it out there and set Ticket.SearchText; it must be this of the
// ticket's Content.
func SearchText(content string) string { return searchText(content) }

// searchText is the text of an HTML content for the search index: the
// text nodes with entities decoded, a space for every tag (so
// "<p>a</p><p>b</p>" is two words), style and script left out.
func searchText(content string) string {
	if text, ok := plainSearchText(content); ok {
		return text
	}
	return tokenSearchText(content)
}

// tokenSearchText is searchText read by the HTML tokenizer.
func tokenSearchText(content string) string {
	z := xhtml.NewTokenizer(strings.NewReader(content))
	var b strings.Builder
	b.Grow(len(content))
	skip := 0
	for {
		switch tt := z.Next(); tt {
		case xhtml.ErrorToken:
			return strings.TrimSpace(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			if n := string(name); n == "style" || n == "script" {
				if tt == xhtml.StartTagToken {
					skip++
				} else if tt == xhtml.EndTagToken && skip > 0 {
					skip--
				}
			}
			b.WriteByte(' ')
		}
	}
}

// plainSearchText is searchText for content written as the sanitiser and
// TextToHTML write it (tags with plain attributes, text with the escapes
// they use), read in one pass without the HTML tokenizer, five times as
// fast; ok is false for anything else (a comment, a raw-text element such
// as style or script, another entity, a stray "<"), which the tokenizer
// then reads. FuzzPlainSearchText holds the two to the same text.
func plainSearchText(content string) (_ string, ok bool) {
	var b strings.Builder
	b.Grow(len(content))
	for i := 0; i < len(content); {
		j := i
		for j < len(content) && !searchTextSpecial[content[j]] {
			j++
		}
		b.WriteString(content[i:j])
		if j == len(content) {
			break
		}
		switch content[j] {
		case '\r': // a line break or a lone CR: "\n", as the tokenizer reads it
			b.WriteByte('\n')
			i = j + 1
			if i < len(content) && content[i] == '\n' {
				i++
			}
		case '&':
			n := 0
			for _, e := range plainEntities {
				if strings.HasPrefix(content[j:], e.name) {
					b.WriteString(e.text)
					n = len(e.name)
					break
				}
			}
			if n == 0 {
				return "", false
			}
			i = j + n
		case '<':
			n := plainTagLen(content[j:])
			if n == 0 {
				return "", false
			}
			b.WriteByte(' ')
			i = j + n
		default: // NUL
			return "", false
		}
	}
	return strings.TrimSpace(b.String()), true
}

// searchTextSpecial are the bytes plainSearchText stops at.
var searchTextSpecial = [256]bool{'<': true, '&': true, '\r': true, 0: true}

// plainEntities are the escapes the sanitiser and TextToHTML write.
var plainEntities = []struct{ name, text string }{
	{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#34;", `"`}, {"&#39;", "'"},
	{"&quot;", `"`}, {"&apos;", "'"}, {"&nbsp;", "\u00a0"},
}

// plainTagLen is the length of the start or end tag s begins with, when
// it is one with a name of letters and digits, not of a raw-text element,
// and plain attributes (a name of letters, digits and "-_:.", a value
// quoted or of plain characters); 0 otherwise.
func plainTagLen(s string) int {
	i := 1
	if i < len(s) && s[i] == '/' {
		i++
	}
	start := i
	for i < len(s) && isAlnum(s[i]) {
		i++
	}
	if i == start || !isLetter(s[start]) || rawTextElement(s[start:i]) {
		return 0
	}
	for {
		from := i
		i = skipHTMLSpace(s, i)
		spaced := i > from
		if i == len(s) {
			return 0
		}
		switch {
		case s[i] == '>':
			return i + 1
		case s[i] == '/':
			if i+1 < len(s) && s[i+1] == '>' {
				return i + 2
			}
			return 0
		case !spaced:
			return 0 // an attribute right after the name or a value
		}
		at := i
		for i < len(s) && (isAlnum(s[i]) || strings.IndexByte("-_:.", s[i]) >= 0) {
			i++
		}
		if i == at {
			return 0
		}
		if i = skipHTMLSpace(s, i); i == len(s) || s[i] != '=' {
			continue // an attribute without a value
		}
		if i = skipHTMLSpace(s, i+1); i == len(s) {
			return 0
		}
		if q := s[i]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				return 0
			}
			i += end + 2
			continue
		}
		at = i
		for i < len(s) && !isHTMLSpace(s[i]) && s[i] != '>' {
			if strings.IndexByte("\"'<=`/", s[i]) >= 0 {
				return 0
			}
			i++
		}
		if i == at {
			return 0
		}
	}
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isAlnum(c byte) bool  { return isLetter(c) || '0' <= c && c <= '9' }

// isHTMLSpace is the HTML tokenizer's white space.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

// skipHTMLSpace is where the white space of s from i ends.
func skipHTMLSpace(s string, i int) int {
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	return i
}

// rawTextElement reports whether the tokenizer reads what follows a tag
// of this name as raw text (or leaves it out: style, script).
func rawTextElement(name string) bool {
	switch strings.ToLower(name) {
	case "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext":
		return true
	}
	return false
}

// searchTextBatch is how many tickets fillSearchText writes per transaction.
const searchTextBatch = 500

// fillSearchText writes the search text of the tickets stored before
// search_text existed (those below search_text_backlog's bound), newest
// first, a batch per transaction that also lowers the bound, so that a
// restart resumes where it stopped; the index triggers follow each
// update. Once done the bound's row is gone and this costs one query.
func (s *Store) fillSearchText(ctx context.Context) (int, error) {
	type row struct {
		ID      int64
		Content string
	}
	done := 0
	for {
		var bounds []int64
		if err := s.db.WithContext(ctx).Raw("SELECT below FROM search_text_backlog").Scan(&bounds).Error; err != nil || len(bounds) == 0 {
			return done, translate(err)
		}
		var rows []row
		err := s.db.WithContext(ctx).Table("tickets").Select("id, content").Where("id < ?", bounds[0]).
			Order("id DESC").Limit(searchTextBatch).Scan(&rows).Error
		if err != nil {
			return done, translate(err)
		}
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if len(rows) == 0 {
				return tx.Exec("DELETE FROM search_text_backlog").Error
			}
			for _, r := range rows {
				if err := tx.Exec("UPDATE tickets SET search_text = ? WHERE id = ?", searchText(r.Content), r.ID).Error; err != nil {
					return err
				}
			}
			return tx.Exec("UPDATE search_text_backlog SET below = ?", rows[len(rows)-1].ID).Error
		})
		if err != nil {
			return done, translate(err)
		}
		if len(rows) == 0 {
			break
		}
		done += len(rows)
	}
	if done > 0 && s.dialect == MySQL {
		// InnoDB keeps every replaced entry of a FULLTEXT index until the
		// table is rebuilt, and each search filters them out: after
		// rewriting 100,000 tickets a rare word took 60 ms instead of 8.
		if err := s.db.WithContext(ctx).Exec("OPTIMIZE TABLE tickets").Error; err != nil {
			return done, translate(err)
		}
	}
	return done, nil
}

// wordsTextCond is the condition that finds a search's words in a
// ticket's text the way MySQL's full-text index finds them: a regular
// expression per word (wordPattern) on the title, text and requester. ok
// is false when a word's pattern cannot be made.
func (s *Store) wordsTextCond(ctx context.Context, words []string, prefix bool) (cond string, args []any, ok bool, err error) {
	units, err := s.collationUnits(ctx)
	if err != nil {
		return "", nil, false, err
	}
	var conds []string
	for i, w := range words {
		re, ok := wordPattern(units, w, prefix && i == len(words)-1)
		if !ok {
			return "", nil, false, nil
		}
		conds = append(conds, "CONCAT_WS(' ', tickets.title, tickets.search_text, tickets.requester_email, tickets.requester_name) REGEXP ?")
		args = append(args, re)
	}
	return strings.Join(conds, " AND "), args, true, nil
}

// weightUnits are, for a collation, the characters of the Basic
// Multilingual Plane and their collation weights (hex), which are runs of
// elements of elem hex digits: "ß" weighs two, "ss".
type weightUnits struct {
	weight   map[rune]string       // character → weight
	ascii    [utf8.RuneSelf]string // the weights of ASCII, for the word index's keys
	byWeight map[string][]rune     // weight → characters
	starting map[string][]rune     // a weight's first elements → the characters weighing more
	elem     int
	maxElems int // the most elements of a character
}

var (
	unitsMu    sync.Mutex
	unitsCache = map[string]*weightUnits{}
	collName   = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

// collationUnits reads, once per process and collation, the collation
// weights of the characters of the Basic Multilingual Plane at the
// collation of the indexed columns (one query of 65,536 rows, a few
// milliseconds).
func (s *Store) collationUnits(ctx context.Context) (*weightUnits, error) {
	if u, ok := storeUnits.Load(s); ok {
		return u.(*weightUnits), nil
	}
	var coll string
	err := s.db.WithContext(ctx).Raw("SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tickets' AND COLUMN_NAME = 'search_text'").Scan(&coll).Error
	if err != nil {
		return nil, translate(err)
	}
	if !collName.MatchString(coll) {
		return nil, fmt.Errorf("store: unexpected collation %q of tickets.search_text", coll)
	}
	u, err := s.loadUnits(ctx, coll)
	if err == nil {
		storeUnits.Store(s, u)
	}
	return u, err
}

// warmSearch reads, in the background, what MySQL's search otherwise
// reads at the first search of the process (the collation's weights,
// about 0.1 s), so that no search waits for it.
func (s *Store) warmSearch() {
	if s.dialect == MySQL {
		go func() { _, _ = s.collationUnits(context.Background()) }()
	}
}

// storeUnits holds each store's weightUnits, so that a search asks
// information_schema for the collation only once.
var storeUnits sync.Map

// loadUnits reads the weightUnits of a collation, once per process.
func (s *Store) loadUnits(ctx context.Context, coll string) (*weightUnits, error) {
	unitsMu.Lock()
	defer unitsMu.Unlock()
	if u := unitsCache[coll]; u != nil {
		return u, nil
	}
	var rows []struct {
		R int
		W string
	}
	err := s.db.WithContext(ctx).Raw(`WITH RECURSIVE b(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM b WHERE i < 255)
		SELECT h.i*256+l.i AS r, HEX(WEIGHT_STRING(CONVERT(CHAR(h.i*256+l.i USING utf32) USING utf8mb4) COLLATE ` + coll + `)) AS w
		FROM b h, b l WHERE h.i*256+l.i BETWEEN 1 AND 65533 AND NOT h.i*256+l.i BETWEEN 55296 AND 57343`).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	u := &weightUnits{weight: map[rune]string{}, byWeight: map[string][]rune{}, starting: map[string][]rune{}}
	for _, r := range rows {
		if r.R == 'a' {
			u.elem = len(r.W)
		}
	}
	if u.elem == 0 {
		return nil, fmt.Errorf("store: collation %s gives no weight to \"a\"", coll)
	}
	for _, r := range rows {
		if r.W == "" || len(r.W)%u.elem != 0 {
			continue // ignored by the collation, or not in elements
		}
		u.weight[rune(r.R)] = r.W
		if r.R < utf8.RuneSelf {
			u.ascii[r.R] = r.W
		}
		u.byWeight[r.W] = append(u.byWeight[r.W], rune(r.R))
		u.maxElems = max(u.maxElems, len(r.W)/u.elem)
		for k := u.elem; k < len(r.W); k += u.elem {
			u.starting[r.W[:k]] = append(u.starting[r.W[:k]], rune(r.R))
		}
	}
	unitsCache[coll] = u
	return u, nil
}

// maxPattern bounds a word's regular expression; a longer one (a word of
// many "ss" and "fi") is left to the full-text index.
const maxPattern = 8000

// wordPattern is a regular expression (PCRE, as MariaDB's REGEXP reads
// it, case-sensitive: the classes hold every case) that finds a word where
// InnoDB's full-text index finds it: a run of letters, digits and "_" (an
// apostrophe ends a word) equal to w at the collation, so in any case,
// with or without accents, in full-width forms, or with one character
// standing for several ("straße" for "strasse", "ﬁle" for "file"); with
// prefix, a run that starts so. The word's weight is cut into elements
// and each character of the text matches the elements it weighs. ok is
// false for a word with an apostrophe or a character outside the Basic
// Multilingual Plane, or whose pattern would be too long. Not covered:
// characters the collation ignores inside a word of the text, and words
// of the text the index leaves out for their length (fewer than 3 or
// more than 84 characters) that weigh as a word searched.
func wordPattern(u *weightUnits, w string, prefix bool) (string, bool) {
	var elems []string
	for _, r := range w {
		wt, ok := u.weight[r]
		if !ok || r == '\'' {
			return "", false
		}
		for k := 0; k < len(wt); k += u.elem {
			elems = append(elems, wt[k:k+u.elem])
		}
	}
	if len(elems) == 0 {
		return "", false
	}
	// The characters weighing elems[i:j], as a class.
	class := func(i, j int) string {
		want := strings.Join(elems[i:j], "")
		rs := slices.Clone(u.byWeight[want])
		if prefix && j == len(elems) {
			// The last elements may be the start of a character weighing
			// more ("stras" is the start of "straße").
			rs = append(rs, u.starting[want]...)
		}
		if len(rs) == 0 {
			return ""
		}
		slices.Sort(rs)
		var b strings.Builder
		b.WriteByte('[')
		for _, r := range rs {
			fmt.Fprintf(&b, `\x{%x}`, r)
		}
		b.WriteByte(']')
		return b.String()
	}
	memo := map[int]string{}
	failed := false
	var from func(i int) string
	from = func(i int) string {
		if i == len(elems) || failed {
			return ""
		}
		if p, ok := memo[i]; ok {
			return p
		}
		var alts []string
		for j := i + 1; j <= min(len(elems), i+u.maxElems); j++ {
			if c := class(i, j); c != "" {
				alts = append(alts, c+from(j))
			}
		}
		p := "(?:" + strings.Join(alts, "|") + ")"
		if len(alts) == 1 {
			p = alts[0]
		}
		if len(alts) == 0 || len(p) > maxPattern {
			failed = true
		}
		memo[i] = p
		return p
	}
	p := `(?-i)(?<![\p{L}\p{N}_])` + from(0)
	if !prefix {
		p += `(?![\p{L}\p{N}_])`
	}
	return p, !failed && len(p) <= maxPattern
}
