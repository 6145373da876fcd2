package views

import "github.com/oauthimap/oauthimap/internal/store"

// ReceiverRow is one line of Setup > Receivers, and of an application's
// "Receivers" tab.
type ReceiverRow struct {
	ID             int64
	Name           string
	Active         bool
	Server         string // host:port
	Login          string
	ConnectionType string // "IMAP" or the application's name
	Health         store.ReceiverHealth
	LastCollect    string
	Errors         int
	LastError      string
}

// ReceiverLink names a receiver in a banner.
type ReceiverLink struct {
	ID   int64
	Name string
}

// healthClass is the badge colour of a receiver's health.
func healthClass(h store.ReceiverHealth) string {
	switch h {
	case store.HealthFailing:
		return "bg-red-lt"
	case store.HealthReauth:
		return "bg-orange-lt"
	case store.HealthDisabled:
		return "bg-secondary-lt"
	}
	return "bg-green-lt"
}
