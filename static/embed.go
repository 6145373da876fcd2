// Package static serves the console's CSS, JavaScript and fonts from the
// binary, under URLs that carry a hash of their content so browsers can
// cache them for a year and still see every change at once.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed app.css app.js actors.js favicon.svg vendor
var files embed.FS

// Prefix is where the assets are served.
const Prefix = "/static/"

// Assets knows each file's content hash.
type Assets struct {
	hashes map[string]string
}

// New hashes every embedded file once.
func New() (*Assets, error) {
	a := &Assets{hashes: map[string]string{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// URL returns the cache-busting URL of a file, e.g. "/static/app.css?v=ab12cd34ef56".
func (a *Assets) URL(name string) string {
	return Prefix + name + "?v=" + a.hashes[name]
}

// Handler serves the files; a request carrying the current hash is cached
// for a year, any other for a minute.
func (a *Assets) Handler() http.Handler {
	fsrv := http.StripPrefix(Prefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), Prefix)
		h, ok := a.hashes[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == h {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=60")
		}
		fsrv.ServeHTTP(w, r)
	})
}
