package views

import (
	"net/url"
	"strconv"
)

// ListState is a list page's search, sort and page, and how to link to
// another state of the same list.
type ListState struct {
	Base    string
	Search  string
	Sort    string
	Desc    bool
	Page    int
	PerPage int
	Total   int64
	Extra   url.Values // filters kept across links
}

func (l ListState) values() url.Values {
	v := url.Values{}
	for k, vs := range l.Extra {
		for _, x := range vs {
			if x != "" {
				v.Add(k, x)
			}
		}
	}
	if l.Search != "" {
		v.Set("q", l.Search)
	}
	if l.Sort != "" {
		v.Set("sort", l.Sort)
	}
	if l.Desc {
		v.Set("order", "desc")
	}
	if l.PerPage != 0 && l.PerPage != 20 {
		v.Set("per_page", strconv.Itoa(l.PerPage))
	}
	return v
}

func (l ListState) link(v url.Values) string {
	if len(v) == 0 {
		return l.Base
	}
	return l.Base + "?" + v.Encode()
}

// SortURL links to the list sorted by key, flipping the order when it is
// already sorted by it.
func (l ListState) SortURL(key string) string {
	v := l.values()
	v.Del("page")
	v.Set("sort", key)
	if l.Sort == key && !l.Desc {
		v.Set("order", "desc")
	} else {
		v.Del("order")
	}
	return l.link(v)
}

// SortIcon tells which arrow a column header shows.
func (l ListState) SortIcon(key string) string {
	switch {
	case l.Sort != key:
		return "ti-arrows-sort text-secondary"
	case l.Desc:
		return "ti-sort-descending"
	}
	return "ti-sort-ascending"
}

// PageURL links to page n.
func (l ListState) PageURL(n int) string {
	v := l.values()
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	return l.link(v)
}

// Pages is the number of pages.
func (l ListState) Pages() int {
	per := l.PerPage
	if per <= 0 {
		per = 20
	}
	n := int((l.Total + int64(per) - 1) / int64(per))
	if n < 1 {
		n = 1
	}
	return n
}

// PageWindow lists the page numbers shown around the current one.
func (l ListState) PageWindow() []int {
	last := l.Pages()
	from, to := max(1, l.Page-3), min(last, l.Page+3)
	out := make([]int, 0, to-from+1)
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// Range describes the rows shown, GLPI style: "Showing 1 to 20 of 57 rows".
func (l ListState) Range() string {
	if l.Total == 0 {
		return "No item found"
	}
	per := l.PerPage
	if per <= 0 {
		per = 20
	}
	from := (max(l.Page, 1)-1)*per + 1
	to := min(int64(from+per-1), l.Total)
	return "Showing " + strconv.Itoa(from) + " to " + strconv.FormatInt(to, 10) + " of " + strconv.FormatInt(l.Total, 10) + " rows"
}

// Tab is one tab of a form; Count < 0 hides the counter.
type Tab struct {
	Label  string
	Href   string
	Active bool
	Count  int
}
