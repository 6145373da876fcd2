package adopt

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/store"
)

// An export is this console's configuration (applications with their
// client secrets, authorizations with their tokens, receivers with their
// passwords, ticket defaults, mail senders and notification templates,
// groups with their members' logins, the ITIL category tree, the priority
// matrix, the blacklist, blacklisted mail content, document types, the
// mail rules by name and the settings) as one JSON document sealed with a passphrase: argon2id
// derives the key, XChaCha20-Poly1305 seals. Nothing of it is in clear in
// the file. Users, tickets and documents are not in it (back up the
// database for those).

// MinPassphrase is the shortest passphrase an export accepts.
const MinPassphrase = 12

// ErrPassphrase means the passphrase does not open the file, or the file
// was altered.
var ErrPassphrase = errors.New("the passphrase does not open this file, or the file was altered")

const (
	exportFormat  = "oauthimap-export"
	exportVersion = 1
	// argon2id parameters: RFC 9106's second recommendation (64 MiB, 3 passes).
	kdfTime    = 3
	kdfMemory  = 64 * 1024
	kdfThreads = 4
	// instanceSetting names this console in exports, so importing a later
	// export of it updates what an earlier one brought.
	instanceSetting = "export.instance_id"
)

// envelope is the file: the KDF's parameters in clear, the rest sealed.
type envelope struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	KDF     struct {
		Name      string `json:"name"`
		Salt      string `json:"salt"`
		Time      uint32 `json:"time"`
		MemoryKiB uint32 `json:"memory_kib"`
		Threads   uint8  `json:"threads"`
	} `json:"kdf"`
	Cipher string `json:"cipher"`
	Nonce  string `json:"nonce"`
	Data   string `json:"data"`
}

// Export is the sealed document's content.
type Export struct {
	Instance       string                `json:"instance"`
	ExportedAt     time.Time             `json:"exported_at"`
	Applications   []ExportApplication   `json:"applications"`
	Authorizations []ExportAuthorization `json:"authorizations"`
	Receivers      []ExportReceiver      `json:"receivers"`
	Blacklist      []ExportBlacklist     `json:"blacklist"`
	Settings       map[string]string     `json:"settings"`
	Groups         []ExportGroup         `json:"groups"`
	Categories     []ExportCategory      `json:"itil_categories"`
	// PriorityMatrix has the 25 cells of the matrix.
	PriorityMatrix     []ExportPriority           `json:"priority_matrix"`
	BlacklistedContent []ExportBlacklistedContent `json:"blacklisted_mail_content"`
	DocumentTypes      []ExportDocumentType       `json:"document_types"`
	// MailRules is nil in a file written before the rules travelled.
	MailRules *ExportMailRules `json:"mail_rules,omitempty"`
}

// ExportGroup is a group; its members are named by login (users are not
// exported: an import makes members of the users of that login it has).
type ExportGroup struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Comment     string   `json:"comment"`
	IsAssign    bool     `json:"is_assign"`
	IsRequester bool     `json:"is_requester"`
	Members     []string `json:"members"`
}

// ExportCategory is an ITIL category; ParentID names another category of
// the file (0: at the top of the tree).
type ExportCategory struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parent_id,omitempty"`
	Name     string `json:"name"`
	Comment  string `json:"comment"`
	IsActive bool   `json:"is_active"`
}

// ExportPriority is one cell of the priority matrix.
type ExportPriority struct {
	Urgency  int `json:"urgency"`
	Impact   int `json:"impact"`
	Priority int `json:"priority"`
}

// ExportBlacklistedContent is a block of text removed from collected mail.
type ExportBlacklistedContent struct {
	Name    string `json:"name"`
	Content string `json:"content"`
	Comment string `json:"comment"`
}

// ExportDocumentType is an allowed attachment type.
type ExportDocumentType struct {
	Name    string `json:"name"`
	Ext     string `json:"ext"`
	MIME    string `json:"mime"`
	Comment string `json:"comment"`
}

