package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// The store's own index of the words of tickets, on MySQL/MariaDB
// (migration 00026): for each word, the tickets holding it, as bitmaps of
// wordBlock ticket IDs. InnoDB's FULLTEXT index lists a word's tickets at
// about 1 µs each, whatever the filters: a word in a fifth of 100,000
// tickets and in none of a status's cost 80 to 130 ms to find in none.
// Here the same word is ~100 rows of 128 bytes, intersected with the
// status's tickets in a few milliseconds (searchWordIndex).
//
// A word is the collation weights of its characters (weightUnits, hex),
// so that a word is found where the collation of the indexed columns
// finds it: in any case, with or without accents, "straße" for
// "strasse". The words of a ticket are cut from its title, text and
// requester as the search's regular expressions cut them (wordPattern):
// runs of letters, numbers and "_". A word whose characters all weigh,
// and whose weights fit the column, is indexed whole: a search finding it
// here finds what wordPattern finds. Others are indexed by their start,
// marked (cutMark), which only a half-typed word finds; a search for such
// a word itself is left to the other plans.
//
// A new ticket is queued in ticket_word_queue by the transaction that
// creates it; the indexer (one goroutine per store, started once the
// schema is current: Migrate, CheckSchema) writes the words of the
// queued tickets a batch at a time, just behind the writers, and a
// search counts every queued ticket as a possible match, checked against
// its text. A ticket's title, text and requester do not change once
// stored, so a ticket is indexed once.

// wordBlock is how many ticket IDs a row of ticket_word_blocks holds, in
// wordCols columns of 64 bits: block = id / wordBlock, column b<n> with
// n = id % wordBlock / 64, bit id % 64. A batch of new tickets (IDs that
// follow each other) is then one row or two per word: with a column a
// row, a batch of 500 prose mails wrote 80 rows a mail.
const (
	wordBlock = wordCols * 64
	wordCols  = 16
)

// wordBits is a row's bitmap.
type wordBits [wordCols]uint64

// set marks the ticket id in its block's bitmap.
func (w *wordBits) set(id int64) { w[id%wordBlock/64] |= 1 << (id % 64) }

// wordColumns is "b0, b1, ..., b15".
var wordColumns = func() string {
	cols := make([]string, wordCols)
	for i := range cols {
		cols[i] = fmt.Sprintf("b%d", i)
	}
	return strings.Join(cols, ", ")
}()

// wordUpsert is the INSERT of rows rows into ticket_word_blocks, OR-ing
// each row's bits into a row already there.
func wordUpsert(rows int) string {
	var q strings.Builder
	q.WriteString("INSERT INTO ticket_word_blocks (word, block, " + wordColumns + ") VALUES ")
	row := "(?,?" + strings.Repeat(",?", wordCols) + ")"
	for i := range rows {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(row)
	}
	q.WriteString(" ON DUPLICATE KEY UPDATE ")
	for i := range wordCols {
		if i > 0 {
			q.WriteByte(',')
		}
		fmt.Fprintf(&q, "b%d = b%d | VALUES(b%d)", i, i, i)
	}
	return q.String()
}

// minKeyElems is the fewest collation elements a word the index holds
// weighs: a searched word has at least minSearchWord characters, each
// weighing one element or more.
const minKeyElems = minSearchWord

// wordKey is the index's key of a word (a run of letters, numbers and
// "_"): its characters' weights, up to the first character with none
// (one the collation ignores, or outside the Basic Multilingual Plane),
// cut to the whole elements the column holds (with cutMark). whole is
// false when something was left out: the key then stands for the start
// of the word.
func (u *weightUnits) wordKey(b []byte, w string) (key []byte, whole bool) {
	limit := (255 - len(cutMark)) / u.elem * u.elem
	for i := 0; i < len(w); {
		var wt string
		if c := w[i]; c < utf8.RuneSelf {
			wt = u.ascii[c]
			i++
		} else {
			r, n := utf8.DecodeRuneInString(w[i:])
			wt = u.weight[r]
			i += n
		}
		if wt == "" {
			return b, false
		}
		if len(b)+len(wt) > limit {
			return append(b, wt[:(limit-len(b))]...), false
		}
		b = append(b, wt...)
	}
	return b, true
}

