package loadgen

import (
	"slices"
	"testing"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    Mix
		wantErr bool
	}{
		{in: "parse-jd=1,analyze-answer=1,services=1,session=1", want: Mix{{OpParseJD, 1}, {OpAnalyzeAnswer, 1}, {OpServices, 1}, {OpSession, 1}}},
		{in: " parse-jd = 8 , session=2 ", want: Mix{{OpParseJD, 8}, {OpSession, 2}}},
		{in: "session", want: Mix{{OpSession, 1}}},
		{in: "services=3,", want: Mix{{OpServices, 3}}},
		{in: "", wantErr: true},
		{in: "parse-jd=0", wantErr: true},
		{in: "parse-jd=-2", wantErr: true},
		{in: "parse-jd=x", wantErr: true},
		{in: "health=1", wantErr: true},
		{in: "session=1,session=2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMix(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseMix(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseMix(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if err == nil {
				again, err := ParseMix(got.String())
				if err != nil || !slices.Equal(again, got) {
					t.Errorf("String() %q does not parse back: %v, %v", got.String(), again, err)
				}
			}
		})
	}
}

func TestScheduleFollowsWeightsAndInterleaves(t *testing.T) {
	tests := []struct {
		mix string
		// longestRun is the most consecutive slots one operation may take in a cycle.
		longestRun int
	}{
		{"parse-jd=1", 1},
		{"parse-jd=1,session=1", 1},
		{"parse-jd=6,session=1,services=1", 3},
		{"parse-jd=2,analyze-answer=1,services=1,session=1", 1},
		{"session=1,services=9", 5},
	}
	for _, tt := range tests {
		t.Run(tt.mix, func(t *testing.T) {
			m := mustMix(t, tt.mix)
			got := m.schedule()
			total := 0
			for _, e := range m {
				total += e.Weight
				n := 0
				for _, op := range got {
					if op == e.Op {
						n++
					}
				}
				if n != e.Weight {
					t.Errorf("%s takes %d slots, want %d", e.Op, n, e.Weight)
				}
			}
			if len(got) != total {
				t.Fatalf("schedule has %d slots, want %d", len(got), total)
			}
			run := 1
			for i := 1; i < len(got); i++ {
				if got[i] == got[i-1] {
					run++
				} else {
					run = 1
				}
				if run > tt.longestRun {
					t.Fatalf("schedule %v has %d %s in a row, want at most %d", got, run, got[i], tt.longestRun)
				}
			}
		})
	}
}