// ExportSender is how a receiver's mailbox sends mail, password in clear
// (inside the seal).
type ExportSender struct {
	Mode         string `json:"mode"`
	Host         string `json:"host"`
	Port         int    `json:"port"`
	Security     string `json:"security"`
	ValidateCert bool   `json:"validate_cert"`
	Login        string `json:"login"`
	Password     string `json:"password"`
	FromAddress  string `json:"from_address"`
	FromName     string `json:"from_name"`
	ReplyTo      string `json:"reply_to"`
}

// ExportNotification is one notification template of a receiver.
type ExportNotification struct {
	Event   string `json:"event"`
	Enabled bool   `json:"enabled"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// ExportApplication is an application, client secret in clear (inside the seal).
type ExportApplication struct {
	ID                    int64      `json:"id"`
	Name                  string     `json:"name"`
	Comment               string     `json:"comment"`
	IsActive              bool       `json:"is_active"`
	Provider              string     `json:"provider"`
	Cloud                 string     `json:"cloud"`
	AuthorityURL          string     `json:"authority_url"`
	ClientID              string     `json:"client_id"`
	ClientSecret          string     `json:"client_secret"`
	ClientSecretExpiresAt *time.Time `json:"client_secret_expires_at,omitempty"`
	TenantID              string     `json:"tenant_id"`
	IssuerURL             string     `json:"issuer_url"`
	ExtraScopes           string     `json:"extra_scopes"`
	CallbackPath          string     `json:"callback_path"`
}

// ExportAuthorization is an authorization, tokens in clear (inside the seal).
type ExportAuthorization struct {
	ID             int64      `json:"id"`
	ApplicationID  int64      `json:"application_id"`
	Email          string     `json:"email"`
	Kind           string     `json:"kind"`
	TenantID       string     `json:"tenant_id"`
	ObjectID       string     `json:"object_id"`
	Subject        string     `json:"subject"`
	UPN            string     `json:"upn"`
	AccessToken    string     `json:"access_token"`
	RefreshToken   string     `json:"refresh_token"`
	IDToken        string     `json:"id_token"`
	Scope          string     `json:"scope"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	RefreshTokenAt *time.Time `json:"refresh_token_at,omitempty"`
}

// ExportReceiver is a receiver's settings, password in clear (inside the seal).
type ExportReceiver struct {
	ID                  int64  `json:"id"`
	Name                string `json:"name"`
	IsActive            bool   `json:"is_active"`
	Host                string `json:"host"`
	Port                int    `json:"port"`
	Security            string `json:"security"`
	ValidateCert        bool   `json:"validate_cert"`
	ApplicationID       int64  `json:"application_id,omitempty"`
	Login               string `json:"login"`
	Password            string `json:"password"`
	Folder              string `json:"folder"`
	AcceptedFolder      string `json:"accepted_folder"`
	RefusedFolder       string `json:"refused_folder"`
	FilesizeMax         int64  `json:"filesize_max"`
	UseMailDate         bool   `json:"use_mail_date"`
	RequesterField      string `json:"requester_field"`
	AddToToObserver     bool   `json:"add_to_to_observer"`
	AddCcToObserver     bool   `json:"add_cc_to_observer"`
	CollectOnlyUnread   bool   `json:"collect_only_unread"`
	CreateUserFromEmail bool   `json:"create_user_from_email"`
	Budget              int    `json:"budget"`
	PollIntervalSeconds int    `json:"poll_interval_seconds"`
	IdleEnabled         bool   `json:"idle_enabled"`
	Comment             string `json:"comment"`

	ImportAutoNotifications bool   `json:"import_auto_notifications"`
	FirstCollect            string `json:"first_collect"`
	FirstCollectDays        int    `json:"first_collect_days"`
	// The ticket defaults: a group and a category of the file (0: none)
	// and a ticket type (0: none).
	DefaultGroupID    int64                `json:"default_group_id,omitempty"`
	DefaultCategoryID int64                `json:"default_category_id,omitempty"`
	DefaultType       int                  `json:"default_type,omitempty"`
	Sender            *ExportSender        `json:"sender,omitempty"`
	Notifications     []ExportNotification `json:"notifications,omitempty"`
}

// ExportBlacklist is a blacklist entry.
type ExportBlacklist struct {
	Kind    string `json:"kind"`
	Value   string `json:"value"`
	Comment string `json:"comment"`
}

