package store

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

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
const matchTickets = "MATCH (tickets.title, tickets.search_text, tickets.requester_email, tickets.requester_name) AGAINST (? IN BOOLEAN MODE)"

// searchTicketIDs returns the tickets of the list's filters and view that
// match f.Search, newest (highest ID) first. When more than
// TicketSearchCountCap match, only the newest TicketSearchCountCap are
// returned and capped is true: the list shows those and says "more than".
// No search shape reads more than about that many tickets when its words
// are common: sorting every match of a word found in each ticket was the
// worst case (a second on MariaDB at 100,000 tickets).
//
// The plan: ask the full-text index for at most cap+1 matches (on SQLite,
// where they cost no row read, allMatches+1). Fewer than that is every
// match: keep those in the filters. More means the words are common:
// without filters SQLite's index gives the newest matches itself;
// otherwise walk the filters' own ticket IDs newest first, in chunks,
// keeping those that match, until cap+1 are found or the filters run out.
// A search with no indexable word (one or two letters, "%") walks the same
// way with a substring match. On MySQL a search whose words are in one
// ticket in commonWordShare or more of the filters' newest walks them
// first, reading each ticket's text (walkCommonWords), and never asks the
// full-text index: for a word in every ticket its work alone is 0.3 to 1 s
// at 100,000 tickets.
func (s *Store) searchTicketIDs(ctx context.Context, f TicketFilter) (ids []int64, capped bool, err error) {
	n := TicketSearchCountCap
	words, prefix := searchWords(f.Search)
	filtered := f.Status != 0 || f.NotSolved || f.ReceiverID != 0 || f.CategoryID != 0 || f.View != ViewAll
	var cond string
	var args []any
	if len(words) == 0 {
		like := "%" + escapeLike(strings.TrimSpace(f.Search)) + "%"
		cond = "(tickets.title LIKE ? ESCAPE '!' OR tickets.requester_email LIKE ? ESCAPE '!' OR tickets.requester_name LIKE ? ESCAPE '!' OR tickets.search_text LIKE ? ESCAPE '!')"
		args = []any{like, like, like, like}
		ids, _, err = s.walkTicketIDs(ctx, f, cond, args, n+1, 0)
	} else {
		if s.dialect == MySQL {
			// A word in a good share of the newest tickets is found by
			// reading them: asking InnoDB's index for it costs
			// 0.3 to 1 s at 100,000 tickets, whatever the LIMIT.
			var common bool
			if ids, common, err = s.walkCommonWords(ctx, f, words, prefix, n+1); err != nil {
				return nil, false, err
			}
			if common {
				return s.finishSearch(ctx, f, ids)
			}
		}
		// On SQLite the index's matches cost no row: learn up to
		// allMatches of them; on MySQL each costs a row read.
		known := n
		if s.dialect == SQLite {
			known = allMatches
		}
		var cands []int64
		if cands, err = s.matchTicketIDs(ctx, words, prefix, known+1); err != nil {
			return nil, false, err
		}
		if s.dialect == MySQL && len(cands) > known {
			// Past the cap, up to a thousand more rows read beat a walk
			// through the filters for a word in a few hundred tickets
			// (seconds at 100,000 tickets).
			known = allMatchesMySQL
			if cands, err = s.matchTicketIDs(ctx, words, prefix, known+1); err != nil {
				return nil, false, err
			}
		}
		switch {
		case len(cands) <= known && !filtered:
			ids = cands
		case len(cands) <= known:
			// Every match is known: keep those of the filters (a row
			// read each, fewer than a walk through the filters).
			db, serr := s.ticketScope(ctx, f, false)
			if serr != nil {
				return nil, false, serr
			}
			err = db.Where("tickets.id IN ?", cands).Order("tickets.id DESC").Limit(n+1).Pluck("tickets.id", &ids).Error
		case !filtered && s.dialect == SQLite:
			// The newest matches, FTS5 reading the word's list backwards.
			err = s.db.WithContext(ctx).Raw("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? ORDER BY rowid DESC LIMIT ?",
				ftsQuery(words, prefix), n+1).Scan(&ids).Error
		default:
			cond, args = s.matchEachCond(words, prefix)
			ids, _, err = s.walkTicketIDs(ctx, f, cond, args, n+1, 0)
		}
	}
	if err != nil {
		return nil, false, translate(err)
	}
	return s.finishSearch(ctx, f, ids)
}

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

// matchTicketIDs asks the full-text index alone for up to limit tickets
// holding every word, in the index's own order: the oldest first on
// SQLite (FTS5 reads a long doclist backwards only by loading it whole),
// in document order on MySQL (asking InnoDB for an order would read every
// match's row). Only their number matters when it reaches limit.
func (s *Store) matchTicketIDs(ctx context.Context, words []string, prefix bool, limit int) ([]int64, error) {
	var ids []int64
	var err error
	if s.dialect == MySQL {
		err = s.db.WithContext(ctx).Model(&Ticket{}).Where(matchTickets, booleanQuery(words, prefix)).
			Limit(limit).Pluck("id", &ids).Error
	} else {
		err = s.db.WithContext(ctx).Raw("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? LIMIT ?",
			ftsQuery(words, prefix), limit).Scan(&ids).Error
	}
	return ids, translate(err)
}

