package collector

import (
	"slices"
	"testing"
)

// TestPlanStartsSmall: a drain's first batches are an eighth of the batch
// size, then double up to it; a small batch size (tests, tight settings)
// is used as it is; the byte bound still cuts, and every mail is planned
// once, in order.
func TestPlanStartsSmall(t *testing.T) {
	mails := func(n int, size int64) []item {
		out := make([]item, n)
		for i := range out {
			out[i] = item{uid: uint32(i + 1), size: size}
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		batch     int
		bytes     int64
		items     []item
		wantSizes []int
	}{
		{"ramp", 200, 1 << 40, mails(1000, 10_000), []int{25, 50, 100, 200, 200, 200, 200, 25}},
		{"small batch size", 10, 1 << 40, mails(35, 10_000), []int{10, 10, 10, 5}},
		{"fewer mails than the first batch", 200, 1 << 40, mails(7, 10_000), []int{7}},
		{"bytes cut first", 200, 100_000, mails(60, 10_000), []int{10, 10, 10, 10, 10, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Collector{o: Options{BatchSize: tc.batch, BatchBytes: tc.bytes}}
			var sizes []int
			var uids []uint32
			for _, b := range c.plan(tc.items) {
				sizes = append(sizes, len(b))
				for _, it := range b {
					uids = append(uids, it.uid)
				}
			}
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Errorf("batches of %v, want %v", sizes, tc.wantSizes)
			}
			for i, uid := range uids {
				if uid != uint32(i+1) {
					t.Fatalf("mail %d planned as UID %d: not each once in order", i+1, uid)
				}
			}
			if len(uids) != len(tc.items) {
				t.Fatalf("%d mails planned, want %d", len(uids), len(tc.items))
			}
		})
	}
}
