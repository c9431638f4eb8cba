// Package scenarios embeds the built-in chaos scenario files; package chaos/scenario decodes them.
package scenarios

import "embed"

// FS holds the built-in scenarios, one JSON file each at its top level.
// The process-only scenarios of procs/ are not embedded: they run by path.
//
//go:embed *.json
var FS embed.FS
