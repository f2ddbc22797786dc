// Package scoring analyses a candidate's answer to an interview question and scores it
// from 0 to 100 with a breakdown: coverage of the question's expected key points,
// depth of the explanation, structure, and concrete examples. It also writes the
// strengths and the improvements as sentences a candidate can act on.
//
// Analysis is pure and deterministic: the same question and answer always give the
// same result, so stored analyses can be reproduced and tested.
package scoring
