package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSearchAgreesWithTheExactQuery compares the bounded search with the
// exact one it replaces (every match of the full-text index within the
// filters, newest first) on 1,500 tickets: words in every ticket, in half,
// a tenth, a hundredth of them, a prefix, two words, a number, a
// substring; alone and with each view and filter. Below the cap both must
// be the same tickets; above it the bounded search must be the exact
// search's newest TicketSearchCountCap, and say it is capped. Each page
// of the list must then hold the same rows in the same order as the exact
// query sorted the same way.
func TestSearchAgreesWithTheExactQuery(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const n = 1500
		rids := []int64{testReceiver(t, s, "alpha"), testReceiver(t, s, "beta")}
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		rows := make([]Ticket, n)
		for k := range rows {
			words := []string{"everywhere"}
			if k%2 == 0 {
				words = append(words, "halfway")
			}
			if k%10 == 3 {
				words = append(words, "tenthly")
			}
			if k%100 == 7 {
				words = append(words, "centurion")
			}
			if k%3 == 1 {
				words = append(words, "printers")
			}
			// The same word in the forms the collation holds equal, and
			// near misses: MySQL's walk of common words must find what
			// its full-text index finds.
			words = append(words, []string{"café", "CAFE", "ｃａｆｅ", "cafés", "o'cafe", "cafe_bar", "décafe"}[k%7])
			words = append(words, []string{"Straße", "STRASSE", "strasbourg", "ﬁle", "FILE", "filet"}[k%6])
			rid := rids[k%2]
			// Updates out of ID order, so that the sort by update is not the sort by ID.
			at := base.Add(time.Duration((k*7919)%n) * time.Minute)
			rows[k] = Ticket{Title: fmt.Sprintf("Ticket %d", k), Content: "<p>" + strings.Join(words, " ") + "</p>",
				Status: 1 + k%6, Urgency: 3, RequestSource: SourceEmail, ReceiverID: &rid,
				RequesterEmail: fmt.Sprintf("user%d@example.com", k%40), OpenedAt: at, UpdatedAt: at}
		}
		if err := s.db.CreateInBatches(rows, 500).Error; err != nil {
			t.Fatal(err)
		}
		users, _, cats := seedSearchTeam(t, s)
		me := users[1]
		filters := []struct {
			name string
			f    TicketFilter
		}{
			{"all", TicketFilter{}},
			{"my tickets", TicketFilter{View: ViewMine, UserID: me}},
			{"my groups", TicketFilter{View: ViewMyGroups, UserID: me}},
			{"my groups, two groups", TicketFilter{View: ViewMyGroups, UserID: users[0]}},
			{"unassigned", TicketFilter{View: ViewUnassigned, UserID: me}},
			{"category", TicketFilter{CategoryID: cats[2]}},
			{"status", TicketFilter{Status: StatusPending}},
			{"receiver", TicketFilter{ReceiverID: rids[1]}},
			{"unassigned + status", TicketFilter{View: ViewUnassigned, UserID: me, Status: StatusNew}},
			{"my tickets + category", TicketFilter{View: ViewMine, UserID: me, CategoryID: cats[1]}},
		}
		searches := []string{"everywhere", "halfway", "tenthly", "centurion", "printer", "halfway tenthly", "cent", "user7@", "42", "ti", "nomatch",
			"cafe", "cafe ", "CAFÉ ", "strasse ", "stras", "file ", "fil", "cafe strasse ", "straße ", "ﬁle "}
		sawCapped, sawExact := false, false
		sawPlan := map[string]bool{}
		defer func(m, my, wm int, common, walk, join float64, words bool, direct, queued int) {
			allMatches, allMatchesMySQL, walkMatches, commonShare, walkShare, joinRowCost = m, my, wm, common, walk, join
			useWordIndex, wordScopeDirect, maxQueuedWords = words, direct, queued
		}(allMatches, allMatchesMySQL, walkMatches, commonShare, walkShare, joinRowCost, useWordIndex, wordScopeDirect, maxQueuedWords)
		if s.dialect == MySQL {
			// The word index is brought up to date by each mode, not
			// behind its back.
			s.words.close()
			s.words = nil
		}
		// Each plan, forced: the matches listed up to allMatches; walking
		// the filters as soon as the cap is passed; and on MySQL, after
		// reading the text of the newest tickets, going on reading text
		// whatever the share, going on asking the index per chunk
		// whatever the share, and listing the index's matches whatever
		// the share.
		const always, never = 0, 2
		modes := []struct {
			name         string
			known        int
			common, walk float64
			walkMatches  int
			plan         string // the plan the walk of the newest tickets must pick, on MySQL
			joinRowCost  float64
			// MySQL's word index: "" not asked, "indexed" every ticket
			// indexed, "queued" none (each is checked against its
			// text), "half" the older half indexed.
			words  string
			direct int // wordScopeDirect
		}{
			{"defaults", allMatches, commonShare, walkShare, walkMatches, "", joinRowCost, "indexed", wordScopeDirect},
			{"walk past the cap", TicketSearchCountCap, commonShare, walkShare, 2 * TicketSearchCountCap, "", joinRowCost, "indexed", wordScopeDirect},
			{"read text", TicketSearchCountCap, always, never, 0, "text", 1e9, "", 0},
			{"index per chunk", TicketSearchCountCap, never, always, -1, "chunks", 1e9, "", 0},
			{"index lists", TicketSearchCountCap, never, never, 0, "list", 1e9, "", 0},
			{"index joins", TicketSearchCountCap, never, never, 0, "join", 0, "", 0},
			{"word index, by ID", TicketSearchCountCap, never, never, 0, "words", 0, "indexed", 1 << 30},
			{"word index, walking the filters", TicketSearchCountCap, never, never, 0, "words", 0, "indexed", 0},
			{"word index, all queued", TicketSearchCountCap, never, never, 0, "words", 0, "queued", 0},
			{"word index, half queued", TicketSearchCountCap, never, never, 0, "words", 0, "half", 0},
		}
		ranSQLite := map[int]bool{}
		for _, mode := range modes {
			// SQLite reads only the cap: a mode that forces MySQL's plans
			// alone repeats one SQLite already ran (minutes under the
			// race detector).
			if key := mode.known; s.dialect == SQLite {
				if ranSQLite[key] {
					continue
				}
				ranSQLite[key] = true
			}
			allMatches, allMatchesMySQL, commonShare, walkShare = mode.known, min(mode.known, allMatchesMySQL), mode.common, mode.walk
			walkMatches, joinRowCost = mode.walkMatches, mode.joinRowCost
			useWordIndex, wordScopeDirect, maxQueuedWords = mode.words != "", mode.direct, 1<<30
			if s.dialect == MySQL && mode.words != "" {
				setWordIndex(t, s, mode.words)
			}
			for _, fl := range filters {
				for _, search := range searches {
					f := fl.f
					f.Search = search
					want := exactSearchIDs(t, s, f, false)
					got, capped, err := s.searchTicketIDs(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					wantCapped := len(want) > TicketSearchCountCap
					if wantCapped {
						want = want[:TicketSearchCountCap]
					}
					// The ticket of a number typed is listed whatever the cap.
					if number, err := parseTicketNumber(search); err == nil && !slices.Contains(want, number) && slices.Contains(exactSearchIDs(t, s, f, true), number) {
						want = append(want, number)
						slices.SortFunc(want, func(a, b int64) int { return cmp.Compare(b, a) })
					}
					if !slices.Equal(got, want) || capped != wantCapped {
						t.Fatalf("%s: %s, search %q: got %d tickets %v (capped %v), want %d %v (capped %v)", mode.name, fl.name, search, len(got), head(got), capped, len(want), head(want), wantCapped)
					}
					sawCapped, sawExact = sawCapped || capped, sawExact || (!capped && len(got) > 0)
					// On MySQL every search with words reads the text of
					// the newest tickets first, and the forced plan is
					// the one taken.
					if words, prefix := searchWords(search); s.dialect == MySQL && mode.plan != "" && len(words) > 0 {
						if _, plan, err := s.searchWordsMySQL(ctx, f, words, prefix); err != nil || plan != mode.plan && (plan != "sample" || mode.plan == "words") && (mode.plan != "join" || plan != "list") {
							t.Fatalf("%s: %s, search %q: plan %q (%v), want %q", mode.name, fl.name, search, plan, err, mode.plan)
						} else if plan == mode.plan {
							sawPlan[mode.plan] = true
						}
					}
					// On SQLite the search of common words in a filtered
					// list, whichever plan it takes.
					if words, prefix := searchWords(search); s.dialect == SQLite && len(words) > 0 && f.filtered() {
						q, err := s.ftsMatch(ctx, words, prefix)
						if err != nil {
							t.Fatal(err)
						}
						ids, plan, err := s.searchFilteredSQLite(ctx, f, q)
						if err != nil {
							t.Fatal(err)
						}
						slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
						if ids = ids[:min(len(ids), TicketSearchCountCap)]; !slices.Equal(ids, want) {
							t.Fatalf("%s: %s, search %q, SQLite plan %q: got %d tickets %v, want %d %v", mode.name, fl.name, search, plan, len(ids), head(ids), len(want), head(want))
						}
						sawPlan["sqlite "+plan] = true
					}
					// The list's pages, sorted by update, then by title.
					for _, sort := range []ListQuery{{Sort: "updated", Desc: true, PerPage: 50, Page: 2}, {Sort: "title", PerPage: 50}} {
						q := sort
						q.Search = search
						lf := f
						lf.ListQuery = q
						page, total, _, err := s.ListTickets(ctx, lf)
						if err != nil {
							t.Fatal(err)
						}
						wantPage := sortedPage(t, s, want, q)
						var gotPage []int64
						for _, r := range page {
							gotPage = append(gotPage, r.ID)
						}
						if total != int64(len(want)) || !slices.Equal(gotPage, wantPage) {
							t.Fatalf("%s, search %q, sort %s: got total %d page %v, want %d %v", fl.name, search, q.Sort, total, gotPage, len(want), wantPage)
						}
					}
				}
			}
		}
		if !sawCapped || !sawExact {
			t.Fatalf("the cases must cover both a capped and an exact search (capped %v, exact %v)", sawCapped, sawExact)
		}
		if s.dialect == MySQL && len(sawPlan) != 5 {
			t.Fatalf("the forced plans taken: %v, want text, chunks, list, join and words", sawPlan)
		}
		if s.dialect == SQLite && !sawPlan["sqlite walk"] {
			t.Fatalf("the plans taken: %v, want a walk past its first chunk", sawPlan)
		}
	})
}

