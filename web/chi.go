package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

func chiURLParam(r *http.Request, name string) string { return chi.URLParam(r, name) }
