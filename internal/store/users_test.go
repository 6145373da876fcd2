package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func mkUser(t *testing.T, s *Store, login, role string) *User {
	t.Helper()
	u := &User{Login: login, Name: login, Role: role, IsActive: true}
	if err := s.CreateUser(context.Background(), u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUsers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		admin := mkUser(t, s, " Admin ", RoleAdmin)
		if admin.Login != "admin" {
			t.Fatalf("got login %q, want it normalised", admin.Login)
		}
		if err := s.CreateUser(ctx, &User{Login: "ADMIN", Role: RoleAdmin, IsActive: true}, "correct horse battery"); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("got %v, want ErrDuplicate for the same login in another case", err)
		}
		if err := s.CreateUser(ctx, &User{Login: "short", Role: RoleAdmin}, "short"); err == nil {
			t.Fatal("a short password must be refused")
		}
		if _, err := s.Authenticate(ctx, "admin", "correct horse battery"); err != nil {
			t.Fatalf("good password: %v", err)
		}
		for _, tc := range []struct{ name, login, pw string }{
			{"wrong password", "admin", "wrong password!"},
			{"unknown login", "nobody", "correct horse battery"},
		} {
			if _, err := s.Authenticate(ctx, tc.login, tc.pw); !errors.Is(err, ErrBadCredentials) {
				t.Errorf("%s: got %v, want ErrBadCredentials", tc.name, err)
			}
		}
		// The last active admin cannot be demoted or deactivated.
		admin.Role = RoleTechnician
		if err := s.UpdateUser(ctx, admin); !errors.Is(err, ErrLastAdmin) {
			t.Fatalf("got %v, want ErrLastAdmin", err)
		}
		tech := mkUser(t, s, "tech", RoleTechnician)
		tech.IsActive = false
		if err := s.UpdateUser(ctx, tech); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "tech", "correct horse battery"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("inactive user: got %v, want ErrBadCredentials", err)
		}
		users, total, err := s.ListUsers(ctx, ListQuery{Search: "tec"})
		if err != nil || total != 1 || len(users) != 1 || users[0].Login != "tech" {
			t.Fatalf("search: got %v %d %v", users, total, err)
		}
		if _, total, _ := s.ListUsers(ctx, ListQuery{Search: "%"}); total != 0 {
			t.Fatalf("a %% search must match a literal %%, got %d rows", total)
		}
	})
}

func TestSessions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := mkUser(t, s, "alice", RoleAdmin)
		p := SessionPolicy{Idle: time.Hour, Absolute: 2 * time.Hour}
		tok, sess, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "test", p, "")
		if err != nil {
			t.Fatal(err)
		}
		if sess.ID == tok {
			t.Fatal("the session id must be a hash of the cookie, not the cookie")
		}
		if _, got, err := s.LookupSession(ctx, tok, p); err != nil || got.ID != u.ID {
			t.Fatalf("lookup: %v", err)
		}
		// Rotation: a new login replaces the old session.
		tok2, _, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "test", p, tok)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.LookupSession(ctx, tok, p); !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("old session after rotation: got %v", err)
		}
		// Idle timeout.
		s.db.Model(&Session{}).Where("id = ?", hashToken(tok2)).Update("last_seen_at", s.now().Add(-2*time.Hour))
		if _, _, err := s.LookupSession(ctx, tok2, p); !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("idle session: got %v", err)
		}
		// Absolute timeout.
		tok3, _, _ := s.CreateSession(ctx, u.ID, "", "", p, "")
		s.db.Model(&Session{}).Where("id = ?", hashToken(tok3)).Update("expires_at", s.now().Add(-time.Second))
		if _, _, err := s.LookupSession(ctx, tok3, p); !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("expired session: got %v", err)
		}
		// A password change ends every session.
		tok4, _, _ := s.CreateSession(ctx, u.ID, "", "", p, "")
		if err := s.SetPassword(ctx, u.ID, "another good password"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.LookupSession(ctx, tok4, p); !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("after password change: got %v", err)
		}
	})
}

func TestThrottle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		clock := s.now()
		s.now = func() time.Time { return clock }
		r := ThrottleRule{Free: 3, Base: time.Second, Max: 8 * time.Second, Quiet: time.Hour}
		k, ip := ThrottleKey("login", "alice"), ThrottleKey("ip", "x")
		attempt := func(key string) time.Duration {
			t.Helper()
			wait, err := s.Attempt(ctx, key, r)
			if err != nil {
				t.Fatal(err)
			}
			return wait
		}
		for i := 0; i < r.Free; i++ {
			if wait := attempt(k); wait != 0 {
				t.Fatalf("free attempt %d: got a wait of %v, want none", i+1, wait)
			}
		}
		// Past the free attempts, each one makes the next wait, doubling
		// up to the ceiling; a refused attempt is not counted.
		for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
			if wait := attempt(k); wait != want {
				t.Fatalf("right away: got a wait of %v, want %v", wait, want)
			}
			if wait := attempt(k); wait != want {
				t.Fatalf("a refused attempt changed the wait: got %v, want %v", wait, want)
			}
			clock = clock.Add(want)
			if wait := attempt(k); wait != 0 {
				t.Fatalf("after waiting %v: got a wait of %v, want none", want, wait)
			}
		}
		// Quiet long enough, the count starts afresh.
		clock = clock.Add(r.Quiet + time.Minute)
		for i := 0; i < r.Free; i++ {
			if wait := attempt(k); wait != 0 {
				t.Fatalf("after a quiet hour, attempt %d: got a wait of %v, want none", i+1, wait)
			}
		}
		s.ClearFailures(ctx, k)
		if wait := attempt(k); wait != 0 {
			t.Fatal("still slowed down after clear")
		}
		// A refunded attempt does not count.
		for i := 0; i < r.Free+2; i++ {
			if wait := attempt(ip); wait != 0 {
				t.Fatalf("attempt %d slowed down although each was refunded", i+1)
			}
			s.Refund(ctx, ip)
		}
	})
}