// setWordIndex puts MySQL's word index in a state: "indexed" (every
// ticket's words written), "queued" (none: every ticket in the queue) or
// "half" (the older half written, the newer queued).
func setWordIndex(t *testing.T, s *Store, state string) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{"DELETE FROM ticket_word_blocks", "DELETE FROM ticket_word_queue", "INSERT INTO ticket_word_queue (ticket_id) SELECT id FROM tickets"} {
		if err := s.db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	switch state {
	case "queued":
		return
	case "half":
		var ids []int64
		if err := s.db.Raw("SELECT ticket_id FROM ticket_word_queue ORDER BY ticket_id DESC").Scan(&ids).Error; err != nil {
			t.Fatal(err)
		}
		newer := ids[:len(ids)/2]
		if err := s.db.Exec("DELETE FROM ticket_word_queue WHERE ticket_id IN ?", newer).Error; err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := s.db.Exec("INSERT INTO ticket_word_queue (ticket_id) SELECT id FROM tickets WHERE id IN ?", newer).Error; err != nil {
				t.Fatal(err)
			}
		}()
	}
	n, err := s.IndexQueuedWords(ctx)
	if err != nil || n == 0 {
		t.Fatalf("indexed %d tickets (%v)", n, err)
	}
	var left int64
	if err := s.db.Raw("SELECT COUNT(*) FROM ticket_word_queue").Scan(&left).Error; err != nil || left != 0 {
		t.Fatalf("%d tickets left queued (%v)", left, err)
	}
}

