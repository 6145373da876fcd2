package collector

import (
	"context"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// TestExtremeReceiverRowNeitherCrashesNorSpins writes receiver rows the
// store would refuse straight into the database (a poll interval whose
// nanoseconds overflow, a negative one, absurd budgets, sizes, ports and
// error counts) and runs the scheduler over them: the process survives
// (before the bounds, backoff panicked outside the job's recover and took
// the process down) and no receiver is collected again and again.
func TestExtremeReceiverRowNeitherCrashesNorSpins(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d, imaptest.Options{})
			deliverN(e.srv, alice, 3, "extreme")
			rows := []struct {
				name string
				mod  func(*store.Receiver)
				set  string
			}{
				{"wrong password, huge interval", func(r *store.Receiver) { r.Password = "wrong" },
					"poll_interval_seconds = 17446744073"},
				{"right password, huge interval", nil,
					"poll_interval_seconds = 17446744073, budget = 9223372036854775807"},
				{"negative interval and budget", func(r *store.Receiver) { r.Password = "wrong" },
					"poll_interval_seconds = -17446744073, budget = -5, errors = 1000000000"},
				{"negative error count", func(r *store.Receiver) { r.Password = "wrong" },
					"poll_interval_seconds = 86401, errors = -3"},
				{"port out of range, negative size", nil,
					"port = 99999999, filesize_max = -9223372036854775807, poll_interval_seconds = 0"},
			}
			ids := map[int64]string{}
			for _, row := range rows {
				r := e.receiver(row.name, func(r *store.Receiver) {
					r.AcceptedFolder, r.RefusedFolder = "", ""
					if row.mod != nil {
						row.mod(r)
					}
				})
				if _, err := e.sqlDB().Exec("UPDATE receivers SET "+row.set+" WHERE id = ?", r.ID); err != nil {
					t.Fatalf("%s: %v", row.name, err)
				}
				ids[r.ID] = row.name
			}
			c := e.collector(nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Run(ctx) }()
			waitFor(t, 20*time.Second, "every receiver collected once", func() bool {
				return e.count("SELECT COUNT(*) FROM receivers WHERE last_collect_at IS NOT NULL") == len(rows)
			})
			time.Sleep(time.Second) // a spinning receiver would run many times here
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
			now := time.Now().UTC()
			for id, name := range ids {
				if n := e.count("SELECT COUNT(*) FROM collect_runs WHERE receiver_id = ?", id); n > 2 {
					t.Errorf("%s: collected %d times in about a second, want at most 2", name, n)
				}
				r := e.receiverRow(id)
				if r.NextCollectAt == nil || !r.NextCollectAt.After(now) || r.NextCollectAt.After(now.Add(25*time.Hour+time.Duration(store.MaxPollIntervalSeconds)*time.Second/5)) {
					t.Errorf("%s: next collect at %v, want after now (%v) and within a day and its jitter", name, r.NextCollectAt, now)
				}
				if r.ErrorClass == ClassInternal {
					t.Errorf("%s: the job panicked: %s", name, r.LastError)
				}
			}
			if e.tickets() != 3 {
				t.Errorf("got %d tickets, want the 3 mails of the receiver with the right password", e.tickets())
			}
		})
	}
}

// TestBackoffBounds gives backoff every kind of argument: the wait is
// never negative and never past the ceiling plus its jitter.
func TestBackoffBounds(t *testing.T) {
	const ceiling = 30 * time.Minute
	huge := 17446744073 // seconds: its nanoseconds overflow an int64
	for _, tc := range []struct {
		name     string
		base     time.Duration
		failures int
		ceiling  time.Duration
	}{
		{"overflowed negative base", time.Duration(huge) * time.Second, 1, ceiling},
		{"zero base", 0, 3, ceiling},
		{"huge base", 1<<63 - 1, 1, ceiling},
		{"many failures", time.Minute, 1 << 40, ceiling},
		{"negative failures", time.Minute, -7, ceiling},
		{"zero ceiling", time.Minute, 5, 0},
		{"huge ceiling", time.Hour, 200, 1<<63 - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 50 {
				got := backoff(tc.base, tc.failures, tc.ceiling)
				top := min(max(tc.ceiling, time.Second), maxBackoffCeiling)
				if got <= 0 || got > top+top/5 {
					t.Fatalf("backoff(%v, %d, %v) = %v, want in (0, %v]", tc.base, tc.failures, tc.ceiling, got, top+top/5)
				}
			}
		})
	}
}
