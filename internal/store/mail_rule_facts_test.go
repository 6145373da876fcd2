package store

import (
	"context"
	"testing"
)

func TestMailRuleFacts(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		u := &User{Login: "tech", Name: "Tech", Email: "Tech@Corp.example", Role: RoleTechnician, IsActive: true}
		if err := s.CreateUser(ctx, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EnsureContact(ctx, "customer@client.example", "Customer"); err != nil {
			t.Fatal(err)
		}
		for email, want := range map[string]bool{"tech@corp.example": true, "CUSTOMER@client.example": true, "stranger@client.example": false, "": false} {
			if got, err := s.RequesterKnown(ctx, email); err != nil || got != want {
				t.Errorf("RequesterKnown(%q) = %v, %v; want %v", email, got, err, want)
			}
		}
		for domain, want := range map[string]bool{"corp.example": true, "Corp.Example": true, "client.example": false, "%": false, "orp.example": false} {
			if got, err := s.MailDomainKnown(ctx, domain); err != nil || got != want {
				t.Errorf("MailDomainKnown(%q) = %v, %v; want %v", domain, got, err, want)
			}
		}
	})
}