// matchEachCond is the condition that tests each ticket of a chunk
// (tickets.id BETWEEN ? AND ?, the two bounds appended by the walk)
// against the full-text index. On SQLite the index is asked for the
// chunk's ID range only; on MySQL the "OR tickets.id = 0" (no ticket has
// ID 0) keeps MATCH from being the table's access path, which would read
// every match's row, so the chunk is read by primary key and each row
// tested.
func (s *Store) matchEachCond(words []string, prefix bool) (string, []any) {
	if s.dialect == MySQL {
		return "(" + matchTickets + " OR tickets.id = 0)", []any{booleanQuery(words, prefix)}
	}
	return "tickets.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? AND rowid BETWEEN ? AND ?)",
		[]any{ftsQuery(words, prefix), chunkBounds}
}

// chunkBounds stands in matchEachCond's arguments for the chunk's lowest
// and highest ID.
var chunkBounds = new(int)

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

// walkTicketIDs walks the IDs of the list's filters and view newest first
// (from the view's assignments, or a filter's index, or the primary key),
// a chunk at a time, and keeps those of each chunk that pass cond, until
// limit are kept or the filters hold no more tickets.
//
// With minShare above 0 the walk gives up (rare true) after a full first
// chunk in which fewer than one ticket in minShare passed: the words are
// not common enough for a walk to find limit of them soon.
func (s *Store) walkTicketIDs(ctx context.Context, f TicketFilter, cond string, args []any, limit, minShare int) (_ []int64, rare bool, err error) {
	var kept []int64
	first := true
	below := int64(-1) // no bound yet
	size := walkChunk
	for len(kept) < limit {
		chunk, err := s.scopeIDsBelow(ctx, f, below, size)
		if err != nil || len(chunk) == 0 {
			return kept, false, err
		}
		below = chunk[len(chunk)-1]
		a := make([]any, 0, len(args)+2)
		for _, v := range args {
			if v == chunkBounds {
				a = append(a, chunk[len(chunk)-1], chunk[0])
			} else {
				a = append(a, v)
			}
		}
		db, err := s.ticketScope(ctx, f, true)
		if err != nil {
			return nil, false, err
		}
		var got []int64
		if err := db.Where("tickets.id IN ?", chunk).Where(cond, a...).Pluck("tickets.id", &got).Error; err != nil {
			return nil, false, translate(err)
		}
		kept = append(kept, got...)
		if len(chunk) < size {
			break
		}
		if first && minShare > 0 && len(got)*minShare < len(chunk) {
			return nil, true, nil
		}
		first = false
		size = nextChunk(size, len(got), limit-len(kept))
	}
	return kept, false, nil
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
	t.SearchText = searchText(t.Content)
	return nil
}

// searchText is the text of an HTML content for the search index: the
// text nodes with entities decoded, a space for every tag (so
// "<p>a</p><p>b</p>" is two words), style and script left out.
func searchText(content string) string {
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

// commonWordShare is the share of a walk's first chunk (one ticket in
// commonWordShare) that a search's words must be found in for MySQL to
// walk the newest tickets reading their text rather than ask its
// full-text index; 0 walks whatever the share (a variable for the tests).
var commonWordShare = 16

// walkCommonWords is the search of words on MySQL when they are common:
// it walks the filters' newest tickets testing each one's text with a
// regular expression that finds what the full-text index finds (see
// wordPattern), and gives up (common false) after a first chunk where
// fewer than one ticket in commonWordShare matched, or when a word's
// pattern cannot be made.
func (s *Store) walkCommonWords(ctx context.Context, f TicketFilter, words []string, prefix bool, limit int) (ids []int64, common bool, err error) {
	units, err := s.collationUnits(ctx)
	if err != nil {
		return nil, false, err
	}
	var conds []string
	var args []any
	for i, w := range words {
		re, ok := wordPattern(units, w, prefix && i == len(words)-1)
		if !ok {
			return nil, false, nil
		}
		conds = append(conds, "CONCAT_WS(' ', tickets.title, tickets.search_text, tickets.requester_email, tickets.requester_name) REGEXP ?")
		args = append(args, re)
	}
	ids, rare, err := s.walkTicketIDs(ctx, f, strings.Join(conds, " AND "), args, limit, commonWordShare)
	return ids, err == nil && !rare, err
}

// weightUnits are, for a collation, the characters of the Basic
// Multilingual Plane and their collation weights (hex), which are runs of
// elements of elem hex digits: "ß" weighs two, "ss".
type weightUnits struct {
	weight   map[rune]string   // character → weight
	byWeight map[string][]rune // weight → characters
	starting map[string][]rune // a weight's first elements → the characters weighing more
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