// head is the first IDs of a list, for messages.
func head(ids []int64) []int64 { return ids[:min(len(ids), 8)] }

// seedSearchTeam assigns the tickets like seedTicketWork: 4 technicians,
// 2 groups (technician 0 in both), 3 categories.
func seedSearchTeam(t *testing.T, s *Store) (users, groups, cats []int64) {
	ctx := context.Background()
	for i := range 4 {
		u := &User{Login: fmt.Sprintf("tech%d", i), Name: fmt.Sprintf("Technician %d", i), Role: RoleTechnician, IsActive: true}
		if err := s.CreateUser(ctx, u, "a long password"); err != nil {
			t.Fatal(err)
		}
		users = append(users, u.ID)
	}
	for i := range 2 {
		g := &Group{Name: fmt.Sprintf("Team %d", i), IsAssign: true}
		if err := s.SaveGroup(ctx, g, []int64{users[0], users[i+1]}, nil); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.ID)
	}
	for i := range 3 {
		c := &Category{Name: fmt.Sprintf("Category %d", i), IsActive: true}
		if err := s.SaveCategory(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
		cats = append(cats, c.ID)
	}
	now := s.now()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE tickets SET category_id = CASE id % 3 WHEN 0 THEN ? WHEN 1 THEN ? ELSE ? END", []any{cats[0], cats[1], cats[2]}},
		{"INSERT INTO ticket_users (ticket_id, user_id, role, created_at) SELECT id, CASE id % 4 WHEN 0 THEN ? WHEN 1 THEN ? WHEN 2 THEN ? ELSE ? END, ?, ? FROM tickets WHERE id % 10 < 7", []any{users[0], users[1], users[2], users[3], ActorAssigned, now}},
		{"INSERT INTO ticket_groups (ticket_id, group_id, role, created_at) SELECT id, CASE id % 2 WHEN 0 THEN ? ELSE ? END, ?, ? FROM tickets WHERE id % 10 BETWEEN 6 AND 8", []any{groups[0], groups[1], ActorAssigned, now}},
		{`UPDATE tickets SET assignee_count =
			(SELECT COUNT(*) FROM ticket_users tu WHERE tu.ticket_id = tickets.id AND tu.role = ?) +
			(SELECT COUNT(*) FROM ticket_groups tg WHERE tg.ticket_id = tickets.id AND tg.role = ?)`, []any{ActorAssigned, ActorAssigned}},
	} {
		if err := s.db.WithContext(ctx).Exec(q.sql, q.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	return users, groups, cats
}

// exactSearchIDs is the search as it was before it was bounded: every
// ticket of the filters that the full-text index (or the substring match)
// finds (or, with number, whose ID is the number typed), newest first.
func exactSearchIDs(t *testing.T, s *Store, f TicketFilter, number bool) []int64 {
	t.Helper()
	db, err := s.ticketScope(context.Background(), f, false)
	if err != nil {
		t.Fatal(err)
	}
	var cond string
	var args []any
	if words, prefix := searchWords(f.Search); len(words) > 0 {
		if s.dialect == MySQL {
			cond, args = matchTickets, []any{booleanQuery(words, prefix)}
		} else {
			cond, args = "tickets.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?)", []any{ftsQuery(words, prefix)}
		}
	} else {
		like := "%" + escapeLike(strings.TrimSpace(f.Search)) + "%"
		cond = "tickets.title LIKE ? ESCAPE '!' OR tickets.requester_email LIKE ? ESCAPE '!' OR tickets.requester_name LIKE ? ESCAPE '!' OR tickets.search_text LIKE ? ESCAPE '!'"
		args = []any{like, like, like, like}
	}
	if id, err := parseTicketNumber(strings.TrimSpace(f.Search)); err == nil && number {
		cond += " OR tickets.id = ?"
		args = append(args, id)
	}
	var ids []int64
	if err := db.Where("("+cond+")", args...).Order("tickets.id DESC").Pluck("tickets.id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

// sortedPage is the page q of the tickets ids, sorted as the list sorts.
func sortedPage(t *testing.T, s *Store, ids []int64, q ListQuery) []int64 {
	t.Helper()
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	var page []int64
	err := s.db.Model(&Ticket{}).Where("id IN ?", ids).Order(q.Order(ticketSorts, "updated")).Order("tickets.id"+dir).
		Limit(q.Limit()).Offset(q.Offset()).Pluck("tickets.id", &page).Error
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// TestHalfTypedWordStandsForItsWords checks, on SQLite, the expression a
// search's last word becomes while it is being typed: the words of the
// index that start with it, up to maxPrefixTerms of them, or FTS5's
// prefix query; and that each finds what the prefix query finds, also
// once the only ticket holding one of the words is gone.
func TestHalfTypedWordStandsForItsWords(t *testing.T) {
	s := openDialect(t, SQLite)
	ctx := context.Background()
	contents := []string{"route printer", "router", "routers printer", "routing", "Route printer", "tunnel_x", "café"}
	for i := range maxPrefixTerms + 4 {
		contents = append(contents, fmt.Sprintf("host%d", i))
	}
	now := s.now()
	var routing int64
	for i, c := range contents {
		tk := Ticket{Title: fmt.Sprintf("Ticket %d", i), Content: "<p>" + c + "</p>", Status: StatusNew, Urgency: 3, RequestSource: SourceEmail, OpenedAt: now, UpdatedAt: now}
		if err := s.db.Create(&tk).Error; err != nil {
			t.Fatal(err)
		}
		if c == "routing" {
			routing = tk.ID
		}
	}
	check := func(search, want string) {
		t.Helper()
		words, prefix := searchWords(search)
		got, err := s.ftsMatch(ctx, words, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if got != want && want != "" {
			t.Errorf("search %q: got %s, want %s", search, got, want)
		}
		var found, exact []int64
		if err := s.db.Raw("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? ORDER BY rowid", got).Scan(&found).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.db.Raw("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? ORDER BY rowid", ftsQuery(words, prefix)).Scan(&exact).Error; err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(found, exact) || search == "routi" && len(found) != 0 {
			t.Errorf("search %q: %s finds %v, the prefix query %v", search, got, found, exact)
		}
	}
	check("rout", `("route" OR "router" OR "routers" OR "routing")`)
	check("ROUTER", `("router" OR "routers")`)
	check("printer rout", `"printer" AND ("route" OR "router" OR "routers" OR "routing")`)
	check("route ", `"route"`)
	check("caf", `"cafe"`)
	check("routx", `"routx"`)
	check("host1", `("host1" OR "host10" OR "host11" OR "host12" OR "host13" OR "host14" OR "host15" OR "host16" OR "host17" OR "host18" OR "host19")`)
	// More words than maxPrefixTerms, or a word FTS5 cuts or folds: the
	// prefix query.
	check("host", `"host"*`)
	check("tunnel_x", `"tunnel_x"*`)
	check("cafè", `"cafè"*`)
	// Whether the index still lists the word of a deleted ticket depends
	// on its merges: either way, nothing is found.
	if err := s.db.Delete(&Ticket{}, routing).Error; err != nil {
		t.Fatal(err)
	}
	check("routi", "")
}

// TestSearchFacetsFollowTheFilters changes the status, the assignments
// and the category of tickets through the store and checks, after each
// change, that a search in the status, category and "Unassigned" filters
// finds what the exact query finds; on SQLite the status and category
// filters are searched through their words in the index (search_facets,
// migration 00025), which must follow every change.
func TestSearchFacetsFollowTheFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := s.now()
		var ids []int64
		for i := range 3 {
			tk := Ticket{Title: fmt.Sprintf("Ticket %d", i), Content: "<p>kestrel nest</p>", Status: StatusNew, Urgency: 3, RequestSource: SourceEmail, OpenedAt: now, UpdatedAt: now}
			if err := s.db.Create(&tk).Error; err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		u := &User{Login: "tech", Name: "Technician", Role: RoleTechnician, IsActive: true}
		if err := s.CreateUser(ctx, u, "a long password"); err != nil {
			t.Fatal(err)
		}
		g := &Group{Name: "Team", IsAssign: true}
		if err := s.SaveGroup(ctx, g, []int64{u.ID}, nil); err != nil {
			t.Fatal(err)
		}
		check := func(step string, f TicketFilter, want ...int64) {
			t.Helper()
			f.Search = "kestrel"
			got, _, err := s.searchTicketIDs(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(want, func(a, b int64) int { return cmp.Compare(b, a) })
			if exact := exactSearchIDs(t, s, f, false); !slices.Equal(got, want) || !slices.Equal(exact, want) {
				t.Fatalf("%s: got %v, the exact query %v, want %v", step, got, exact, want)
			}
		}
		status := func(st int) TicketFilter { return TicketFilter{Status: st} }
		unassigned := TicketFilter{View: ViewUnassigned, UserID: u.ID}
		check("new tickets", status(StatusNew), ids...)
		check("new tickets", status(StatusPending))
		check("new tickets", unassigned, ids...)
		if _, err := s.SetTicketStatus(ctx, ids[0], StatusPending, 0, EventStatus); err != nil {
			t.Fatal(err)
		}
		check("a status changed", status(StatusPending), ids[0])
		check("a status changed", status(StatusNew), ids[1], ids[2])
		if _, err := s.AddTicketUser(ctx, ids[1], u.ID, ActorAssigned); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTicketGroup(ctx, ids[2], g.ID, ActorAssigned); err != nil {
			t.Fatal(err)
		}
		check("assigned", unassigned, ids[0])
		check("assigned", TicketFilter{View: ViewUnassigned, UserID: u.ID, Status: StatusNew})
		if _, err := s.RemoveTicketUser(ctx, ids[1], u.ID, ActorAssigned); err != nil {
			t.Fatal(err)
		}
		check("unassigned again", unassigned, ids[0], ids[1])
		if _, err := s.SetTicketStatus(ctx, ids[0], StatusNew, 0, EventReopen); err != nil {
			t.Fatal(err)
		}
		check("status back", status(StatusNew), ids...)
		check("status back", status(StatusPending))
		// The category, set, changed,
		// saved unchanged and removed through the ticket's form.
		var cats []int64
		for i := range 2 {
			c := &Category{Name: fmt.Sprintf("Category %d", i), IsActive: true}
			if err := s.SaveCategory(ctx, c, nil); err != nil {
				t.Fatal(err)
			}
			cats = append(cats, c.ID)
		}
		category := func(id int64) TicketFilter { return TicketFilter{CategoryID: id} }
		classify := func(id int64, cat *int64) {
			t.Helper()
			if err := s.SetTicketFields(ctx, id, TicketFields{Type: TypeIncident, Urgency: 3, Impact: 3, Priority: 3, CategoryID: cat}); err != nil {
				t.Fatal(err)
			}
		}
		check("no category", category(cats[0]))
		classify(ids[2], &cats[0])
		check("a category set", category(cats[0]), ids[2])
		check("a category set", TicketFilter{CategoryID: cats[0], Status: StatusNew}, ids[2])
		classify(ids[2], &cats[0])
		check("a category saved unchanged", category(cats[0]), ids[2])
		classify(ids[2], &cats[1])
		check("a category changed", category(cats[0]))
		check("a category changed", category(cats[1]), ids[2])
		classify(ids[2], nil)
		check("a category removed", category(cats[1]))
		// On SQLite a re-indexed ticket's old entries leave the index at
		// once (secure-delete, migration 00025).
		if s.dialect == SQLite {
			var on []string
			if err := s.db.Raw("SELECT v FROM ticket_search_config WHERE k = 'secure-delete'").Scan(&on).Error; err != nil || !slices.Equal(on, []string{"1"}) {
				t.Fatalf("secure-delete: %q (%v), want on", on, err)
			}
		}
		// A word shaped like the filters' words is no search word: the
		// search falls back to the substring match, which finds no ticket.
		if words, _ := searchWords("kestrel zqxs1 zqxu"); !slices.Equal(words, []string{"kestrel"}) {
			t.Fatalf("the filters' words were searched: %q", words)
		}
		if got, _, err := s.searchTicketIDs(ctx, TicketFilter{ListQuery: ListQuery{Search: "zqxs1"}}); err != nil || len(got) != 0 {
			t.Fatalf("search zqxs1: got %v (%v), want nothing", got, err)
		}
	})
}