// cutMark ends the key of a word indexed by its start (wordKey's whole
// false): a search for a whole word (word = key) does not find it, a
// half-typed one (word LIKE 'key%') does. Not a hex digit, so no whole
// key ends so.
const cutMark = "~"

// isWordRune is a character of a word, as wordPattern reads words: a
// letter, a number or "_" (PCRE's \p{L}, \p{N}).
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// asciiWord marks the ASCII characters of words.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c == '_' || 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9'
	}
	return t
}()

// eachWord calls fn with each run of letters, numbers and "_" of text.
// Runs of ASCII are scanned a byte at a time, without decoding.
func eachWord(text string, fn func(w string)) {
	start := -1
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				if start < 0 {
					start = i
				}
				i++
				for i < len(text) && text[i] < utf8.RuneSelf && asciiWord[text[i]] {
					i++
				}
				continue
			}
			if start >= 0 {
				fn(text[start:i])
				start = -1
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			fn(text[start:i])
			start = -1
		}
		i += n
	}
	if start >= 0 {
		fn(text[start:])
	}
}

// wordBatch gathers the rows a batch of tickets adds to the index: for
// each word as written, its key and the bitmaps of its blocks. A word
// found twice sets its bit twice, which costs less than remembering the
// words seen; words written differently with one key ("Printer",
// "printer") are merged by rows.
type wordBatch struct {
	u     *weightUnits
	words map[string]*wordEntry
	buf   []byte
}

// wordEntry is a word's key and bitmaps in a wordBatch (no key: the word
// is too short to be searched); last is the block most recently set
// (tickets come in ID order).
type wordEntry struct {
	key       string
	blocks    map[int64]*wordBits
	lastBlock int64
	last      *wordBits
}

func newWordBatch(u *weightUnits) *wordBatch {
	return &wordBatch{u: u, words: map[string]*wordEntry{}}
}

// add adds the words of a ticket's searched columns.
func (wb *wordBatch) add(id int64, cols ...string) {
	block := id / wordBlock
	for _, col := range cols {
		eachWord(col, func(w string) {
			e := wb.words[w]
			if e == nil {
				e = &wordEntry{}
				var whole bool
				if wb.buf, whole = wb.u.wordKey(wb.buf[:0], w); len(wb.buf) >= minKeyElems*wb.u.elem {
					if !whole {
						wb.buf = append(wb.buf, cutMark...)
					}
					e.key, e.blocks = string(wb.buf), map[int64]*wordBits{}
				}
				wb.words[strings.Clone(w)] = e
			}
			if e.key == "" {
				return
			}
			if e.last == nil || e.lastBlock != block {
				e.last = e.blocks[block]
				if e.last == nil {
					e.last = new(wordBits)
					e.blocks[block] = e.last
				}
				e.lastBlock = block
			}
			e.last.set(id)
		})
	}
}

// rows are the batch's rows, each key and block once, in one order for
// every writer (so that two never wait on each other's rows).
func (wb *wordBatch) rows() []wordBlockRow {
	type at struct {
		key   string
		block int64
	}
	merged := map[at]*wordBits{}
	out := make([]wordBlockRow, 0, len(wb.words))
	for _, e := range wb.words {
		for b, v := range e.blocks {
			if m := merged[at{e.key, b}]; m != nil {
				for i := range m {
					m[i] |= v[i]
				}
				continue
			}
			merged[at{e.key, b}] = v
			out = append(out, wordBlockRow{e.key, b, v})
		}
	}
	slices.SortFunc(out, func(a, b wordBlockRow) int {
		return cmp.Or(strings.Compare(a.word, b.word), cmp.Compare(a.block, b.block))
	})
	return out
}

// wordIndexer runs the index's writes behind the writers of a store.
type wordIndexer struct {
	kick    chan struct{}
	pending atomic.Int64 // tickets this store queued since the last pass
	stop    context.CancelFunc
	done    chan struct{}
}

// The indexer's pace. A pass writes the words of the tickets queued, up
// to wordIndexBatch a transaction. It runs wordIndexGather after the
// first commit that queued tickets, or as soon as wordIndexEnough were
// queued, and every wordIndexPoll when nothing pokes it (at start: the
// tickets of an upgrade; and those of an instance that stopped before
// indexing its own). The more tickets a pass writes, the fewer rows a
// ticket costs, as tickets share most of their words: 6 rows a 10 KB
// prose mail in passes of a few hundred, 193 in a pass of 20, 697 (one a
// distinct word) in a pass of one. A search meanwhile checks the queued
// tickets by their text.
const (
	wordIndexBatch  = 1000
	wordIndexEnough = 500
	wordIndexGather = 5 * time.Second
	wordIndexPoll   = 15 * time.Second
)

