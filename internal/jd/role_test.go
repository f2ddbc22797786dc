package jd

import "testing"

func TestExtractRole(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Title: Senior Site Reliability Engineer\nWe keep things up.", "Senior Site Reliability Engineer"},
		{"Position - Lead iOS Developer", "Lead iOS Developer"},
		{"We're looking for an experienced Data Scientist to help us forecast demand.", "Data Scientist"},
		{"We are hiring a Senior Backend Engineer (Go) to join our platform team.", "Senior Backend Engineer"},
		{"Globex is currently seeking a principal security architect with cloud experience.", "Principal Security Architect"},
		{"Join our team as a DevOps Engineer in Lisbon.", "DevOps Engineer"},
		{"## Product Designer | Remote\n\nYou shape our app.", "Product Designer"},
		{"Engineering Manager, Payments @ Initech\n\nLead a team of eight.", "Engineering Manager"},
		{"we are hiring a sre for our infra team", "SRE"},
		{"Our mission is simple. Help farmers. Bring your ideas.", DefaultRole},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := extractRole(tt.text); got != tt.want {
				t.Fatalf("extractRole(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestExtractSeniority(t *testing.T) {
	tests := []struct {
		name, text, title, want string
	}{
		{"senior title", "", "Senior Go Engineer", Senior},
		{"sr abbreviation", "", "Sr. Data Engineer", Senior},
		{"staff title", "", "Staff Engineer", Lead},
		{"principal title", "", "Principal Engineer", Lead},
		{"junior beats lead words", "", "Junior Project Manager", Junior},
		{"entry level", "This is an entry-level role.", "Software Engineer", Junior},
		{"years senior", "You have 6+ years of experience with distributed systems.", "Engineer", Senior},
		{"years junior", "0-1 years of experience welcome.", "Engineer", Junior},
		{"years mid", "At least 3 years in a similar role.", "Engineer", Mid},
		{"years lead", "10+ years of hands-on experience.", "Engineer", Lead},
		{"smallest number wins", "3+ years of experience with Go, 8 years of experience overall preferred", "Engineer", Mid},
		{"mentoring juniors is not junior", "You will mentor junior engineers and work with senior staff.", "Engineer", Mid},
		{"body senior", "We need a senior engineer who owns delivery.", "Engineer", Senior},
		{"body tech lead", "You will act as tech lead for the squad.", "Engineer", Lead},
		{"default", "Build things.", "Engineer", Mid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := extractSeniority(tt.text, tt.title); got != tt.want {
				t.Fatalf("extractSeniority(%q, %q) = %q, want %q", tt.text, tt.title, got, tt.want)
			}
		})
	}
}
