package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // zone names work in a static binary without the system's database

	"golang.org/x/crypto/bcrypt"
)

// ErrBadCredentials is returned for an unknown login, a wrong password or
// an inactive account alike, so the answer gives no hint which it was.
var ErrBadCredentials = errors.New("store: incorrect login or password")

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// bcryptCost is a variable so tests can make hashing cheap.
var bcryptCost = bcrypt.DefaultCost

// dummyHash is compared against when the login is unknown, so both paths
// spend the same time.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not-a-real-password"), bcrypt.DefaultCost)

// NormalizeLogin is how logins are compared: trimmed, lower-case.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Message is an error whose text is written for the person at the form,
// shown as it is.
type Message string

func (m Message) Error() string { return string(m) }

// ValidatePassword explains what is wrong with a new password.
func ValidatePassword(pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return Message(fmt.Sprintf("The password must have at least %d characters.", MinPasswordLength))
	}
	if len(pw) > 72 {
		return Message("The password must have at most 72 bytes.")
	}
	return nil
}

// ValidRole reports whether r is a role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleTechnician }

// CreateUser adds a user with a hashed password.
func (s *Store) CreateUser(ctx context.Context, u *User, password string) error {
	if err := s.prepareUser(u, password); err != nil {
		return err
	}
	return translate(s.db.WithContext(ctx).Create(u).Error)
}

// ErrSetupUsed is a setup link already used (or replaced, or an
// administrator exists already).
var ErrSetupUsed = errors.New("store: the setup link was used already")

// CreateUserWithSetupToken creates the first user while consuming the
// setting that held the setup link (its name and the value read when the
// link was checked), in one transaction: of simultaneous uses of one link,
// exactly one deletes that row and creates a user; the others get
// ErrSetupUsed, as does any use once a user exists.
func (s *Store) CreateUserWithSetupToken(ctx context.Context, u *User, password, setting, value string) error {
	if err := s.prepareUser(u, password); err != nil {
		return err
	}
	return s.tx(ctx, func(s *Store) error {
		res := s.db.Where("name = ? AND value = ?", setting, value).Delete(&Setting{})
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrSetupUsed
		}
		var n int64
		if err := s.db.Model(&User{}).Count(&n).Error; err != nil {
			return translate(err)
		}
		if n > 0 {
			return ErrSetupUsed
		}
		if err := s.db.Create(u).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, u, "user.create", "user", u.ID, "first administrator created through the setup link")
	})
}

// checkUserText bounds a user's free text.
func checkUserText(u *User) error {
	return checkText(Text{Field: "user login", Value: u.Login}, Text{Field: "user name", Value: u.Name}, Text{Field: "user e-mail", Value: u.Email})
}

// passwordCost is the bcrypt cost of new hashes.
func (s *Store) passwordCost() int {
	if s.cost != 0 {
		return s.cost
	}
	return bcryptCost
}

// prepareUser checks a new user and hashes its password.
func (s *Store) prepareUser(u *User, password string) error {
	u.Login = NormalizeLogin(u.Login)
	if u.Login == "" {
		return errors.New("store: the login is empty")
	}
	if err := checkUserText(u); err != nil {
		return err
	}
	if !ValidRole(u.Role) {
		return fmt.Errorf("store: unknown role %q", u.Role)
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.passwordCost())
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	u.PasswordHash = string(h)
	return nil
}

// SetPassword replaces a user's password and ends their sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.passwordCost())
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return s.tx(ctx, func(s *Store) error {
		res := s.db.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": string(h), "updated_at": s.now()})
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return translate(s.db.Where("user_id = ?", userID).Delete(&Session{}).Error)
	})
}

