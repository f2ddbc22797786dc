package scoring

import (
	"strings"
	"unicode"
)

// words splits text into lower-case words of letters and digits; '+', '#' and inner
// dots stay in a word so "c++", "c#" and "node.js" survive.
func words(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, strings.Trim(b.String(), "."))
			b.Reset()
		}
	}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '#':
			b.WriteRune(unicode.ToLower(r))
		case r == '.' && b.Len() > 0:
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	// Trimming dots may leave empty words ("..."): drop them.
	kept := out[:0]
	for _, w := range out {
		if w != "" {
			kept = append(kept, w)
		}
	}
	return kept
}

// contentStems returns the stems of the words that carry meaning, in order, without
// duplicates.
func contentStems(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words(text) {
		if isStopword(w) {
			continue
		}
		s := stem(w)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// stem reduces an English word to a crude stem by stripping common suffixes, enough
// for "caching"/"cache"/"cached" or "indexes"/"index" to meet. It is a light cousin
// of Porter's algorithm: recall matters more here than linguistic accuracy.
func stem(w string) string {
	if len(w) <= 3 || strings.ContainsAny(w, "0123456789+#.") {
		return w
	}
	for _, suf := range []string{
		"ational", "ization", "isation", "fulness", "ousness", "iveness",
		"ations", "ation", "ments", "ment", "ness", "ities", "ity", "ings", "ing",
		"ably", "ibly", "ally", "edly", "ers", "er", "ies", "ied", "ives", "ive",
		"ises", "izes", "ised", "ized", "ise", "ize", "ed", "es", "ly", "al", "s", "e", "y",
	} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			base := w[:len(w)-len(suf)]
			if suf == "ies" || suf == "ied" || suf == "ities" || suf == "y" {
				base += "i"
			}
			// "running" → "runn" → "run": undouble a final consonant.
			if n := len(base); n >= 4 && base[n-1] == base[n-2] && !strings.ContainsRune("aeiouls", rune(base[n-1])) {
				base = base[:n-1]
			}
			return base
		}
	}
	return w
}

// stemsMatch compares two stems, accepting a shared prefix of five letters or more so
// that derived forms the suffix list misses still meet ("serial"/"serializ").
func stemsMatch(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 5 && strings.HasPrefix(b, a)
}

func isStopword(w string) bool {
	switch w {
	case "a", "an", "the", "and", "or", "but", "if", "then", "else", "of", "to", "in",
		"on", "at", "by", "for", "with", "from", "into", "onto", "as", "is", "are", "was",
		"were", "be", "been", "being", "it", "its", "this", "that", "these", "those",
		"i", "we", "you", "he", "she", "they", "them", "our", "your", "my", "me", "us",
		"do", "does", "did", "have", "has", "had", "can", "could", "would", "should",
		"will", "shall", "may", "might", "must", "not", "no", "so", "such", "than",
		"too", "very", "just", "also", "about", "what", "which", "who", "whom", "how",
		"why", "when", "where", "there", "here", "all", "any", "each", "some", "more",
		"most", "other", "own", "same", "only", "both", "few", "over", "under", "up",
		"down", "out", "off", "again", "once", "use", "using", "used", "one", "way",
		"thing", "things", "get", "got", "make", "makes", "like", "well", "really":
		return true
	}
	return false
}