// startWordIndexer starts the store's indexer (MySQL only), once.
func (s *Store) startWordIndexer() {
	if s.dialect != MySQL || s.words != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	wi := &wordIndexer{kick: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	s.words = wi
	go wi.run(ctx, s)
}

// poke tells the indexer that n more tickets were queued.
func (wi *wordIndexer) poke(n int) {
	if wi == nil {
		return
	}
	wi.pending.Add(int64(n))
	select {
	case wi.kick <- struct{}{}:
	default:
	}
}

// close stops the indexer and waits for it.
func (wi *wordIndexer) close() {
	if wi == nil {
		return
	}
	wi.stop()
	<-wi.done
}

func (wi *wordIndexer) run(ctx context.Context, s *Store) {
	defer close(wi.done)
	poll := time.NewTimer(0)
	defer poll.Stop()
	var (
		due <-chan time.Time // wordIndexGather after the first poke since the last pass
		was error            // the last pass's error
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-wi.kick:
			if wi.pending.Load() < wordIndexEnough {
				if due == nil {
					due = time.After(wordIndexGather)
				}
				continue
			}
		case <-due:
		case <-poll.C:
		}
		due = nil
		wi.pending.Store(0)
		_, err := s.IndexQueuedWords(ctx)
		if ctx.Err() != nil {
			return
		}
		// Said once when it starts failing (or fails otherwise), and
		// once when it works again: a search meanwhile finds the tickets
		// waiting by their text, slower as they pile up.
		switch {
		case s.log == nil:
		case err != nil && (was == nil || was.Error() != err.Error()):
			s.log.Warn("search word index: tickets wait to be indexed", "err", err)
		case err == nil && was != nil:
			s.log.Info("search word index: indexing again")
		}
		was = err
		poll.Reset(wordIndexPoll)
	}
}

// IndexQueuedWords writes the words of every ticket queued for the
// store's word index (MySQL; nothing on SQLite) and returns how many it
// wrote. The indexer calls it behind the writers; tests and tools call
// it to bring the index up to date.
func (s *Store) IndexQueuedWords(ctx context.Context) (int, error) {
	if s.dialect != MySQL {
		return 0, nil
	}
	u, err := s.collationUnits(ctx)
	if err != nil {
		return 0, err
	}
	total, tries := 0, 0
	for {
		n, err := s.indexWordBatch(ctx, u)
		total += n
		if lockConflict(err) && tries < 5 {
			// Two instances' passes met on the same rows and InnoDB gave
			// one up: try it again after the other, as it asks.
			tries++
			select {
			case <-ctx.Done():
				return total, err
			case <-time.After(time.Duration(tries*(20+rand.IntN(30))) * time.Millisecond):
			}
			continue
		}
		if err != nil || n < wordIndexBatch {
			return total, err
		}
	}
}

