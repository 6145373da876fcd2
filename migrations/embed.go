// Package migrations holds the versioned SQL that owns the schema, one
// folder per dialect. The two folders must describe the same tables; a
// store test proves that the GORM models agree with each.
package migrations

import "embed"

// FS holds sqlite/*.sql and mysql/*.sql.
//
//go:embed sqlite/*.sql mysql/*.sql
var FS embed.FS
