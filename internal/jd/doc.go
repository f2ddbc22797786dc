// Package jd extracts what an interview needs from a job description: the role title,
// the seniority and the skills it asks for, matched against a skills taxonomy of
// canonical skills and their aliases ("golang" → Go, "k8s" → Kubernetes).
//
// The package is pure: the caller loads the taxonomy (from the question bank) and
// passes it in, so parsing needs no database and is safe for concurrent use.
package jd
