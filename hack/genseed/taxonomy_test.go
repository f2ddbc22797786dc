package main

import (
	"slices"
	"testing"

	"github.com/interviewapi/operator/internal/jd"
)

// seedTaxonomy builds the parser's taxonomy from the seed, as the server does from
// the skill_aliases table.
func seedTaxonomy() *jd.Taxonomy {
	aliases := map[string]jd.SkillRef{}
	for _, s := range Bank() {
		for _, a := range s.Aliases() {
			aliases[a] = jd.SkillRef{ID: s.ID, Name: s.Name}
		}
	}
	return jd.NewTaxonomy(aliases)
}

// TestSeedAliasesParseRealJobDescriptions checks the seed's aliases together with the
// parser: real wording finds the intended skills, and everyday English ("the rest of
// the team", "spring", "go the extra mile") finds none.
func TestSeedAliasesParseRealJobDescriptions(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // skill ids, any order
	}{
		{
			name: "platform engineer",
			text: `Senior Platform Engineer
We run golang microservices on k8s in AWS, deployed with Terraform and GitHub Actions.
You will improve our Prometheus monitoring and be on-call one week in six.`,
			want: []string{"go", "microservices", "kubernetes", "aws", "terraform", "ci-cd", "observability", "sre"},
		},
		{
			name: "frontend",
			text: `We are hiring a Frontend Developer: React.js, TypeScript, HTML5/CSS3 and a11y (WCAG 2.2).
Bonus: Next steps include Vue.`,
			want: []string{"react", "typescript", "html-css", "web-accessibility", "vue"},
		},
		{
			name: "data",
			text: `Data Engineer — build ELT pipelines with Apache Airflow, PySpark and Kafka into BigQuery.
Strong SQL and Postgres; experience with dbt is a plus.`,
			want: []string{"etl", "airflow", "spark", "kafka", "gcp", "sql", "postgresql"},
		},
		{
			name: "ml",
			text: `ML Engineer. Train PyTorch models, ship LLM features with RAG, and run MLflow. Python 3, pandas.`,
			want: []string{"machine-learning", "pytorch", "nlp", "mlops", "python", "data-analysis"},
		},
		{
			name: "symbols",
			text: `Backend developer: C#, ASP.NET Core, C++ for the trading engine, Node.js for tooling; OAuth2/OIDC.`,
			want: []string{"csharp", "dotnet", "cpp", "nodejs", "auth"},
		},
		{
			name: "everyday english matches nothing",
			text: `Office manager wanted. You go the extra mile, rest well, and react calmly. Start in spring.
Flights to the expo are booked by the rest of the team; a torch and a swift reply help.`,
			want: []string{},
		},
	}
	tax := seedTaxonomy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{}
			for _, s := range jd.Parse(tt.text, tax).Skills {
				got = append(got, s.ID)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("skills = %v, want %v", got, want)
			}
		})
	}
}
