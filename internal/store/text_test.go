package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestFreeTextBounds: every free-text write refuses invalid UTF-8 and text
// longer than its column, whoever calls; text at the bound is kept whole.
func TestFreeTextBounds(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		bad := "Support \xff\xfe desk"
		long := strings.Repeat("é", MaxShortText+1)
		huge := strings.Repeat("x", 900<<10) // the 900 KB comment that was saved
		for _, tc := range []struct {
			name string
			do   func() error
		}{
			{"receiver name not UTF-8", func() error {
				return s.CreateReceiver(ctx, &Receiver{Name: bad, Host: "imap.example.com", Login: "l"}, nil)
			}},
			{"receiver comment of 900 KB", func() error {
				return s.CreateReceiver(ctx, &Receiver{Name: "r", Host: "imap.example.com", Login: "l", Comment: huge}, nil)
			}},
			{"receiver folder too long", func() error {
				return s.CreateReceiver(ctx, &Receiver{Name: "r", Host: "imap.example.com", Login: "l", Folder: long}, nil)
			}},
			{"blacklist value not UTF-8", func() error { return s.AddBlacklistEntry(ctx, &BlacklistEntry{Kind: "email", Value: bad}) }},
			{"blacklist value too long", func() error { return s.AddBlacklistEntry(ctx, &BlacklistEntry{Kind: "email", Value: long}) }},
			{"blacklist comment of 900 KB", func() error {
				return s.AddBlacklistEntry(ctx, &BlacklistEntry{Kind: "email", Value: "a@example.com", Comment: huge})
			}},
			{"application comment not UTF-8", func() error {
				return s.CreateApplication(ctx, &Application{Name: "app", Provider: "google", Comment: bad}, nil)
			}},
			{"application name too long", func() error { return s.CreateApplication(ctx, &Application{Name: long, Provider: "google"}, nil) }},
			{"user name not UTF-8", func() error {
				return s.CreateUser(ctx, &User{Login: "u1", Name: bad, Role: RoleTechnician}, "a long enough password")
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := tc.do(); !errors.Is(err, ErrInvalid) {
					t.Fatalf("got %v, want ErrInvalid", err)
				}
			})
		}
		var n int64
		s.db.Model(&Receiver{}).Count(&n)
		if n != 0 {
			t.Fatalf("got %d receivers after refused writes, want 0", n)
		}
		// At the bound: kept whole, multi-byte characters counted as one.
		atBound := strings.Repeat("é", MaxShortText)
		r := rcvCreate(t, s, &Receiver{Name: atBound, Host: "imap.example.com", Login: "l", Comment: strings.Repeat("x", MaxLongText)})
		got, err := s.Receiver(ctx, r.ID)
		if err != nil || got.Name != atBound || len(got.Comment) != MaxLongText {
			t.Fatalf("got name of %d bytes, comment of %d bytes, %v; want both kept whole", len(got.Name), len(got.Comment), err)
		}
		up := *got
		up.Comment = bad
		if err := s.UpdateReceiver(ctx, &up, false, nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("update with a comment not UTF-8: got %v, want ErrInvalid", err)
		}
		if err := s.SetReceiverFolder(ctx, r.ID, "folder", bad, nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("folder not UTF-8: got %v, want ErrInvalid", err)
		}
	})
}