// TestThrottleConcurrent: simultaneous attempts on one key are counted
// one by one, so no more than the limit pass (they all passed when the
// check came before the count).
func TestThrottleConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := ThrottleRule{Free: 5, Base: time.Minute, Max: time.Hour, Quiet: time.Hour}
		k := ThrottleKey("login", "concurrent")
		var passed atomic.Int32
		var wg sync.WaitGroup
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wait, err := s.Attempt(ctx, k, r)
				if err != nil {
					t.Error(err)
				}
				if wait == 0 {
					passed.Add(1)
				}
			}()
		}
		wg.Wait()
		if got := passed.Load(); got != int32(r.Free) {
			t.Fatalf("got %d of 100 simultaneous attempts through, want %d", got, r.Free)
		}
	})
}

func TestSettingsAndAudit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if v, _ := s.Setting(ctx, "x", "def"); v != "def" {
			t.Fatalf("got %q, want the default", v)
		}
		s.SetSetting(ctx, "x", "1")
		s.SetSetting(ctx, "x", "2")
		if v, _ := s.Setting(ctx, "x", "def"); v != "2" {
			t.Fatalf("got %q, want 2", v)
		}
		s.Audit(ctx, 0, "", "test.kind", "thing", 7, "hello")
		ev, err := s.AuditEvents(ctx, "thing", 7, 10)
		if err != nil || len(ev) != 1 || ev[0].Actor != "system" || ev[0].Message != "hello" {
			t.Fatalf("got %+v %v", ev, err)
		}
	})
}

// TestCreateUserWithSetupTokenOnce: simultaneous uses of one setup value
// create exactly one user.
func TestCreateUserWithSetupTokenOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.SetSetting(ctx, "setup_token", "hash expiry"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var ok, used atomic.Int32
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := &User{Login: fmt.Sprintf("root%d", i), Role: RoleAdmin, IsActive: true}
				switch err := s.CreateUserWithSetupToken(ctx, u, "first admin password", "setup_token", "hash expiry"); {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrSetupUsed):
					used.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n, _ := s.CountUsers(ctx, false); n != 1 || ok.Load() != 1 || used.Load() != 7 {
			t.Fatalf("got %d users, %d successes, %d refusals; want 1, 1, 7", n, ok.Load(), used.Load())
		}
		if err := s.SetSetting(ctx, "setup_token", "again"); err != nil {
			t.Fatal(err)
		}
		u := &User{Login: "late", Role: RoleAdmin, IsActive: true}
		if err := s.CreateUserWithSetupToken(ctx, u, "first admin password", "setup_token", "again"); !errors.Is(err, ErrSetupUsed) {
			t.Fatalf("with a user already: got %v, want ErrSetupUsed", err)
		}
	})
}

// A user's time zone: an IANA name or "" (the server's), refused with a
// sentence otherwise, kept by an update of the user form.
func TestUserTimeZone(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := mkUser(t, s, "tz", RoleTechnician)
		if err := s.SetUserTimeZone(ctx, u.ID, "Europe/Paris"); err != nil {
			t.Fatal(err)
		}
		got, err := s.User(ctx, u.ID)
		if err != nil || got.TimeZone != "Europe/Paris" {
			t.Fatalf("time zone %q (%v), want Europe/Paris", got.TimeZone, err)
		}
		for _, bad := range []string{"Europe/Nowhere", "Local", "Paris", "../../etc/passwd", "Europe Paris"} {
			var msg Message
			if err := s.SetUserTimeZone(ctx, u.ID, bad); !errors.As(err, &msg) {
				t.Errorf("%q: got %v, want a message for the person", bad, err)
			}
		}
		if err := s.SetUserTimeZone(ctx, u.ID+1000, "UTC"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}
		got.Name, got.TimeZone = "Time Zone", "America/New_York"
		if err := s.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.User(ctx, u.ID); again.TimeZone != "America/New_York" || again.Name != "Time Zone" {
			t.Errorf("after the user form: %+v", again)
		}
		if err := s.SetUserTimeZone(ctx, u.ID, ""); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.User(ctx, u.ID); again.TimeZone != "" {
			t.Errorf("the server's zone is stored as %q", again.TimeZone)
		}
	})
}
