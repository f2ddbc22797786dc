// Package jd extracts what an interview needs from a job description: the role title,
// the seniority and the skills it asks for, matched against a skills taxonomy of
// canonical skills and their aliases ("golang" → Go, "k8s" → Kubernetes).
//
// Skills are matched on word boundaries, case-insensitively, longest alias first, so
// "machine learning", "c++", ".NET" and "node.js" match as written while "go" never
// matches inside "google" nor "java" inside "javascript". Aliases that are also
// everyday English words ("go", "rust", "rest", "spring") count when capitalised or
// when they stand in a list next to another skill ("python, go and rust"), never in
// "we go the extra mile".
//
// The package is pure: the caller loads the taxonomy (from the question bank) and
// passes it in, so parsing needs no database and is safe for concurrent use.
package jd
