// Package site holds what the pages of the report site share: the style
// sheet, the navigation between the bench, chaos and soak pages, and the
// provenance block, so that every page reads alike.
package site
