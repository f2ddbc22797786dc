package scoring

import "testing"

func TestStem(t *testing.T) {
	groups := [][]string{
		{"cache", "caching", "cached", "caches"},
		{"index", "indexes", "indexing"},
		{"query", "queries", "queried"},
		{"partition", "partitions", "partitioning"},
		{"goroutine", "goroutines"},
		{"connect", "connection", "connections"},
		{"replica", "replicas", "replication"},
		{"run", "running"},
	}
	for _, g := range groups {
		base := stem(g[0])
		for _, w := range g[1:] {
			if s := stem(w); !stemsMatch(base, s) {
				t.Errorf("stem(%q) = %q does not match stem(%q) = %q", w, s, g[0], base)
			}
		}
	}
	for _, pair := range [][2]string{{"java", "javascript"}, {"test", "testament"}, {"car", "card"}} {
		if stemsMatch(stem(pair[0]), stem(pair[1])) {
			t.Errorf("%q and %q should not match", pair[0], pair[1])
		}
	}
}

func TestWords(t *testing.T) {
	got := words("Use C++, C# and Node.js... (e.g. k8s).")
	want := []string{"use", "c++", "c#", "and", "node.js", "e.g", "k8s"}
	if len(got) != len(want) {
		t.Fatalf("words = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("words = %q, want %q", got, want)
		}
	}
}