// Authenticate checks a login and password.
func (s *Store) Authenticate(ctx context.Context, login, password string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("login = ?", NormalizeLogin(login)).Take(&u).Error
	if err != nil {
		if errors.Is(err, errRecordNotFound) {
			bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
			return nil, ErrBadCredentials
		}
		return nil, translate(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || !u.IsActive {
		return nil, ErrBadCredentials
	}
	now := s.now()
	u.LastLoginAt = &now
	if err := s.db.WithContext(ctx).Model(&u).UpdateColumn("last_login_at", now).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// User returns one user.
func (s *Store) User(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := s.db.WithContext(ctx).Take(&u, id).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// UserByLogin returns the user with this login.
func (s *Store) UserByLogin(ctx context.Context, login string) (*User, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("login = ?", NormalizeLogin(login)).Take(&u).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// ListUsers returns a page of users.
func (s *Store) ListUsers(ctx context.Context, q ListQuery) ([]User, int64, error) {
	db := s.db.WithContext(ctx).Model(&User{})
	if q.Search != "" {
		like := "%" + escapeLike(q.Search) + "%"
		db = db.Where("login LIKE ? ESCAPE '!' OR name LIKE ? ESCAPE '!' OR email LIKE ? ESCAPE '!'", like, like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	var out []User
	order := q.Order(map[string]string{"login": "login", "name": "name", "role": "role", "last_login": "last_login_at", "active": "is_active"}, "login")
	err := db.Order(order).Order("id").Limit(q.Limit()).Offset(q.Offset()).Find(&out).Error
	return out, total, translate(err)
}

// CountUsers counts users; with activeAdminsOnly, active admins only.
func (s *Store) CountUsers(ctx context.Context, activeAdminsOnly bool) (int64, error) {
	db := s.db.WithContext(ctx).Model(&User{})
	if activeAdminsOnly {
		db = db.Where("role = ? AND is_active = ?", RoleAdmin, true)
	}
	var n int64
	return n, translate(db.Count(&n).Error)
}

// ErrLastAdmin refuses a change that would leave no active administrator.
var ErrLastAdmin error = Message("This is the last active administrator: make another administrator first.")

// UpdateUser saves name, e-mail, role and active flag. Deactivating a
// user or taking away their admin role ends their sessions; the last
// active administrator cannot lose either.
func (s *Store) UpdateUser(ctx context.Context, u *User) error {
	if !ValidRole(u.Role) {
		return fmt.Errorf("store: unknown role %q", u.Role)
	}
	if err := checkUserText(u); err != nil {
		return err
	}
	return s.tx(ctx, func(s *Store) error {
		var old User
		if err := s.db.Take(&old, u.ID).Error; err != nil {
			return translate(err)
		}
		losesAdmin := old.Role == RoleAdmin && old.IsActive && (u.Role != RoleAdmin || !u.IsActive)
		if losesAdmin {
			var n int64
			if err := s.db.Model(&User{}).Where("role = ? AND is_active = ? AND id <> ?", RoleAdmin, true, u.ID).Count(&n).Error; err != nil {
				return translate(err)
			}
			if n == 0 {
				return ErrLastAdmin
			}
		}
		err := s.db.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{
			"name": u.Name, "email": strings.TrimSpace(u.Email), "role": u.Role, "is_active": u.IsActive, "time_zone": u.TimeZone, "updated_at": s.now(),
		}).Error
		if err != nil {
			return translate(err)
		}
		if !u.IsActive || old.Role != u.Role {
			return translate(s.db.Where("user_id = ?", u.ID).Delete(&Session{}).Error)
		}
		return nil
	})
}

// SetUserTimeZone changes the time zone a user's times are shown in (an
// IANA name, or "" for the server's); ValidTimeZone checks it first.
func (s *Store) SetUserTimeZone(ctx context.Context, id int64, zone string) error {
	if err := ValidTimeZone(zone); err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Updates(map[string]any{"time_zone": zone, "updated_at": s.now()})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ValidTimeZone accepts "" (the server's zone) or an IANA zone name the
// embedded time zone database knows, and says what is wrong otherwise.
func ValidTimeZone(zone string) error {
	if zone == "" {
		return nil
	}
	if len(zone) > 64 || zone == "Local" || strings.ContainsAny(zone, " \\") {
		return Message("This is not a time zone name: write one such as Europe/Paris, America/New_York or UTC.")
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return Message("This is not a time zone name: write one such as Europe/Paris, America/New_York or UTC.")
	}
	return nil
}