// exportedSetting tells which settings travel: configuration, never a
// one-time token or anything secret-looking.
func exportedSetting(name string) bool {
	if name == instanceSetting {
		return false
	}
	n := strings.ToLower(name)
	for _, w := range []string{"token", "secret", "key", "password"} {
		if strings.Contains(n, w) {
			return false
		}
	}
	return true
}

// Collect reads this console's configuration, secrets opened.
func Collect(ctx context.Context, st *store.Store) (*Export, error) {
	id, err := st.Setting(ctx, instanceSetting, "")
	if err != nil {
		return nil, err
	}
	if id == "" {
		b := make([]byte, 16)
		rand.Read(b)
		id = hex.EncodeToString(b)
		if err := st.SetSetting(ctx, instanceSetting, id); err != nil {
			return nil, err
		}
	}
	x := &Export{Instance: id, ExportedAt: st.Now().UTC(), Settings: map[string]string{}}
	for page := 1; ; page++ {
		rows, total, err := st.ListApplications(ctx, store.ListQuery{Page: page, PerPage: 200, Sort: "name"})
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			a, err := st.Application(ctx, row.ID)
			if err != nil {
				return nil, fmt.Errorf("application %s: %w", row.Name, err)
			}
			x.Applications = append(x.Applications, ExportApplication{ID: a.ID, Name: a.Name, Comment: a.Comment, IsActive: a.IsActive,
				Provider: a.Provider, Cloud: a.Cloud, AuthorityURL: a.AuthorityURL, ClientID: a.ClientID, ClientSecret: a.ClientSecret,
				ClientSecretExpiresAt: a.ClientSecretExpiresAt, TenantID: a.TenantID, IssuerURL: a.IssuerURL, ExtraScopes: a.ExtraScopes,
				CallbackPath: a.CallbackPath})
			auths, err := st.Authorizations(ctx, a.ID)
			if err != nil {
				return nil, err
			}
			for _, au := range auths {
				_, rec, err := st.Load(ctx, au.ID)
				if err != nil {
					return nil, fmt.Errorf("authorization %s: %w", au.Email, err)
				}
				x.Authorizations = append(x.Authorizations, ExportAuthorization{ID: au.ID, ApplicationID: a.ID, Email: au.Email, Kind: au.Kind,
					TenantID: au.TenantID, ObjectID: au.ObjectID, Subject: au.Subject, UPN: au.UPN, AccessToken: rec.AccessToken,
					RefreshToken: rec.RefreshToken, IDToken: rec.IDToken, Scope: au.Scope, ExpiresAt: au.ExpiresAt, RefreshTokenAt: au.RefreshTokenAt})
			}
		}
		if int64(page*200) >= total {
			break
		}
	}
	for page := 1; ; page++ {
		rows, total, err := st.ListReceivers(ctx, store.ListQuery{Page: page, PerPage: 200, Sort: "name"})
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			r, err := st.Receiver(ctx, row.ID)
			if err != nil {
				return nil, fmt.Errorf("receiver %s: %w", row.Name, err)
			}
			e := ExportReceiver{ID: r.ID, Name: r.Name, IsActive: r.IsActive, Host: r.Host, Port: r.Port, Security: r.Security,
				ValidateCert: r.ValidateCert, Login: r.Login, Password: r.Password, Folder: r.Folder, AcceptedFolder: r.AcceptedFolder,
				RefusedFolder: r.RefusedFolder, FilesizeMax: r.FilesizeMax, UseMailDate: r.UseMailDate, RequesterField: r.RequesterField,
				AddToToObserver: r.AddToToObserver, AddCcToObserver: r.AddCcToObserver, CollectOnlyUnread: r.CollectOnlyUnread,
				CreateUserFromEmail: r.CreateUserFromEmail, Budget: r.Budget, PollIntervalSeconds: r.PollIntervalSeconds,
				IdleEnabled: r.IdleEnabled, Comment: r.Comment, ImportAutoNotifications: r.ImportAutoNotifications,
				FirstCollect: r.FirstCollect, FirstCollectDays: r.FirstCollectDays, DefaultType: r.DefaultType}
			if r.UsesOAuth() {
				e.ApplicationID = *r.ApplicationID
			}
			if r.DefaultGroupID != nil {
				e.DefaultGroupID = *r.DefaultGroupID
			}
			if r.DefaultCategoryID != nil {
				e.DefaultCategoryID = *r.DefaultCategoryID
			}
			if err := collectOutgoing(ctx, st, &e); err != nil {
				return nil, fmt.Errorf("receiver %s: %w", r.Name, err)
			}
			x.Receivers = append(x.Receivers, e)
		}
		if int64(page*200) >= total {
			break
		}
	}
	bl, err := st.BlacklistEntries(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range bl {
		x.Blacklist = append(x.Blacklist, ExportBlacklist{Kind: b.Kind, Value: b.Value, Comment: b.Comment})
	}
	sets, err := st.Settings(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range sets {
		if exportedSetting(s.Name) {
			x.Settings[s.Name] = s.Value
		}
	}
	if err := collectHelpdesk(ctx, st, x); err != nil {
		return nil, err
	}
	if err := collectMailRules(ctx, st, x); err != nil {
		return nil, err
	}
	return x, nil
}

// collectOutgoing adds a receiver's sender and notification templates.
func collectOutgoing(ctx context.Context, st *store.Store, e *ExportReceiver) error {
	m, err := st.MailSender(ctx, e.ID)
	switch {
	case err == nil:
		e.Sender = &ExportSender{Mode: m.Mode, Host: m.Host, Port: m.Port, Security: m.Security, ValidateCert: m.ValidateCert,
			Login: m.Login, Password: m.Password, FromAddress: m.FromAddress, FromName: m.FromName, ReplyTo: m.ReplyTo}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	ns, err := st.MailNotifications(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, n := range ns {
		e.Notifications = append(e.Notifications, ExportNotification{Event: n.Event, Enabled: n.Enabled, Subject: n.Subject, Body: n.Body})
	}
	slices.SortFunc(e.Notifications, func(a, b ExportNotification) int { return strings.Compare(a.Event, b.Event) })
	return nil
}

// collectHelpdesk adds groups, categories, the priority matrix,
// blacklisted content and document types.
func collectHelpdesk(ctx context.Context, st *store.Store, x *Export) error {
	groups, err := st.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		ids, err := st.GroupMemberIDs(ctx, g.ID)
		if err != nil {
			return err
		}
		e := ExportGroup{ID: g.ID, Name: g.Name, Comment: g.Comment, IsAssign: g.IsAssign, IsRequester: g.IsRequester, Members: []string{}}
		for _, id := range ids {
			u, err := st.User(ctx, id)
			if err != nil {
				return fmt.Errorf("group %s: member %d: %w", g.Name, id, err)
			}
			e.Members = append(e.Members, u.Login)
		}
		slices.Sort(e.Members)
		x.Groups = append(x.Groups, e)
	}
	cats, err := st.Categories(ctx)
	if err != nil {
		return err
	}
	for _, c := range cats {
		e := ExportCategory{ID: c.ID, Name: c.Name, Comment: c.Comment, IsActive: c.IsActive}
		if c.ParentID != nil {
			e.ParentID = *c.ParentID
		}
		x.Categories = append(x.Categories, e)
	}
	m, err := st.LoadPriorityMatrix(ctx)
	if err != nil {
		return err
	}
	for u := store.LevelVeryLow; u <= store.LevelVeryHigh; u++ {
		for i := store.LevelVeryLow; i <= store.LevelVeryHigh; i++ {
			x.PriorityMatrix = append(x.PriorityMatrix, ExportPriority{Urgency: u, Impact: i, Priority: m[u][i]})
		}
	}
	contents, err := st.BlacklistedMailContents(ctx)
	if err != nil {
		return err
	}
	for _, c := range contents {
		x.BlacklistedContent = append(x.BlacklistedContent, ExportBlacklistedContent{Name: c.Name, Content: c.Content, Comment: c.Comment})
	}
	types, err := st.DocumentTypes(ctx)
	if err != nil {
		return err
	}
	for _, t := range types {
		x.DocumentTypes = append(x.DocumentTypes, ExportDocumentType{Name: t.Name, Ext: t.Ext, MIME: t.MIME, Comment: t.Comment})
	}
	return nil
}

func aeadFor(passphrase string, salt []byte, t, m uint32, p uint8) (aead interface {
	Seal(dst, nonce, plaintext, additionalData []byte) []byte
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}, err error) {
	key := argon2.IDKey([]byte(passphrase), salt, t, m, p, chacha20poly1305.KeySize)
	return chacha20poly1305.NewX(key)
}

// additional binds the clear header to the sealed data.
func (e *envelope) additional() []byte {
	return fmt.Appendf(nil, "%s v%d %s salt=%s t=%d m=%d p=%d %s", e.Format, e.Version, e.KDF.Name, e.KDF.Salt, e.KDF.Time, e.KDF.MemoryKiB, e.KDF.Threads, e.Cipher)
}

// Seal writes x as a sealed file.
func Seal(x *Export, passphrase string) ([]byte, error) {
	if utf8.RuneCountInString(passphrase) < MinPassphrase {
		return nil, fmt.Errorf("the passphrase must have at least %d characters", MinPassphrase)
	}
	plain, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	salt, nonce := make([]byte, 16), make([]byte, chacha20poly1305.NonceSizeX)
	rand.Read(salt)
	rand.Read(nonce)
	e := envelope{Format: exportFormat, Version: exportVersion, Cipher: "xchacha20-poly1305", Nonce: base64.StdEncoding.EncodeToString(nonce)}
	e.KDF.Name, e.KDF.Salt, e.KDF.Time, e.KDF.MemoryKiB, e.KDF.Threads = "argon2id", base64.StdEncoding.EncodeToString(salt), kdfTime, kdfMemory, kdfThreads
	aead, err := aeadFor(passphrase, salt, kdfTime, kdfMemory, kdfThreads)
	if err != nil {
		return nil, err
	}
	e.Data = base64.StdEncoding.EncodeToString(aead.Seal(nil, nonce, plain, e.additional()))
	clear(plain)
	out, err := json.MarshalIndent(e, "", "  ")
	return append(out, '\n'), err
}

// Open reads a sealed file.
func Open(file []byte, passphrase string) (*Export, error) {
	var e envelope
	if err := json.Unmarshal(file, &e); err != nil || e.Format != exportFormat {
		return nil, errors.New("this is not an oauthimap export file")
	}
	if e.Version != exportVersion || e.KDF.Name != "argon2id" || e.Cipher != "xchacha20-poly1305" {
		return nil, fmt.Errorf("export file version %d (%s, %s) is not one this version reads", e.Version, e.KDF.Name, e.Cipher)
	}
	// Bound the KDF so a crafted file cannot ask for gigabytes.
	if e.KDF.Time == 0 || e.KDF.Time > 10 || e.KDF.MemoryKiB == 0 || e.KDF.MemoryKiB > 1<<20 || e.KDF.Threads == 0 {
		return nil, errors.New("export file: key derivation parameters out of bounds")
	}
	salt, err1 := base64.StdEncoding.DecodeString(e.KDF.Salt)
	nonce, err2 := base64.StdEncoding.DecodeString(e.Nonce)
	data, err3 := base64.StdEncoding.DecodeString(e.Data)
	if err1 != nil || err2 != nil || err3 != nil || len(nonce) != chacha20poly1305.NonceSizeX {
		return nil, ErrPassphrase
	}
	aead, err := aeadFor(passphrase, salt, e.KDF.Time, e.KDF.MemoryKiB, e.KDF.Threads)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, nonce, data, e.additional())
	if err != nil {
		return nil, ErrPassphrase
	}
	defer clear(plain)
	var x Export
	if err := json.Unmarshal(plain, &x); err != nil {
		return nil, fmt.Errorf("export file: %w", err)
	}
	return &x, nil
}

// ImportExport brings an export into st: a later import of the same
// instance's export updates, never duplicates. Receivers arrive inactive
// unless activate, so two consoles never collect one mailbox at once.
func ImportExport(ctx context.Context, st *store.Store, x *Export, activate bool) (*Report, error) {
	if x.Instance == "" {
		return nil, errors.New("export file: no instance")
	}
	src := store.ImportSource{Source: "export:" + x.Instance, Actor: "file import", Label: "export", Full: true}
	if own, _ := st.Setting(ctx, instanceSetting, ""); own == x.Instance {
		return nil, errors.New("this file was exported by this console: nothing to import")
	}
	rep := &Report{From: "the export of " + x.ExportedAt.UTC().Format("2006-01-02 15:04 UTC")}
	add := func(kind string, id int64, res store.ImportResult) {
		rep.Lines = append(rep.Lines, Line{Kind: kind, SourceID: id, Name: res.Name, Action: res.Action, Note: res.Note})
	}
	apps := map[int64]int64{}
	for _, a := range x.Applications {
		res, err := st.ImportApplication(ctx, src, a.ID, &store.Application{Name: a.Name, Comment: a.Comment, IsActive: a.IsActive,
			Provider: a.Provider, Cloud: a.Cloud, AuthorityURL: a.AuthorityURL, ClientID: a.ClientID, ClientSecret: a.ClientSecret,
			ClientSecretExpiresAt: a.ClientSecretExpiresAt, TenantID: a.TenantID, IssuerURL: a.IssuerURL, ExtraScopes: a.ExtraScopes,
			CallbackPath: a.CallbackPath})
		if err != nil {
			return rep, fmt.Errorf("application %q: %w", a.Name, err)
		}
		apps[a.ID] = res.ID
		add("application", a.ID, res)
	}
	for _, a := range x.Authorizations {
		appID, ok := apps[a.ApplicationID]
		if !ok {
			rep.skip("authorization", a.ID, fmt.Sprintf("its application %d is not in the file", a.ApplicationID))
			continue
		}
		res, err := st.ImportAuthorization(ctx, src, a.ID, store.AuthorizationToImport{ApplicationID: appID, Email: a.Email,
			AccessToken: a.AccessToken, RefreshToken: a.RefreshToken, IDToken: a.IDToken, Scope: a.Scope, ExpiresAt: a.ExpiresAt,
			Modified: a.RefreshTokenAt, Kind: a.Kind, TenantID: a.TenantID, ObjectID: a.ObjectID, Subject: a.Subject, UPN: a.UPN})
		if err != nil {
			return rep, fmt.Errorf("authorization %s: %w", a.Email, err)
		}
		add("authorization", a.ID, res)
	}
	groups, err := importGroups(ctx, st, src, x, rep)
	if err != nil {
		return rep, err
	}
	cats, err := importCategories(ctx, st, src, x, rep)
	if err != nil {
		return rep, err
	}
	recvs := map[int64]int64{}
	for _, r := range x.Receivers {
		rec := &store.Receiver{Name: r.Name, Host: r.Host, Port: r.Port, Security: r.Security, ValidateCert: r.ValidateCert,
			Login: r.Login, Password: r.Password, Folder: r.Folder, AcceptedFolder: r.AcceptedFolder, RefusedFolder: r.RefusedFolder,
			FilesizeMax: r.FilesizeMax, UseMailDate: r.UseMailDate, RequesterField: r.RequesterField, AddToToObserver: r.AddToToObserver,
			AddCcToObserver: r.AddCcToObserver, CollectOnlyUnread: r.CollectOnlyUnread, CreateUserFromEmail: r.CreateUserFromEmail,
			Budget: r.Budget, PollIntervalSeconds: r.PollIntervalSeconds, IdleEnabled: r.IdleEnabled, Comment: r.Comment,
			ImportAutoNotifications: r.ImportAutoNotifications, FirstCollect: r.FirstCollect, FirstCollectDays: r.FirstCollectDays}
		if r.ApplicationID != 0 {
			appID, ok := apps[r.ApplicationID]
			if !ok {
				rep.skip("receiver", r.ID, fmt.Sprintf("its application %d is not in the file", r.ApplicationID))
				continue
			}
			rec.ApplicationID = &appID
		}
		res, err := st.ImportReceiver(ctx, src, r.ID, rec, activate)
		if err != nil {
			return rep, fmt.Errorf("receiver %q: %w", r.Name, err)
		}
		recvs[r.ID] = res.ID
		if note := importReceiverExtras(ctx, st, src, r, res.ID, groups, cats); note != nil {
			if !errors.As(note, new(skipNote)) {
				return rep, fmt.Errorf("receiver %q: %w", r.Name, note)
			}
			res.Note = strings.TrimSpace(res.Note + " " + note.Error())
		}
		add("receiver", r.ID, res)
	}
	for i, b := range x.Blacklist {
		res, err := st.ImportBlacklistEntry(ctx, src, int64(i+1), &store.BlacklistEntry{Kind: b.Kind, Value: b.Value, Comment: b.Comment})
		if err != nil {
			return rep, fmt.Errorf("blacklist %s: %w", b.Value, err)
		}
		add("blacklist", int64(i+1), res)
	}
	for i, c := range x.BlacklistedContent {
		res, err := st.ImportBlacklistedMailContent(ctx, src, int64(i+1), &store.BlacklistedMailContent{Name: c.Name, Content: c.Content, Comment: c.Comment})
		if err != nil {
			return rep, fmt.Errorf("blacklisted mail content %q: %w", c.Name, err)
		}
		add("blacklisted mail content", int64(i+1), res)
	}
	for i, t := range x.DocumentTypes {
		res, err := st.ImportDocumentType(ctx, src, int64(i+1), &store.DocumentType{Name: t.Name, Ext: t.Ext, MIME: t.MIME, Comment: t.Comment})
		if err != nil {
			return rep, fmt.Errorf("document type %q: %w", t.Name, err)
		}
		add("document type", int64(i+1), res)
	}
	if len(x.PriorityMatrix) > 0 {
		m, err := st.LoadPriorityMatrix(ctx)
		if err != nil {
			return rep, err
		}
		for _, c := range x.PriorityMatrix {
			if !store.ValidLevel(c.Urgency) || !store.ValidLevel(c.Impact) || !store.ValidPriority(c.Priority) {
				return rep, fmt.Errorf("priority matrix: urgency %d, impact %d, priority %d is out of bounds", c.Urgency, c.Impact, c.Priority)
			}
			m[c.Urgency][c.Impact] = c.Priority
		}
		if err := st.SavePriorityMatrix(ctx, m, &store.User{Login: src.Actor}); err != nil {
			return rep, fmt.Errorf("priority matrix: %w", err)
		}
	}
	for name, v := range x.Settings {
		if !exportedSetting(name) || name == store.SettingMailRulesStopOnFirstMatch && x.MailRules != nil {
			continue // the rules' own part decides their setting
		}
		switch name {
		case store.SettingDefaultSender:
			// A receiver id of the exporting console: this console's receiver made from it.
			src, err := strconv.ParseInt(v, 10, 64)
			if here, ok := recvs[src]; err == nil && ok {
				v = strconv.FormatInt(here, 10)
			} else {
				rep.skip("setting", 0, fmt.Sprintf("the default sender names receiver %s, which is not in the file", v))
				continue
			}
		case helpdesk.SettingInstanceUUID:
			// Replies to the old console's notifications thread here too,
			// unless this console has sent notifications of its own.
			if own, err := st.Setting(ctx, name, ""); err != nil {
				return rep, err
			} else if own != "" {
				continue
			}
		}
		if err := st.SetSetting(ctx, name, v); err != nil {
			return rep, err
		}
	}
	if err := importMailRules(ctx, st, src, x, recvs, groups, cats, rep); err != nil {
		return rep, err
	}
	if len(x.Settings) > 0 {
		st.Audit(ctx, 0, src.Actor, "import.settings", "settings", 0, fmt.Sprintf("%d settings imported from an export of %s", len(x.Settings), x.ExportedAt.Format(time.RFC3339)))
	}
	return rep, nil
}

// skipNote is something of a receiver not imported; the receiver itself is.
type skipNote string

func (n skipNote) Error() string { return string(n) }

// importGroups brings the groups and returns this console's id for each
// group of the file.
func importGroups(ctx context.Context, st *store.Store, src store.ImportSource, x *Export, rep *Report) (map[int64]int64, error) {
	ids := map[int64]int64{}
	for _, g := range x.Groups {
		res, missing, err := st.ImportGroup(ctx, src, g.ID, &store.Group{Name: g.Name, Comment: g.Comment, IsAssign: g.IsAssign, IsRequester: g.IsRequester}, g.Members)
		if err != nil {
			return nil, fmt.Errorf("group %q: %w", g.Name, err)
		}
		if len(missing) > 0 {
			res.Note = "no user here for the member(s) " + strings.Join(missing, ", ") + ": create them and add them to the group"
		}
		ids[g.ID] = res.ID
		rep.Lines = append(rep.Lines, Line{Kind: "group", SourceID: g.ID, Name: res.Name, Action: res.Action, Note: res.Note})
	}
	return ids, nil
}

// importCategories brings the ITIL category tree, parents first, and
// returns this console's id for each category of the file.
func importCategories(ctx context.Context, st *store.Store, src store.ImportSource, x *Export, rep *Report) (map[int64]int64, error) {
	ids := map[int64]int64{}
	pending := slices.Clone(x.Categories)
	for len(pending) > 0 {
		var later []ExportCategory
		for _, c := range pending {
			cat := &store.Category{Name: c.Name, Comment: c.Comment, IsActive: c.IsActive}
			if c.ParentID != 0 {
				parent, ok := ids[c.ParentID]
				if !ok {
					later = append(later, c)
					continue
				}
				cat.ParentID = &parent
			}
			res, err := st.ImportCategory(ctx, src, c.ID, cat)
			if err != nil {
				return nil, fmt.Errorf("ITIL category %q: %w", c.Name, err)
			}
			ids[c.ID] = res.ID
			rep.Lines = append(rep.Lines, Line{Kind: "ITIL category", SourceID: c.ID, Name: res.Name, Action: res.Action})
		}
		if len(later) == len(pending) {
			// Their parents are not in the file, or they form a loop.
			for _, c := range later {
				rep.skip("ITIL category", c.ID, fmt.Sprintf("its parent category %d is not in the file", c.ParentID))
			}
			break
		}
		pending = later
	}
	return ids, nil
}

// importReceiverExtras gives the imported receiver id its ticket defaults,
// sender and notification templates. A default group or category missing
// from the file is a skipNote; other errors stop the import.
func importReceiverExtras(ctx context.Context, st *store.Store, src store.ImportSource, r ExportReceiver, id int64, groups, cats map[int64]int64) error {
	actor := &store.User{Login: src.Actor}
	var notes []string
	d := store.ReceiverDefaults{Type: r.DefaultType}
	if r.DefaultGroupID != 0 {
		if g, ok := groups[r.DefaultGroupID]; ok {
			d.GroupID = &g
		} else {
			notes = append(notes, fmt.Sprintf("its default group %d is not in the file;", r.DefaultGroupID))
		}
	}
	if r.DefaultCategoryID != 0 {
		if c, ok := cats[r.DefaultCategoryID]; ok {
			d.CategoryID = &c
		} else {
			notes = append(notes, fmt.Sprintf("its default category %d is not in the file;", r.DefaultCategoryID))
		}
	}
	old, err := st.LoadReceiverDefaults(ctx, id)
	if err != nil {
		return err
	}
	same := func(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
	if !same(d.GroupID, old.GroupID) || !same(d.CategoryID, old.CategoryID) || d.Type != old.Type {
		if err := st.SaveReceiverDefaults(ctx, id, d, actor); err != nil {
			return fmt.Errorf("ticket defaults: %w", err)
		}
	}
	if m := r.Sender; m != nil {
		if err := st.SaveMailSender(ctx, &store.MailSender{ReceiverID: id, Mode: m.Mode, Host: m.Host, Port: m.Port, Security: m.Security,
			ValidateCert: m.ValidateCert, Login: m.Login, Password: m.Password, FromAddress: m.FromAddress, FromName: m.FromName, ReplyTo: m.ReplyTo}); err != nil {
			return fmt.Errorf("sender: %w", err)
		}
	}
	for _, n := range r.Notifications {
		if err := st.SaveMailNotification(ctx, &store.MailNotification{ReceiverID: id, Event: n.Event, Enabled: n.Enabled, Subject: n.Subject, Body: n.Body}); err != nil {
			return fmt.Errorf("notification %s: %w", n.Event, err)
		}
	}
	if len(notes) > 0 {
		return skipNote(strings.TrimSuffix(strings.Join(notes, " "), ";"))
	}
	return nil
}