// lockConflict reports a transaction InnoDB gave up for a lock held by
// another (a deadlock, or a lock wait past innodb_lock_wait_timeout).
func lockConflict(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// wordBlockRow is a row of ticket_word_blocks.
type wordBlockRow struct {
	word  string
	block int64
	bits  *wordBits
}

// indexWordBatch writes the words of up to wordIndexBatch queued tickets
// and takes them off the queue, in one transaction. Tickets queued by a
// transaction not yet committed, or taken by another process's indexer,
// are skipped (SKIP LOCKED). READ COMMITTED: the queue's rows read are
// locked, not the gaps between them, where writers queue new tickets
// (under REPEATABLE READ the writers' inserts waited for the indexer,
// and 8 of the collector's batches of a 2,000-mail drain died in
// deadlocks).
func (s *Store) indexWordBatch(ctx context.Context, u *weightUnits) (int, error) {
	done := 0
	err := s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		var ids []int64
		err := db.Raw("SELECT ticket_id FROM ticket_word_queue ORDER BY ticket_id LIMIT ? FOR UPDATE SKIP LOCKED", wordIndexBatch).Scan(&ids).Error
		if err != nil || len(ids) == 0 {
			return err
		}
		rows, err := db.Raw("SELECT id, title, search_text, requester_email, requester_name FROM tickets WHERE id IN ?", ids).Rows()
		if err != nil {
			return err
		}
		wb := newWordBatch(u)
		for rows.Next() {
			var (
				id                       int64
				title, text, mail, named string
			)
			if err := rows.Scan(&id, &title, &text, &mail, &named); err != nil {
				rows.Close()
				return err
			}
			wb.add(id, title, text, mail, named)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		out := wb.rows()
		for chunk := range slices.Chunk(out, 500) {
			args := make([]any, 0, (2+wordCols)*len(chunk))
			for _, r := range chunk {
				args = append(args, r.word, r.block)
				for _, v := range r.bits {
					args = append(args, v)
				}
			}
			// Straight to the driver: GORM would read the statement
			// through for its 9,000 placeholders.
			if _, err := db.Statement.ConnPool.ExecContext(ctx, wordUpsert(len(chunk)), args...); err != nil {
				return err
			}
		}
		if err := db.Exec("DELETE FROM ticket_word_queue WHERE ticket_id IN ?", ids).Error; err != nil {
			return err
		}
		done = len(ids)
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	return done, translate(err)
}

// queueTicketWords queues a new ticket for the word index, in the
// transaction that creates it (MySQL).
func (s *Store) queueTicketWords(ctx context.Context, id int64) error {
	if s.dialect != MySQL {
		return nil
	}
	s.noteTickets()
	return translate(s.db.WithContext(ctx).Exec("INSERT INTO ticket_word_queue (ticket_id) VALUES (?)", id).Error)
}

// maxQueuedWords is the longest queue a search reads the index with (it
// checks every queued ticket against its text); with more (an upgraded
// database whose tickets are being indexed), the other plans answer.
// maxWordRows bounds the index rows a search reads (a half-typed word
// standing for many words, or a word in most of a million tickets).
// Variables for the tests.
var (
	maxQueuedWords = 1000
	maxWordRows    = 50000
)

// errNoWordIndex: the word index cannot answer this search.
var errNoWordIndex = errors.New("store: the word index cannot answer")

// wordIndexMatches returns the tickets that hold every word of a search
// by the word index, highest first (found: holding the words), and the
// queued tickets not indexed yet (maybe), or errNoWordIndex.
func (s *Store) wordIndexMatches(ctx context.Context, words []string, prefix bool) (found, maybe []int64, err error) {
	u, err := s.collationUnits(ctx)
	if err != nil {
		return nil, nil, err
	}
	db := s.db.WithContext(ctx)
	if err := db.Raw("SELECT ticket_id FROM ticket_word_queue LIMIT ?", maxQueuedWords+1).Scan(&maybe).Error; err != nil {
		return nil, nil, translate(err)
	}
	if len(maybe) > maxQueuedWords {
		return nil, nil, errNoWordIndex
	}
	var (
		set   map[int64]*wordBits
		rows  int
		key   []byte
		whole bool
	)
	for i, w := range words {
		key, whole = u.wordKey(key[:0], w)
		if !whole || len(key) < minKeyElems*u.elem {
			return nil, nil, errNoWordIndex
		}
		q, arg := "SELECT block, "+wordColumns+" FROM ticket_word_blocks WHERE word = ? LIMIT ?", string(key)
		if prefix && i == len(words)-1 {
			// Hex digits only: nothing LIKE reads as a wildcard.
			q, arg = "SELECT block, "+wordColumns+" FROM ticket_word_blocks WHERE word LIKE ? LIMIT ?", string(key)+"%"
		}
		r, err := db.Raw(q, arg, maxWordRows-rows+1).Rows()
		if err != nil {
			return nil, nil, translate(err)
		}
		got := map[int64]*wordBits{}
		var (
			block int64
			row   wordBits
			dest  = make([]any, 1+wordCols)
		)
		dest[0] = &block
		for i := range row {
			dest[1+i] = &row[i]
		}
		for r.Next() {
			if err := r.Scan(dest...); err != nil {
				r.Close()
				return nil, nil, translate(err)
			}
			w := got[block]
			if w == nil {
				w = new(wordBits)
				got[block] = w
			}
			for i, v := range row {
				w[i] |= v
			}
			rows++
		}
		r.Close()
		if err := r.Err(); err != nil {
			return nil, nil, translate(err)
		}
		if rows > maxWordRows {
			return nil, nil, errNoWordIndex
		}
		if set == nil {
			set = got
			continue
		}
		for b, v := range set {
			g := got[b]
			if g == nil {
				delete(set, b)
				continue
			}
			left := uint64(0)
			for i := range v {
				v[i] &= g[i]
				left |= v[i]
			}
			if left == 0 {
				delete(set, b)
			}
		}
	}
	blocks := make([]int64, 0, len(set))
	for b := range set {
		blocks = append(blocks, b)
	}
	slices.SortFunc(blocks, func(a, b int64) int { return cmp.Compare(b, a) })
	for _, b := range blocks {
		v := set[b]
		for col := wordCols - 1; col >= 0; col-- {
			for bit := 63; bit >= 0; bit-- {
				if v[col]&(1<<bit) != 0 {
					found = append(found, b*wordBlock+int64(col*64+bit))
				}
			}
		}
	}
	slices.SortFunc(maybe, func(a, b int64) int { return cmp.Compare(b, a) })
	return found, maybe, nil
}

// useWordIndex: MySQL's search asks the word index first (a variable for
// the tests, which force the other plans).
var useWordIndex = true

// wordScopeDirect is how many tickets holding a search's words a
// filtered search looks up by ID, newest first, to keep those in the
// filters; with more, it walks the filters' own IDs (from their index,
// no row read) and keeps those the word index lists: a word in a fifth
// of 100,000 tickets and in none of a status's reads the status's 16,667
// IDs in a few chunks instead of 20,000 rows.
var wordScopeDirect = 4096

// searchWordIndex is a search on MySQL by the word index: the tickets it
// lists as holding every word, kept when in the filters, newest first,
// until limit are kept, and the queued tickets (not indexed yet) in the
// filters whose text holds the words (textCond). It returns
// errNoWordIndex when the index cannot answer.
func (s *Store) searchWordIndex(ctx context.Context, f TicketFilter, words []string, prefix bool, textCond string, textArgs []any) ([]int64, error) {
	limit := TicketSearchCountCap + 1
	found, maybe, err := s.wordIndexMatches(ctx, words, prefix)
	if err != nil {
		return nil, err
	}
	var kept []int64
	if len(maybe) > 0 {
		db, err := s.ticketScope(ctx, f, true)
		if err != nil {
			return nil, err
		}
		if err := db.Where("tickets.id IN ?", maybe).Where(textCond, textArgs...).Pluck("tickets.id", &kept).Error; err != nil {
			return nil, translate(err)
		}
	}
	if len(found) == 0 {
		return kept, nil
	}
	if !f.filtered() || len(found) <= wordScopeDirect {
		// Looked up by ID (a ticket removed since is not listed).
		got := 0
		for chunk := range slices.Chunk(found, 1024) {
			if got >= limit {
				break
			}
			db, err := s.ticketScope(ctx, f, true)
			if err != nil {
				return nil, err
			}
			var in []int64
			if err := db.Where("tickets.id IN ?", chunk).Pluck("tickets.id", &in).Error; err != nil {
				return nil, translate(err)
			}
			kept, got = append(kept, in...), got+len(in)
		}
		return newestOnce(kept), nil
	}
	asc := slices.Clone(found)
	slices.Reverse(asc)
	w := newWalk()
	w.match = func(_ context.Context, chunk []int64) ([]int64, error) { return listedIn(chunk, asc), nil }
	if err := s.walkTicketIDs(ctx, f, "", nil, limit, w, 0); err != nil {
		return nil, err
	}
	return newestOnce(append(kept, w.kept...)), nil
}

// newestOnce sorts ids highest first, each once: a ticket indexed while
// a search read the queue, then the index, is in both.
func newestOnce(ids []int64) []int64 {
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	return slices.Compact(ids)
}

// WordIndexBacklog is how many tickets wait for the word index (MySQL;
// 0 on SQLite, whose full-text index is written with the ticket).
func (s *Store) WordIndexBacklog(ctx context.Context) (int64, error) {
	if s.dialect != MySQL {
		return 0, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM ticket_word_queue").Scan(&n).Error
	return n, translate(err)
}
