package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
)

// user manages console users from the shell: the way to make the first
// administrator, or to get back in after losing a password.
func user(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New("user: want add, passwd or list")
	}
	sub, args := args[0], args[1:]
	var login, name, email string
	var isAdmin bool
	cfg, _, err := loadConfig("user "+sub, args, stderr, getenv, func(fs *flag.FlagSet) {
		if sub == "list" {
			return
		}
		fs.StringVar(&login, "login", "", "the user's login")
		if sub == "add" {
			fs.StringVar(&name, "name", "", "the user's name")
			fs.StringVar(&email, "email", "", "the user's email address")
			fs.BoolVar(&isAdmin, "admin", false, "make the user an administrator (default: technician)")
		}
	})
	if err != nil {
		return err
	}
	st, err := openQuiet(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		users, _, err := st.ListUsers(ctx, store.ListQuery{PerPage: 200})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tPROFILE\tACTIVE\tLAST LOGIN")
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Login, u.Name, store.RoleLabel(u.Role), yesNo(u.IsActive), lastLogin(u.LastLoginAt))
		}
		return tw.Flush()
	case "add", "passwd":
		if login == "" {
			return fmt.Errorf("user %s: --login is required", sub)
		}
		pw, err := readLine(stdin, stderr, "Password", "user "+sub)
		if err != nil {
			return err
		}
		if sub == "passwd" {
			u, err := st.UserByLogin(ctx, login)
			if err != nil {
				return fmt.Errorf("user passwd: %s: %w", login, err)
			}
			err = st.InTx(ctx, func(st *store.Store) error {
				if err := st.SetPassword(ctx, u.ID, pw); err != nil {
					return err
				}
				return st.Audit(ctx, 0, "cli", "user.password", "user", u.ID, "password changed from the command line")
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "password of %s changed\n", u.Login)
			return nil
		}
		role := store.RoleTechnician
		if isAdmin {
			role = store.RoleAdmin
		}
		u := &store.User{Login: login, Name: name, Email: email, Role: role, IsActive: true}
		err = st.InTx(ctx, func(st *store.Store) error {
			if err := st.CreateUser(ctx, u, pw); err != nil {
				return err
			}
			return st.Audit(ctx, 0, "cli", "user.create", "user", u.ID, "user created from the command line")
		})
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		fmt.Fprintf(stdout, "user %s added (%s)\n", u.Login, store.RoleLabel(role))
		return nil
	}
	return fmt.Errorf("user: unknown subcommand %q (want add, passwd or list)", sub)
}

// yesNo is GLPI's boolean column text.
func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// lastLogin is a last sign-in time in UTC, as the shell lists it.
func lastLogin(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "Never"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
